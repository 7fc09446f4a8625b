"""The consortium ledger: transactions, blocks, peers on SQLite, ordering, proofs, verification.

It runs the contracts it is handed (``contract_api`` is the interface they implement) and imports none;
``pledgenet.contracts.catalog`` passes the default set. ``alliance`` is the embedded alliance (every
member's keys and peer in one directory).
"""
