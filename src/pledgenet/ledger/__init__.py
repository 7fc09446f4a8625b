"""pledgenet.ledger"""
