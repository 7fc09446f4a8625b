"""The ``data`` contract object; the operation modules register their handlers on it."""

from __future__ import annotations

from pledgenet.contracts.data.params import DEFAULT_PARAMS
from pledgenet.ledger.contract_api import Contract

contract = Contract(name="data", default_params={name: value for name, value in DEFAULT_PARAMS.items()})
