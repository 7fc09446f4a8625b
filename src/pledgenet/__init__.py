"""pledgenet: an open platform for a stock-pledge data alliance.

Packages, lowest floor first (each imports only from lower floors; ``tests/test_layers.py`` checks it):
``errors`` and ``encoding``; ``crypto``; ``ledger`` (with its contract interface ``ledger.contract_api``);
``contracts`` (the rules every peer runs; ``contracts.catalog`` composes the default alliance);
``register`` (a member's register client) and ``fl``; ``risk``; ``sim``; ``demo``; ``cli``.
"""

__version__ = "0.1.0"
