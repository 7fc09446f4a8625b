"""The contracts every peer loads. Each area adds one line to ``all_contracts``.

Genesis parameters are the union of the contracts' ``default_params`` (see ``genesis_params``).
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.base import Contract


def all_contracts() -> list[Contract]:
    from pledgenet.contracts import governance

    contracts = [governance.contract]
    from pledgenet.contracts import registry

    contracts.append(registry.contract)
    from pledgenet.contracts import market

    contracts.append(market.contract)
    from pledgenet.contracts import attest

    contracts.append(attest.contract)
    return contracts


def genesis_params(contracts: list[Contract] | None = None) -> dict[str, Any]:
    """Union of every contract's default parameters; a name defined twice must agree."""
    params: dict[str, Any] = {}
    for contract in contracts if contracts is not None else all_contracts():
        for name, value in contract.default_params.items():
            if name in params and params[name] != value:
                raise ValueError(f"parameter {name!r} has two different defaults")
            params[name] = value
    return params
