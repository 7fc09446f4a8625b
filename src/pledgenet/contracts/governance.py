"""Governance: who is in the alliance, with which roles, under which parameters; N-of-M votes.

State::

    gov/alliance            {"id", "root_certificate", "orderers": {id: certificate PEM}}
    gov/member/<org>        {"org", "name", "roles" (sorted), "encryption_key" (hex X25519),
                             "certificate" (PEM), "serial", "admitted_at"}
    gov/param/<name>        a governed parameter's value
    gov/proposal/<id>       {"id", "action", "proposer", "approvals", "rejections", "status",
                             "created_at", "expires_at"}
    gov/revoked/<serial>    {"org", "revoked_at"}: a removed member's certificate, never admitted again

Operations: ``gov.genesis`` (height 0 only), ``gov.propose`` and ``gov.vote`` by members holding the
``governing`` role. A proposal passes when the approvals of *current* governing members reach
``ceil(M * gov.vote_threshold_bp / 10000)`` where M is the number of governing members at that moment;
it is rejected once enough rejections make that impossible, and expires after ``gov.proposal_ttl_ms``.
Actions: ``admit_member``, ``remove_member``, ``change_roles``, ``set_param``. Every action is checked
when proposed and again when it executes (state may have moved in between).

The member and parameter layout (``MEMBER_PREFIX``, ``PARAM_PREFIX``, ``member_key``, ``param_key``) and
"the members with role X" (``members_with_role``) are defined once in ``pledgenet.ledger.contract_api``,
because the ledger reads them too (signers' identities and roles, ``ctx.param``); everything above the
ledger uses them from here.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.data.params import check_param as check_data_param
from pledgenet.crypto.attestation.policy import check_param as check_attest_param
from pledgenet.crypto.identity import GOVERNING, MEMBER_ROLES, check_certificate, check_org_id, check_roles
from pledgenet.errors import GovernanceError, IdentityError
from pledgenet.ledger.contract_api import MEMBER_PREFIX as MEMBER_PREFIX
from pledgenet.ledger.contract_api import PARAM_PREFIX as PARAM_PREFIX
from pledgenet.ledger.contract_api import Contract, TxContext
from pledgenet.ledger.contract_api import StateReader as StateReader
from pledgenet.ledger.contract_api import member_key as member_key
from pledgenet.ledger.contract_api import members_with_role as members_with_role
from pledgenet.ledger.contract_api import param_key as param_key

contract = Contract(
    name="gov",
    default_params={
        "gov.vote_threshold_bp": 6666,
        "gov.proposal_ttl_ms": 7 * 24 * 3600 * 1000,
    },
)

ACTIONS = ("admit_member", "remove_member", "change_roles", "set_param")


def member_record(
    *,
    org: str,
    name: str,
    roles: list[str],
    certificate: str,
    encryption_key: str,
    serial: int,
    admitted_at: int,
) -> dict[str, Any]:
    return {
        "org": org,
        "name": name,
        "roles": sorted(set(roles)),
        "certificate": certificate,
        "encryption_key": encryption_key,
        "serial": str(serial),
        "admitted_at": admitted_at,
    }


def governing_members(ctx: TxContext) -> list[str]:
    return members_with_role(ctx, GOVERNING)


def votes_required(ctx: TxContext) -> int:
    governing = len(governing_members(ctx))
    threshold = int(ctx.param("gov.vote_threshold_bp"))
    return max(1, -(-governing * threshold // 10000))


# ---------------------------------------------------------------- guards


def _arg(args: dict[str, Any], name: str, kind: type) -> Any:
    value = args.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise GovernanceError(f"argument {name!r} must be a {kind.__name__}", code="bad_args")
    return value


def _member(ctx: TxContext, org: str) -> dict[str, Any]:
    record = ctx.get(member_key(org))
    if not isinstance(record, dict):
        raise GovernanceError(f"{org!r} is not a member", code="not_member")
    return dict(record)


def _alliance(ctx: TxContext) -> dict[str, Any]:
    record = ctx.get("gov/alliance")
    if record is None:
        raise GovernanceError("no alliance record (genesis missing)", code="no_genesis")
    return dict(record)


def check_admission(ctx: TxContext, action: dict[str, Any], root_certificate: str) -> dict[str, Any]:
    """Guards for admitting a member; returns the member record to write."""
    org = _arg(action, "org", str)
    # an org id or role the identity rules refuse stays an IdentityError (its code maps to that class)
    check_org_id(org)
    roles = check_roles(_arg(action, "roles", list), allowed=MEMBER_ROLES)
    if ctx.get(member_key(org)) is not None:
        raise GovernanceError(f"{org!r} is already a member", code="already_member")
    certified = check_certificate(_arg(action, "certificate", str), root_certificate, at_ms=ctx.block_time)
    if ctx.get(f"gov/revoked/{certified.serial}") is not None:
        raise IdentityError(f"certificate of {org!r} was revoked", code="certificate_revoked")
    if certified.org != org:
        raise IdentityError(
            f"the certificate is issued to {certified.org!r}, not {org!r}", code="wrong_certificate"
        )
    if sorted(certified.roles) != roles:
        raise IdentityError(
            "the certificate's roles differ from the roles proposed", code="wrong_certificate"
        )
    encryption_key = _arg(action, "encryption_key", str)
    if certified.encryption_public is None or certified.encryption_public.hex() != encryption_key:
        raise IdentityError("the encryption key is not the one in the certificate", code="wrong_certificate")
    return member_record(
        org=org,
        name=str(action.get("name") or org),
        roles=roles,
        certificate=action["certificate"],
        encryption_key=encryption_key,
        serial=certified.serial,
        admitted_at=ctx.block_time,
    )


def _check_keeps_a_governor(ctx: TxContext, org: str, new_roles: list[str] | None) -> None:
    governors = governing_members(ctx)
    if governors == [org] and (new_roles is None or GOVERNING not in new_roles):
        raise GovernanceError("the alliance must keep at least one governing member", code="last_governor")


def check_action(ctx: TxContext, action: Any) -> None:
    """Guards for any action (run when proposed and again when executed)."""
    if not isinstance(action, dict) or action.get("kind") not in ACTIONS:
        raise GovernanceError(f"action kind must be one of {list(ACTIONS)}", code="bad_action")
    kind = action["kind"]
    if kind == "admit_member":
        check_admission(ctx, action, _alliance(ctx)["root_certificate"])
    elif kind in ("remove_member", "change_roles"):
        org = _arg(action, "org", str)
        if ctx.get(member_key(org)) is None:
            raise GovernanceError(f"{org!r} is not a member", code="not_member")
        roles = None
        if kind == "change_roles":
            roles = check_roles(_arg(action, "roles", list), allowed=MEMBER_ROLES)
        _check_keeps_a_governor(ctx, org, roles)
    else:
        name = _arg(action, "name", str)
        if ctx.get(param_key(name)) is None:
            raise GovernanceError(f"no governed parameter {name!r}", code="unknown_param")
        if "value" not in action or action["value"] is None:
            raise GovernanceError("set_param needs a value", code="bad_args")
        value = action["value"]
        if name == "gov.vote_threshold_bp" and not (isinstance(value, int) and 1 <= value <= 10000):
            raise GovernanceError("gov.vote_threshold_bp must be an integer in 1..10000", code="bad_param")
        if name == "gov.proposal_ttl_ms" and not (isinstance(value, int) and value > 0):
            raise GovernanceError("gov.proposal_ttl_ms must be a positive integer", code="bad_param")
        if name.startswith("attest."):
            check_attest_param(name, value)
        if name.startswith("data."):
            check_data_param(name, value)


# ---------------------------------------------------------------- changes


def execute_action(ctx: TxContext, action: dict[str, Any]) -> None:
    check_action(ctx, action)
    kind = action["kind"]
    if kind == "admit_member":
        record = check_admission(ctx, action, _alliance(ctx)["root_certificate"])
        ctx.put(member_key(record["org"]), record)
        ctx.emit("member_admitted", {"org": record["org"], "roles": record["roles"]})
    elif kind == "remove_member":
        org = action["org"]
        record = _member(ctx, org)
        ctx.delete(member_key(org))
        ctx.put(f"gov/revoked/{record['serial']}", {"org": org, "revoked_at": ctx.block_time})
        ctx.emit("member_removed", {"org": org})
    elif kind == "change_roles":
        org = action["org"]
        record = _member(ctx, org)
        record["roles"] = sorted(set(action["roles"]))
        ctx.put(member_key(org), record)
        ctx.emit("roles_changed", {"org": org, "roles": record["roles"]})
    else:
        ctx.put(param_key(action["name"]), action["value"])
        ctx.emit("param_changed", {"name": action["name"], "value": action["value"]})


def _settle(ctx: TxContext, proposal: dict[str, Any]) -> dict[str, Any]:
    governors = set(governing_members(ctx))
    approvals = len(governors.intersection(proposal["approvals"]))
    rejections = len(governors.intersection(proposal["rejections"]))
    required = votes_required(ctx)
    if approvals >= required:
        execute_action(ctx, proposal["action"])
        proposal["status"] = "executed"
    elif len(governors) - rejections < required:
        proposal["status"] = "rejected"
        ctx.emit("proposal_rejected", {"id": proposal["id"]})
    ctx.put(f"gov/proposal/{proposal['id']}", proposal)
    return {"id": proposal["id"], "status": proposal["status"], "approvals": approvals, "required": required}


@contract.operation("genesis")
def genesis(ctx: TxContext, args: dict[str, Any]) -> Any:
    """Write the founding members, the alliance's root and orderers, and the genesis parameters."""
    if ctx.block_height != 0:
        raise GovernanceError("gov.genesis is only valid in the genesis block", code="not_genesis")
    root = _arg(args, "root_certificate", str)
    orderers = _arg(args, "orderers", dict)
    members = _arg(args, "members", list)
    params = _arg(args, "params", dict)
    ctx.put(
        "gov/alliance", {"id": _arg(args, "alliance", str), "root_certificate": root, "orderers": orderers}
    )
    records = []
    for member in members:
        record = check_admission(ctx, dict(member), root)
        ctx.put(member_key(record["org"]), record)
        records.append(record)
    if not any(GOVERNING in record["roles"] for record in records):
        raise GovernanceError("genesis needs at least one governing member", code="last_governor")
    for name in sorted(params):
        ctx.put(param_key(name), params[name])
    return {"members": [record["org"] for record in records]}


@contract.operation("propose")
def propose(ctx: TxContext, args: dict[str, Any]) -> Any:
    """Open a proposal (the proposer's approval counts); executes at once if that already suffices."""
    ctx.require_role(GOVERNING)
    action = args.get("action")
    check_action(ctx, action)
    assert isinstance(action, dict)  # check_action refused anything else
    proposal = {
        "id": ctx.tx_id,
        "action": action,
        "proposer": ctx.submitter,
        "approvals": [ctx.submitter],
        "rejections": [],
        "status": "open",
        "created_at": ctx.block_time,
        "expires_at": ctx.block_time + int(ctx.param("gov.proposal_ttl_ms")),
    }
    ctx.emit("proposal_opened", {"id": ctx.tx_id, "kind": action["kind"], "proposer": ctx.submitter})
    return _settle(ctx, proposal)


@contract.operation("vote")
def vote(ctx: TxContext, args: dict[str, Any]) -> Any:
    """Approve or reject an open proposal; the vote that reaches the threshold executes it."""
    ctx.require_role(GOVERNING)
    proposal_id = _arg(args, "proposal", str)
    approve = args.get("approve")
    if not isinstance(approve, bool):
        raise GovernanceError("argument 'approve' must be true or false", code="bad_args")
    stored = ctx.get(f"gov/proposal/{proposal_id}")
    if stored is None:
        raise GovernanceError(f"no proposal {proposal_id}", code="no_proposal")
    proposal = dict(stored)
    if proposal["status"] != "open":
        raise GovernanceError(f"proposal is {proposal['status']}", code="proposal_closed")
    if ctx.block_time > proposal["expires_at"]:
        raise GovernanceError("proposal has expired", code="proposal_expired")
    if ctx.submitter in proposal["approvals"] or ctx.submitter in proposal["rejections"]:
        raise GovernanceError(f"{ctx.submitter!r} has already voted", code="already_voted")
    proposal["approvals" if approve else "rejections"] = [
        *proposal["approvals" if approve else "rejections"],
        ctx.submitter,
    ]
    return _settle(ctx, proposal)
