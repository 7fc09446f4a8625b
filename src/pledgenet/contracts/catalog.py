"""The composition root of an alliance: the contracts every peer loads, handed to the ledger from here.

The ledger imports no contract (``pledgenet.ledger.contract_api`` is its plug-in interface); whoever opens
an alliance decides which contracts it runs. This module is that decision for the default alliance: each
area adds one line to ``all_contracts``, and ``init_alliance``, ``open_alliance`` and ``verify_alliance``
are the ledger's calls with that set passed in. Everything above the ledger (the register client, risk,
the simulator, the demo, the CLI, the benchmarks) opens alliances through these three; a test or an
embedding that wants another set calls ``Alliance.init/open(contracts=...)`` itself.

Genesis parameters are the union of the contracts' ``default_params`` (``genesis_params``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pledgenet.contracts import attest, governance, market
from pledgenet.contracts import data as data_contract
from pledgenet.contracts import register as register_contract
from pledgenet.ledger import verify
from pledgenet.ledger.alliance import Alliance, MemberSpec
from pledgenet.ledger.contract_api import Contract
from pledgenet.ledger.contract_api import genesis_params as _genesis_params
from pledgenet.ledger.ordering.base import BatchLimits
from pledgenet.ledger.ordering.solo import wall_clock_ms


def all_contracts() -> list[Contract]:
    """The default contract set: governance, the pledge register, market data, attested compute, data
    governance."""
    return [
        governance.contract,
        register_contract.contract,
        market.contract,
        attest.contract,
        data_contract.contract,
    ]


def genesis_params(contracts: list[Contract] | None = None) -> dict[str, Any]:
    """Union of the default parameters of ``contracts`` (the default set when None)."""
    return _genesis_params(contracts if contracts is not None else all_contracts())


def init_alliance(
    directory: Path | str,
    members: list[MemberSpec],
    *,
    alliance_id: str | None = None,
    params: dict[str, Any] | None = None,
    limits: BatchLimits | None = None,
    clock: Callable[[], int] = wall_clock_ms,
) -> Alliance:
    """A new alliance running the default contracts (``Alliance.init`` with ``all_contracts()``)."""
    return Alliance.init(
        directory,
        members,
        contracts=all_contracts(),
        alliance_id=alliance_id,
        params=params,
        limits=limits,
        clock=clock,
    )


def open_alliance(directory: Path | str, *, clock: Callable[[], int] = wall_clock_ms) -> Alliance:
    """An existing alliance directory opened with the default contracts."""
    return Alliance.open(directory, contracts=all_contracts(), clock=clock)


def verify_alliance(directory: Path) -> list[verify.VerifyReport]:
    """Re-verify every member's peer database of ``directory`` against the default contracts."""
    return verify.verify_alliance(directory, contracts=all_contracts())
