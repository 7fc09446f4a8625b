"""What a member reads about attested compute from its own peer: the policy, workers' status at the tip,
key requests and releases, job records. Everything evidence-typed ``none`` reads "not attested"."""

from __future__ import annotations

from typing import Any, Protocol

from pledgenet.contracts.attest import JOB, RELEASE, REQUEST, WORKER
from pledgenet.contracts.governance import param_key
from pledgenet.crypto.attestation.policy import Policy
from pledgenet.crypto.attestation.status import WorkerStatus, worker_status
from pledgenet.errors import ConfigError


class PeerReader(Protocol):
    @property
    def last_timestamp(self) -> int: ...

    def get(self, key: str) -> Any: ...

    def range(self, prefix: str) -> list[tuple[str, Any]]: ...


def policy_of(peer: PeerReader) -> Policy:
    """The attestation policy at this peer's tip (an alliance created before the attest contract has none)."""

    def param(name: str) -> Any:
        value = peer.get(param_key(name))
        if value is None:
            raise ConfigError(f"this alliance has no governed parameter {name!r} (created before attest?)")
        return value

    return Policy.from_params(param)


def worker_status_now(peer: PeerReader, worker: str) -> WorkerStatus:
    """The worker's status as the chain shows it at this peer's tip (the last block's time)."""
    return worker_status(worker, peer.get(WORKER + worker), policy_of(peer), peer.last_timestamp)


def workers(peer: PeerReader) -> list[dict[str, Any]]:
    rows = []
    for _key, record in peer.range(WORKER):
        status = worker_status_now(peer, record["worker"])
        rows.append({**record, "status": status.status, "reason": status.reason})
    return rows


def requests(peer: PeerReader) -> list[dict[str, Any]]:
    return [dict(record) for _key, record in peer.range(REQUEST)]


def releases(peer: PeerReader) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "envelope"} for _key, record in peer.range(RELEASE)]


def jobs(peer: PeerReader) -> list[dict[str, Any]]:
    return [dict(record) for _key, record in peer.range(JOB)]
