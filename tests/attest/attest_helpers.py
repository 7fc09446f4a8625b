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


def catalogue(
    alliance: Alliance,
    owner: str,
    dataset: str,
    rows: list[dict[str, Any]],
    *,
    grantee: str = "registrar",
    workers: list[str] | None = None,
    approve: bool = True,
    lifetime_ms: int = 30 * 86_400_000,
) -> str:
    """Put ``rows`` in the data catalog as ``owner``'s level-2 dataset and give ``grantee`` a grant of
    attested compute on it (approved by the owner unless ``approve`` is false); the grant's id."""
    from pledgenet.data.client import DataClient

    columns = sorted(rows[0])
    path = alliance.directory / f"{dataset}.csv"
    path.write_text(
        "\n".join([",".join(columns), *(",".join(str(row[c]) for c in columns) for row in rows)]) + "\n"
    )
    client = DataClient(alliance, owner)
    client.register(dataset, path, title=dataset, description="attested compute input", level=2)
    ids = [column["id"] for column in client.dataset(dataset)["schema"]]
    args: dict[str, Any] = {"columns": ids, "purpose": "statistics", "operations": ["attested_compute"]}
    receipt = alliance.submit(
        "data.request_grant",
        {**args, "dataset": dataset, "expires_at": alliance_now(alliance) + lifetime_ms, "max_uses": 5}
        | ({} if workers is None else {"workers": workers}),
        [grantee],
    )
    assert receipt.valid, receipt.message
    grant = str(receipt.result["grant"])
    if approve:
        assert alliance.submit("data.approve_grant", {"grant": grant}, [owner]).valid
    return grant


def alliance_now(alliance: Alliance) -> int:
    peer = alliance.peer("registrar")
    return int(peer.block(peer.height).header.timestamp)
