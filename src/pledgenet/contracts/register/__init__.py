"""The registrar's pledge register as a contract: holdings, the pledge life cycle, freezes, the 2018 rules.

Only what every peer runs lives here; a member's client side (``RegisterClient``, the registrar's review,
lookups, member views) is ``pledgenet.register``.

The contract is named ``register`` (transaction types ``register.<operation>``) and keeps its state under
``reg/`` (layout in ``contracts.register.keys``). Its modules:

    keys        state keys and the registrar's vocabularies (states, settlement, lender and borrower types)
    params      the 2018 rules as governed parameters with their genesis values
    args        argument readers that refuse bad input before anything is read or written
    common      record loading, holding arithmetic, endorsements, sealed-terms checks, disclosure events
    holdings    list a security, open accounts, transfer shares, corporate actions
    pledges     initial pledge, top-up, release, repurchase, extension
    disposal    default and default disposal within the reduction rules
    freezes     judicial freeze, queued freeze, unfreeze, judicial transfer
    terms       the sealed terms (group 3 of the 20 elements) and the rules the registrar checks on them
    contract    the ``register`` contract object the operation modules register on
"""

from __future__ import annotations

from pledgenet.contracts.register import disposal, freezes, holdings, pledges  # noqa: F401  (register ops)
from pledgenet.contracts.register.contract import contract

__all__ = ["contract"]
