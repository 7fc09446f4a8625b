"""The ``registry`` contract object; the operation modules register their handlers on it."""

from __future__ import annotations

from pledgenet.contracts.registry.params import DEFAULT_PARAMS
from pledgenet.ledger.contract_api import Contract

contract = Contract(name="registry", default_params=dict(DEFAULT_PARAMS))
