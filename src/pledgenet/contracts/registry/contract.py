"""The ``registry`` contract object; the operation modules register their handlers on it."""

from __future__ import annotations

from pledgenet.contracts.base import Contract
from pledgenet.contracts.registry.params import DEFAULT_PARAMS

contract = Contract(name="registry", default_params=dict(DEFAULT_PARAMS))
