"""Helpers shared by the ledger tests."""

from __future__ import annotations

from pledgenet.ledger.alliance import MemberSpec

FOUNDERS = [
    MemberSpec("registrar", ["registrar", "governing"]),
    MemberSpec("broker-a", ["broker", "governing"]),
    MemberSpec("bank-b", ["bank", "governing"]),
    MemberSpec("trust-c", ["trust"]),
]


def set_ttl(value: int) -> dict[str, object]:
    return {"action": {"kind": "set_param", "name": "gov.proposal_ttl_ms", "value": value}}
