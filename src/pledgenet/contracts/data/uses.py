"""Uses of data, served or refused, on the record: ``data.record_access`` and the shared ``record_use``.

The owner's node records every request for a plaintext copy before it serves anything: the requester
co-signs (so who asked is proven), every peer runs ``grants.use_problem`` on the chain state, and the
outcome is written either way under ``data/use/<dataset>/<n>``: ``served`` (the grant's use count goes up)
or ``refused`` with its reason code (the attempt; nothing else changes). The transaction is valid in both
cases: an attempt is a fact worth keeping. The owner's node serves only after a ``served`` record.

A use for ``attested_compute`` (the only operation the grading allows on level 5 data) names the worker
that will compute: the use is refused with ``worker_not_attested`` unless the ``attest`` contract holds that
worker's attestation valid at this block, under the governed policy, with real evidence (a worker of the
development evidence type, labelled "not attested", never counts). The dataset key then reaches the worker
through the ``attest`` contract's key release (``docs/attestation.md``).

Each use may raise alerts, emitted as ``data.alert`` events and kept in the use record:
``access_after_revocation``, ``access_after_expiry``, ``purpose_outside_grant``, and ``unusual_volume``
(more than ``data.volume_alert_count`` uses of one dataset by one member within ``data.volume_window_ms``).
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts import attest
from pledgenet.contracts.data import common, keys
from pledgenet.contracts.data import params as p
from pledgenet.contracts.data.contract import contract
from pledgenet.contracts.data.grants import use_problem
from pledgenet.crypto.attestation.evidence import NOT_ATTESTED
from pledgenet.errors import BadDataArguments, NotAnApprover
from pledgenet.ledger.contract_api import TxContext

_ALERT_OF_REASON = {
    "grant_revoked": "access_after_revocation",
    "grant_expired": "access_after_expiry",
    "purpose_mismatch": "purpose_outside_grant",
}


def _volume_alert(ctx: TxContext, dataset: str, user: str) -> bool:
    key = keys.volume(dataset, user)
    window = int(ctx.param(p.VOLUME_WINDOW_MS))
    current = ctx.get(key)
    if current is None or ctx.block_time - current["window_start"] >= window:
        current = {"window_start": ctx.block_time, "count": 0}
    count = int(current["count"]) + 1
    ctx.put(key, {"window_start": current["window_start"], "count": count})
    return count > int(ctx.param(p.VOLUME_ALERT_COUNT))


def _attested(ctx: TxContext, worker: str | None) -> bool:
    if worker is None:
        return False
    status = attest.status_of(ctx, worker)
    return status.valid and status.label != NOT_ATTESTED


def record_use(
    ctx: TxContext,
    version: dict[str, Any],
    grant_id: str | None,
    *,
    user: str,
    operation: str,
    purpose: str,
    columns: list[str],
    job: str | None = None,
    worker: str | None = None,
) -> dict[str, Any]:
    """Check a use against its grant (and, for attested compute, its worker's attestation) and write its
    record (served or refused); return the record."""
    dataset = version["dataset"]
    grant = None if grant_id is None else ctx.get(keys.grant(grant_id))
    reason = use_problem(
        grant,
        dataset=dataset,
        at=ctx.block_time,
        user=user,
        operation=operation,
        purpose=purpose,
        columns=columns,
    )
    if reason is None and operation == "attested_compute" and not _attested(ctx, worker):
        reason = "worker_not_attested"
    if reason is None and grant is not None:
        grant = dict(grant)
        grant["uses"] = int(grant["uses"]) + 1
        common.put(ctx, keys.grant(grant_id or ""), grant)
    alerts = [_ALERT_OF_REASON[reason]] if reason in _ALERT_OF_REASON else []
    if _volume_alert(ctx, dataset, user):
        alerts.append("unusual_volume")
    seq = int(ctx.get(keys.use_seq(dataset)) or 0) + 1
    ctx.put(keys.use_seq(dataset), seq)
    record = {
        "use": seq,
        "dataset": dataset,
        "version": version["version"],
        "owner": version["owner"],
        "user": user,
        "grant": grant_id,
        "purpose": purpose,
        "operation": operation,
        "columns": columns,
        "content_hash": version["content_hash"],
        "job": job,
        "worker": worker,
        "outcome": "refused" if reason else "served",
        "reason": reason,
        "alerts": alerts,
        "at": ctx.block_time,
        "height": ctx.block_height,
        "tx": ctx.tx_id,
    }
    ctx.put(keys.use(dataset, seq), record)
    ctx.emit(
        "data.use",
        {"dataset": dataset, "use": seq, "user": user, "outcome": record["outcome"], "reason": reason},
    )
    for alert in alerts:
        ctx.emit(
            "data.alert",
            {"alert": alert, "dataset": dataset, "owner": version["owner"], "user": user, "use": seq},
        )
    return record


@contract.operation("record_access")
def record_access(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Owner's node, co-signed by the requester: record a request for a copy, served or refused."""
    dataset_id = common.identifier(args, "dataset")
    number = args.get("version")
    version = common.dataset_version(
        ctx, dataset_id, None if number is None else common.integer(args, "version", minimum=1)
    )
    if ctx.submitter != version["owner"]:
        raise NotAnApprover(f"only {version['owner']}'s node serves {dataset_id} and records its uses")
    requester = common.text(args, "requester", limit=63)
    common.require_member(ctx, requester, "requester")
    ctx.require_signed_by(requester)
    known = [column["id"] for column in version["schema"]]
    columns = common.choices(args, "columns", known, code="unknown_column")
    operation = common.choice(args, "operation", keys.OPERATIONS)
    purpose = common.text(args, "purpose", limit=64)
    grant_id = None if args.get("grant") is None else common.identifier(args, "grant")
    worker = None if args.get("worker") is None else common.identifier(args, "worker")
    if (worker is None) != (operation != "attested_compute"):
        raise BadDataArguments("'worker' names the attested worker of an attested_compute use, and only then")
    record = record_use(
        ctx,
        version,
        grant_id,
        user=requester,
        operation=operation,
        purpose=purpose,
        columns=columns,
        worker=worker,
    )
    return {key: record[key] for key in ("use", "dataset", "version", "outcome", "reason", "alerts")}
