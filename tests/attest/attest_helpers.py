"""Helpers of the attestation tests: the genuine evidence, an alliance on a settable clock, votes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledgenet.contracts.catalog import init_alliance
from pledgenet.ledger.alliance import Alliance, MemberSpec
from pledgenet.ledger.records import TxReceipt

DATA = Path(__file__).resolve().parents[2] / "data" / "attestation"
SGX_TIME = 1751191278
TDX_TIME = 1751192163
OUTDATED_TIME = 1772275335
#: both collaterals of the SGX / TDX pair are valid at this time (issued 2025-06-19, next update 2025-07-19)
PAIR_TIME = 1751192163
MEMBERS = [
    MemberSpec("registrar", ["registrar", "governing"]),
    MemberSpec("bank-b", ["bank", "governing"]),
    MemberSpec("broker-a", ["broker", "governing"]),
]


def quote(name: str) -> bytes:
    return (DATA / name).read_bytes()


def collateral(name: str) -> dict[str, str]:
    value: dict[str, str] = json.loads((DATA / f"{name}_collateral.json").read_text())
    return value


def evidence(name: str, kind: str) -> dict[str, Any]:
    return {"type": kind, "quote": quote(name).hex(), "collateral": collateral(name)}


def sgx_report_key() -> str:
    """The first 32 bytes of the genuine SGX quote's report data ('Hello, world!' and zeros): the key it
    commits to. Nobody holds its private half; the tests use it to register the genuine quote."""
    return quote("sgx_quote")[368 : 368 + 32].hex()


@dataclass
class Clock:
    now_ms: int

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


def new_alliance(directory: Path, clock: Clock) -> Alliance:
    return init_alliance(directory, MEMBERS, clock=clock)


def set_params(alliance: Alliance, params: dict[str, Any]) -> None:
    """Change governed parameters by vote: the registrar proposes, broker-a's vote carries it (2 of 3)."""
    for name, value in params.items():
        action = {"kind": "set_param", "name": name, "value": value}
        opened = alliance.submit("gov.propose", {"action": action}, ["registrar"])
        assert opened.valid, opened.message
        voted = alliance.submit("gov.vote", {"proposal": opened.tx_id, "approve": True}, ["broker-a"])
        assert voted.valid and voted.result["status"] == "executed", voted.message


def refused(receipt: TxReceipt, code: str) -> bool:
    return not receipt.valid and receipt.code == code
