"""JSON views of the data-governance layer for one member (the data owner's dashboard): its own datasets,
the grants on them with what the member may do to each, the grants it holds, and the uses log it is
entitled to list with the alerts flagged. Actions (approve, refuse, revoke) go through ``DataClient``,
acting as the node's member, so a refusal is exactly the contract's (its reason code and message)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pledgenet.api.routes.views_node import NodeView
from pledgenet.contracts.governance import member_key
from pledgenet.data.client import DataClient
from pledgenet.errors import NotFound

#: what a member may do to a grant on the Data page
ACTIONS = ("approve", "refuse", "revoke")


def _roles(client: DataClient) -> set[str]:
    return set((client.peer.get(member_key(client.org)) or {}).get("roles", []))


def grant_actions(grant: Mapping[str, Any], org: str, roles: set[str]) -> list[str]:
    """The actions ``org`` (holding ``roles``) may take on ``grant``, as the contract allows them: approve
    or refuse an open request as its owner (once) or as an approver of a role it still needs (never the
    grantee, never twice); revoke a live grant as its owner or a regulator."""
    actions: list[str] = []
    approvals = grant.get("approvals") or {}
    if grant["status"] == "requested":
        approvers = {approval["org"] for approval in approvals.values()}
        as_owner = org == grant["owner"] and "owner" not in approvals
        open_roles = [r for r in grant["required"] if r != "owner" and r not in approvals]
        as_role = org not in (grant["owner"], grant["grantee"], *approvers) and bool(set(open_roles) & roles)
        if as_owner or as_role:
            actions += ["approve", "refuse"]
    if grant["status"] in ("requested", "approved") and (org == grant["owner"] or "regulator" in roles):
        actions.append("revoke")
    return actions


def _grant_row(grant: Mapping[str, Any], org: str, roles: set[str]) -> dict[str, Any]:
    approvals = grant.get("approvals") or {}
    return {
        "grant": grant["grant"],
        "dataset": grant["dataset"],
        "owner": grant["owner"],
        "grantee": grant["grantee"],
        "purpose": grant["purpose"],
        "operations": ", ".join(grant["operations"]),
        "expires_at": grant["expires_at"],
        "uses": f"{grant['uses']} / {grant['max_uses']}",
        "status": grant["status"],
        "grant_approvals": ", ".join(f"{slot}: {a['org']}" for slot, a in sorted(approvals.items())),
        "grant_required": ", ".join(grant["required"]),
        "actions": grant_actions(grant, org, roles),
    }


def data_overview(node: NodeView) -> dict[str, Any]:
    """The member's datasets, the grants on them (or that it may act on), the grants it holds, its uses
    log (alerts flagged) and the alerts alone."""
    with node.register() as register:
        client = DataClient(register.alliance, node.org)
        roles = _roles(client)
        datasets = [
            {
                "dataset": d["dataset"],
                "title": d["title"],
                "version": d["version"],
                "level": d["level"],
                "rows": d["rows"],
                "content_hash": d["content_hash"],
            }
            for d in client.datasets()
            if d["owner"] == node.org
        ]
        grants = client.grants()
        uses = client.log()
    rows = [_grant_row(g, node.org, roles) for g in grants]
    on_mine = [row for row in rows if row["owner"] == node.org or row["actions"]]
    held = [row for row in rows if row["grantee"] == node.org]
    log = [
        {
            "use": u["use"],
            "dataset": u["dataset"],
            "user": u["user"],
            "grant": u.get("grant"),
            "purpose": u["purpose"],
            "operation": u["operation"],
            "outcome": u["outcome"],
            "refusal": u.get("reason"),
            "alerts": ", ".join(u["alerts"]),
            "at": u["at"],
        }
        for u in uses
    ]
    return {
        "org": node.org,
        "datasets": datasets,
        "grants": on_mine,
        "held": held,
        "uses": log,
        "alerts": [use for use in log if use["alerts"]],
    }


def act(node: NodeView, action: str, grant_id: str, reason: str = "") -> dict[str, Any]:
    """Approve, refuse or revoke grant ``grant_id`` as the node's member; the contract's refusal raises."""
    if action not in ACTIONS:
        raise NotFound(f"no grant action {action!r}")
    with node.register() as register:
        client = DataClient(register.alliance, node.org)
        if action == "approve":
            return client.approve(grant_id)
        if action == "refuse":
            return client.refuse(grant_id, reason or "refused")
        return client.revoke(grant_id, reason or "revoked")
