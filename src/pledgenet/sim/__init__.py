"""pledgenet.sim"""
