"""JSON views of the register, governance, the market feed and the chain, as one member sees them.

Each function takes the member's node and returns plain data (what the JSON route returns and what the
dashboard's page draws); sealed fields the member cannot open read ``sealed (not entitled)``, exactly as
in the CLI. The routes live under ``/api/v1/views/`` and act as the signed-in member only.
"""

from __future__ import annotations

from typing import Any

from pledgenet.api.routes import views_inbox as inbox
from pledgenet.api.routes.views_node import NodeView
from pledgenet.contracts.governance import MEMBER_PREFIX, PARAM_PREFIX, member_key
from pledgenet.contracts.market import CLOSE, NOTICE, latest_trade_date
from pledgenet.contracts.register import keys
from pledgenet.errors import NotFound, PledgenetError, RoleDenied, UnknownRecord
from pledgenet.register import lookups as queries
from pledgenet.register import member_views as register_views

PLEDGEE_ROLES = frozenset({"broker", "bank", "trust", "insurer"})


def member_record(node: NodeView) -> dict[str, Any]:
    """The node's own member record on the chain (without the certificate's PEM)."""
    with node.read() as peer:
        record = peer.get(member_key(node.org))
        height = peer.height
    if record is None:
        raise NotFound(f"{node.org} is not a member of the alliance")
    return {**{k: v for k, v in record.items() if k != "certificate"}, "height": height}


def roles_of(node: NodeView) -> tuple[str, ...]:
    with node.read() as peer:
        record = peer.get(member_key(node.org)) or {}
    return tuple(record.get("roles", ()))


def require_role(node: NodeView, allowed: frozenset[str] | set[str], what: str) -> None:
    """Guard: the node's member holds one of ``allowed`` roles (``role_denied`` otherwise)."""
    roles = set(roles_of(node))
    if not roles & set(allowed):
        raise RoleDenied(
            f"{what} is for members with the role {' or '.join(sorted(allowed))}; "
            f"{node.org} has {', '.join(sorted(roles)) or 'no role'}",
        )


def registrar_queue(node: NodeView) -> list[dict[str, Any]]:
    """Registrations waiting for this registrar's verdict, each with its opened terms and the rule check."""
    require_role(node, {"registrar"}, "the verdict queue")
    rows = []
    for proposal in inbox.pending(node, node.org):
        try:
            terms, reviewed = inbox.check(node, proposal)
            verdict = reviewed["verdict"]
        except PledgenetError as error:  # public arguments the registrar cannot review: its reason code
            terms, verdict = {}, error.code
        args = proposal["args"]
        rows.append(
            {
                "id": proposal["id"],
                "submitted_by": proposal["submitted_by"],
                "submitted_at": proposal["submitted_at"],
                "contract_no": args["contract_no"],
                "account": args["account"],
                "code": args["code"],
                "quantity": args["quantity"],
                "pledgee": args["pledgee"],
                "terms": terms,
                "verdict": verdict,
            }
        )
    return rows


def securities(node: NodeView) -> list[dict[str, Any]]:
    with node.register() as client:
        return register_views.securities(client)


def accounts(node: NodeView) -> list[dict[str, Any]]:
    """Every account with its identity data opened where this member is entitled (sealed otherwise)."""
    with node.register() as client:
        numbers = [str(record["account"]) for _key, record in client.peer.range(keys.ACCOUNT)]
        return [register_views.account(client, number) for number in numbers]


def holdings(node: NodeView, code: str | None = None) -> list[dict[str, Any]]:
    with node.register() as client:
        return client.holdings(code=code)


def weekly(node: NodeView) -> dict[str, Any]:
    """The registrar's weekly statistics at the latest on-chain closes."""
    with node.register() as client:
        trade_date = latest_trade_date(client.peer) or ""
        record = client.peer.get(CLOSE + trade_date) if trade_date else None
        prices = None if record is None else dict(record["closes"])
        return client.weekly_statistics(as_of=trade_date or "-", prices=prices)


def events(node: NodeView, names: list[str] | None = None) -> list[dict[str, Any]]:
    with node.register() as client:
        return register_views.events(client, names=names or ())


def pledges(node: NodeView, code: str | None = None, account: str | None = None) -> list[dict[str, Any]]:
    with node.register() as client:
        return register_views.pledges(client, code=code, account=account)


def contract(node: NodeView, contract_no: str) -> dict[str, Any]:
    """A pledge contract, its registrations (terms opened or sealed) and every transaction that wrote it."""
    with node.register() as client:
        record = queries.pledge_contract(client.peer, contract_no)
        if record is None:
            raise UnknownRecord(
                f"no pledge contract {contract_no!r} in the register", code="unknown_contract"
            )
        registrations = [client.registration(number) for number in record.get("registrations", [])]
        keys_written = [keys.CONTRACT + contract_no] + [
            keys.PLEDGE + n for n in record.get("registrations", [])
        ]
        seen: dict[str, dict[str, Any]] = {}
        for key in keys_written:
            for version in client.peer.history(key):
                tx = client.peer.tx(version.tx_id).receipt
                seen[version.tx_id] = {
                    "height": version.height,
                    "tx_id": version.tx_id,
                    "tx_type": tx.tx_type,
                    "submitter": tx.submitter,
                    "valid": tx.valid,
                }
    history = sorted(seen.values(), key=lambda row: row["height"])
    return {"contract": record, "registrations": registrations, "history": history}


def governance(node: NodeView) -> dict[str, Any]:
    with node.read() as peer:
        members = [
            {"member": r["org"], "name": r["name"], "roles": r["roles"], "admitted_at": r["admitted_at"]}
            for _k, r in peer.range(MEMBER_PREFIX)
        ]
        params = [{"param": k.removeprefix(PARAM_PREFIX), "setting": v} for k, v in peer.range(PARAM_PREFIX)]
        proposals = [
            {
                "proposal": p["id"],
                "action": p["action"].get("kind", ""),
                "proposer": p["proposer"],
                "approvals": len(p["approvals"]),
                "status": p["status"],
                "subject": p["action"].get("org") or p["action"].get("name") or "",
            }
            for _k, p in peer.range("gov/proposal/")
        ]
    return {"members": members, "params": params, "proposals": proposals}


def freezes(node: NodeView) -> list[dict[str, Any]]:
    with node.read() as peer:
        return [dict(record) for _key, record in peer.range(keys.FREEZE)]


def freeze_queue(node: NodeView, code: str, account: str) -> dict[str, Any]:
    with node.register() as client:
        return register_views.freeze_queue(client, code, account)


def price_feed(node: NodeView) -> list[dict[str, Any]]:
    """Each trading day the exchange signed: when, how many closes, late or not, which codes are missing."""
    with node.read() as peer:
        listed = sorted(str(record["code"]) for _key, record in peer.range(keys.SECURITY))
        rows = []
        for _key, record in peer.range(CLOSE):
            published = set(record["closes"]) | set(record.get("suspended", []))
            rows.append(
                {
                    "trade_date": record["trade_date"],
                    "closes": len(record["closes"]),
                    "late": bool(record.get("late")),
                    "missing": [code for code in listed if code not in published],
                    "published_at": record.get("published_at"),
                }
            )
    return rows


def latest_closes(node: NodeView) -> list[dict[str, Any]]:
    with node.read() as peer:
        trade_date = latest_trade_date(peer)
        record = peer.get(CLOSE + trade_date) if trade_date else None
    if record is None:
        return []
    return [{"code": code, "close_fen": price} for code, price in sorted(record["closes"].items())]


def corporate_actions(node: NodeView) -> list[dict[str, Any]]:
    with node.read() as peer:
        return [dict(record) for _key, record in peer.range(NOTICE)]
