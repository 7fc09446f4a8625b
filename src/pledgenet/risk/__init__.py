"""pledgenet.risk"""
