"""Grants: a member requests the use of a dataset; the owner and the grading's approvers decide.

A request names the dataset's columns (by id), a purpose from the governed list, the operations, an
expiry (block time, ms) and a maximum number of uses. Its level is the highest of the dataset's and its
columns' (``catalog.column_level``); the grading rules of that level (``params.GRADING``) decide at once
whether the operations are allowed at all (if not, the request is refused with ``plaintext_forbidden`` or
``operation_forbidden`` and nothing is written) and which roles must approve besides the owner. The grant
is ``approved`` once the owner and one member of each such role (never the grantee itself) have
approved; any of them may refuse it; the owner (or a regulator) may revoke it, which takes effect for
every use ordered after the revocation, at the latest from the next block.

``use_problem`` is the one check of a use against a grant, pure and deterministic: every peer runs it on
chain state when a use is recorded (``uses``) or a job created or accepted (``jobs``), and a member's node
runs the same function before it serves or computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pledgenet.contracts.data import catalog, common, keys
from pledgenet.contracts.data import params as p
from pledgenet.contracts.data.contract import contract
from pledgenet.crypto.envelope import check_shape, recipients_of
from pledgenet.errors import (
    BadDataArguments,
    GradingForbids,
    MalformedTransaction,
    NotAnApprover,
)
from pledgenet.ledger.contract_api import TxContext

DAY_MS = 86_400_000
OWNER = "owner"

#: every reason ``use_problem`` may give, as a person reads it
USE_REASONS = {
    "no_grant": "there is no grant for this dataset",
    "grant_refused": "the grant was refused",
    "grant_revoked": "the grant was revoked",
    "grant_not_approved": "the grant still lacks an approval",
    "not_grantee": "the grant was given to another member",
    "grant_expired": "the grant has expired",
    "operation_not_granted": "the grant does not allow this operation",
    "purpose_mismatch": "the purpose is not the grant's",
    "columns_not_granted": "a column asked for is outside the grant",
    "uses_exhausted": "the grant's uses are all spent",
    "worker_not_attested": "attested compute names a worker without a valid attestation on chain",
}


def use_problem(
    grant: Mapping[str, Any] | None,
    *,
    dataset: str,
    at: int,
    user: str,
    operation: str,
    purpose: str,
    columns: list[str],
    counted: bool = False,
) -> str | None:
    """The reason code why ``user`` may not use ``dataset`` under ``grant`` at block time ``at``, or None.

    ``counted``: the use is already among the grant's ``uses`` (a job checked again after its creation).
    """
    if grant is None or grant["dataset"] != dataset:
        return "no_grant"
    if user != grant["grantee"]:
        return "not_grantee"
    status = grant["status"]
    if status != "approved":
        return {"refused": "grant_refused", "revoked": "grant_revoked"}.get(status, "grant_not_approved")
    if at >= grant["expires_at"]:
        return "grant_expired"
    if operation not in grant["operations"]:
        return "operation_not_granted"
    if purpose != grant["purpose"]:
        return "purpose_mismatch"
    if not set(columns) <= set(grant["columns"]):
        return "columns_not_granted"
    if grant["uses"] - (1 if counted else 0) >= grant["max_uses"]:
        return "uses_exhausted"
    return None


def grant_level(version: Mapping[str, Any], columns: list[str], pi_levels: Mapping[str, Any]) -> int:
    by_id = {column["id"]: column for column in version["schema"]}
    return max([int(version["level"]), *(catalog.column_level(by_id[c], dict(pi_levels)) for c in columns)])


def check_grading(rule: Mapping[str, Any], level: int, operations: list[str]) -> None:
    """Raise ``GradingForbids`` when the grading of ``level`` does not allow every operation asked."""
    forbidden = [op for op in operations if op not in rule["operations"]]
    if "plaintext_copy" in forbidden:
        raise GradingForbids(
            f"data of level {level} never leaves its owner in plaintext: no plaintext copy may be granted",
            code="plaintext_forbidden",
        )
    if forbidden:
        allowed = ", ".join(rule["operations"]) or "nothing"
        raise GradingForbids(
            f"the grading of level {level} forbids {', '.join(forbidden)} (it allows {allowed})",
            code="operation_forbidden",
        )


@contract.operation("request_grant")
def request_grant(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A member asks to use a dataset's columns for a purpose, for operations, until an expiry."""
    version = common.dataset_version(ctx, common.identifier(args, "dataset"))
    dataset_id, owner = version["dataset"], version["owner"]
    if ctx.submitter == owner:
        raise BadDataArguments(f"{owner} owns {dataset_id}: an owner needs no grant")
    known = [column["id"] for column in version["schema"]]
    columns = common.choices(args, "columns", known, code="unknown_column")
    purpose = common.choice(args, "purpose", ctx.param(p.PURPOSES), code="unknown_purpose")
    operations = common.choices(args, "operations", keys.OPERATIONS)
    expires_at = common.integer(args, "expires_at", minimum=ctx.block_time + 1)
    longest = int(ctx.param(p.MAX_GRANT_DAYS)) * DAY_MS
    if expires_at > ctx.block_time + longest:
        raise BadDataArguments(f"a grant lasts at most {longest // DAY_MS} days")
    max_uses = common.integer(args, "max_uses", minimum=1)
    level = grant_level(version, columns, ctx.param(p.PI_LEVELS))
    rule = ctx.param(p.GRADING)[str(level)]
    check_grading(rule, level, operations)
    grant_id = "g" + ctx.tx_id[:16]
    record = {
        "grant": grant_id,
        "dataset": dataset_id,
        "version": version["version"],
        "owner": owner,
        "grantee": ctx.submitter,
        "columns": columns,
        "purpose": purpose,
        "operations": operations,
        "expires_at": expires_at,
        "max_uses": max_uses,
        "uses": 0,
        "level": level,
        "required": [OWNER, *sorted(rule["approvers"])],
        "approvals": {},
        "status": "requested",
        "requested_at": ctx.block_time,
        "decided_at": None,
        "revoked_at": None,
        "revoked_height": None,
        "reason": None,
        "column_names": None,
    }
    common.put(ctx, keys.grant(grant_id), record)
    payload = {
        "grant": grant_id,
        "dataset": dataset_id,
        "owner": owner,
        "grantee": ctx.submitter,
        "level": level,
        "required": record["required"],
    }
    ctx.emit("data.grant_requested", payload)
    return payload


def _grant(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    return common.load(ctx, keys.grant(common.identifier(args, "grant")), "grant", "unknown_grant")


def _slot(ctx: TxContext, grant: Mapping[str, Any]) -> str:
    """The approval the submitter gives: ``owner``, or a required role it holds (never the grantee's)."""
    submitter = ctx.submitter
    if submitter == grant["owner"] and OWNER not in grant["approvals"]:
        return OWNER
    if submitter != grant["grantee"]:
        held = ctx.roles_of(submitter)
        for role in grant["required"]:
            if role != OWNER and role in held and role not in grant["approvals"]:
                return role
    raise NotAnApprover(
        f"{submitter} is not an approver this grant still needs (needs {', '.join(grant['required'])}; "
        f"has {', '.join(sorted(grant['approvals'])) or 'none'})"
    )


def _open_request(grant: Mapping[str, Any]) -> None:
    if grant["status"] != "requested":
        raise NotAnApprover(f"grant {grant['grant']} is already {grant['status']}", code="already_decided")


@contract.operation("approve_grant")
def approve_grant(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Owner or a required approver: approve a requested grant (the owner may seal the granted hidden
    column names for the grantee in ``column_names``)."""
    grant = _grant(ctx, args)
    _open_request(grant)
    slot = _slot(ctx, grant)
    names = args.get("column_names")
    if names is not None:
        if slot != OWNER:
            raise BadDataArguments("only the owner seals the granted column names")
        try:
            check_shape(names)
        except MalformedTransaction as bad:
            raise BadDataArguments(f"'column_names': {bad.message}") from None
        if grant["grantee"] not in recipients_of(names):
            raise BadDataArguments("'column_names' must be readable by the grantee")
        grant["column_names"] = names
    grant["approvals"] = {**grant["approvals"], slot: {"org": ctx.submitter, "at": ctx.block_time}}
    if set(grant["required"]) <= set(grant["approvals"]):
        grant["status"] = "approved"
        grant["decided_at"] = ctx.block_time
    common.put(ctx, keys.grant(grant["grant"]), grant)
    payload = {"grant": grant["grant"], "approver": ctx.submitter, "as": slot, "status": grant["status"]}
    ctx.emit("data.grant_approved" if grant["status"] == "approved" else "data.grant_approval", payload)
    return payload


@contract.operation("refuse_grant")
def refuse_grant(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Owner or a required approver: refuse a requested grant, with a reason."""
    grant = _grant(ctx, args)
    _open_request(grant)
    slot = _slot(ctx, grant)
    grant.update(
        status="refused", decided_at=ctx.block_time, reason=common.text(args, "reason", default="refused")
    )
    common.put(ctx, keys.grant(grant["grant"]), grant)
    payload = {"grant": grant["grant"], "by": ctx.submitter, "as": slot, "reason": grant["reason"]}
    ctx.emit("data.grant_refused", payload)
    return payload


@contract.operation("revoke_grant")
def revoke_grant(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Owner or a regulator: revoke a grant; every use ordered after this is refused."""
    grant = _grant(ctx, args)
    if ctx.submitter != grant["owner"] and "regulator" not in ctx.roles_of(ctx.submitter):
        raise NotAnApprover(f"only {grant['owner']} (the owner) or a regulator revokes {grant['grant']}")
    if grant["status"] not in ("requested", "approved"):
        raise NotAnApprover(f"grant {grant['grant']} is already {grant['status']}", code="already_decided")
    grant.update(
        status="revoked",
        revoked_at=ctx.block_time,
        revoked_height=ctx.block_height,
        reason=common.text(args, "reason", default="revoked"),
    )
    common.put(ctx, keys.grant(grant["grant"]), grant)
    payload = {"grant": grant["grant"], "by": ctx.submitter, "height": ctx.block_height}
    ctx.emit("data.grant_revoked", payload)
    return payload
