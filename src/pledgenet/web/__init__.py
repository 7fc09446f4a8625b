"""pledgenet.web"""
