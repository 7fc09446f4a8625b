"""pledgenet.node"""
