"""pledgenet.fl"""
