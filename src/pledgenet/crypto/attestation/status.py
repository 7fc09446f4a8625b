"""Whether a registered worker's attestation holds at a given block: one function, used by the contract
(at every key request, release and job record) and by the members' views, so both always agree.

A registration is ``valid`` until its ``expires_at`` (the registration TTL, or the collateral's next
update if sooner), and only while the alliance's *current* policy still admits what was registered:
removing its measurement from the allow-list, no longer accepting its TCB status or an advisory, or
leaving the development policy (for ``none`` evidence) revokes it from the next transaction on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pledgenet.crypto.attestation.evidence import NOT_ATTESTED
from pledgenet.crypto.attestation.policy import Policy, judge
from pledgenet.errors import PolicyRefused

VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"
NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class WorkerStatus:
    worker: str
    status: str
    reason: str
    label: str

    @property
    def valid(self) -> bool:
        return self.status == VALID

    def as_dict(self) -> dict[str, Any]:
        return {"worker": self.worker, "status": self.status, "reason": self.reason, "label": self.label}


def worker_status(worker: str, record: Mapping[str, Any] | None, policy: Policy, now_ms: int) -> WorkerStatus:
    """The status of ``worker`` (its registration ``record``, or None) under ``policy`` at ``now_ms``."""
    if record is None:
        return WorkerStatus(worker, NOT_REGISTERED, "the worker has no attestation on chain", NOT_ATTESTED)
    label = str(record["label"])
    if now_ms >= int(record["expires_at"]):
        return WorkerStatus(worker, EXPIRED, f"the registration expired at {record['expires_at']} ms", label)
    try:
        judge(policy, record)
    except PolicyRefused as refusal:
        return WorkerStatus(worker, REVOKED, f"{refusal.code}: {refusal.message}", label)
    return WorkerStatus(worker, VALID, "", label)
