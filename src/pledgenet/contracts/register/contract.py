"""The ``register`` contract object; the operation modules register their handlers on it."""

from __future__ import annotations

from pledgenet.contracts.register.params import DEFAULT_PARAMS
from pledgenet.ledger.contract_api import Contract

contract = Contract(name="register", default_params=dict(DEFAULT_PARAMS))
