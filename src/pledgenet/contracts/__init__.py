"""Deterministic business rules that run inside every peer: governance, the pledge register, market data.

    catalog     the composition root: the default contract set, and the ledger's alliance calls with it
    governance  members, roles and parameters by N-of-M vote (the key layout of members and parameters)
    register/   the registrar's pledge register (its client side is ``pledgenet.register``)
    market      closes and corporate-action notices signed by the exchange

Contracts plug into the ledger through ``pledgenet.ledger.contract_api``; the ledger imports none of them.
"""
