"""pledgenet.crypto"""
