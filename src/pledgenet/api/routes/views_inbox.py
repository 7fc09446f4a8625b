"""Registrations waiting for the registrar's verdict: the inbox of its endorsement service.

A pledgee (or the pledgor's custody broker) proposes an initial pledge: its node seals the terms for the
entitled members (the registrar and regulator among them), checks them itself (the preflight) and leaves
the proposal, without a verdict, in the registrar's inbox. The registrar's page lists the inbox, opens each
proposal's terms with the registrar's own key and shows the rule check; "endorse" signs the verdict and the
registration is ordered with the submitter and the custody broker as co-signers (in the embedded alliance
every member's key is at hand, as for the CLI; a networked node collects those signatures instead). A
refusing verdict is signed too and goes on the chain as an invalid transaction with its reason code.

The inbox of an embedded alliance is a folder beside it, ``<alliance>/inbox/<registrar>/<id>.json``, one
file per proposal, written atomically, so every member's node of that directory sees the same queue.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pledgenet.contracts.governance import member_key
from pledgenet.crypto.envelope import open_envelope
from pledgenet.errors import BadRegisterArguments, ConfigError, NotFound, UnknownRecord
from pledgenet.register import review
from pledgenet.register.lookups import security

if TYPE_CHECKING:
    from pledgenet.api.routes.views_node import NodeView
    from pledgenet.ledger.records import TxReceipt

_ID = re.compile(r"^[0-9a-f]{32}$")


def _folder(node: NodeView, registrar: str) -> Path:
    return node.directory / "inbox" / registrar


def propose_pledge(node: NodeView, *, terms: Mapping[str, Any], **pledge: Any) -> dict[str, Any]:
    """Seal, preflight and queue an initial pledge for the registrar's verdict; returns the proposal."""
    with node.register() as client:
        registrar = client.registrar()
        account = client.peer.get(f"reg/acct/{pledge['account']}")
        if account is None:
            raise UnknownRecord(
                f"no securities account {pledge['account']!r} in the register", code="unknown_account"
            )
        if security(client.peer, str(pledge["code"])) is None:
            raise UnknownRecord(f"no security {pledge['code']!r} in the register", code="unknown_security")
        broker, pledgee = str(account["custody_broker"]), str(pledge["pledgee"])
        if client.org not in (broker, pledgee):
            raise BadRegisterArguments(
                f"{client.org} may propose a pledge only as the pledgee or the pledgor's custody broker"
            )
        member = client.peer.get(member_key(pledgee)) or {}
        args: dict[str, Any] = {
            "contract_no": str(pledge["contract_no"]),
            "account": str(pledge["account"]),
            "code": str(pledge["code"]),
            "quantity": int(pledge["quantity"]),
            "share_class": str(pledge.get("share_class", "unrestricted")),
            "pledgee": pledgee,
            "pledgee_name": member.get("name", pledgee),
            "pledgee_id_number": f"USCC-{pledgee}",
            "lender_type": "00",
        }
        # the context is derived from the public arguments and the chain (every argument checked first);
        # the pledgee checks its terms over it, then seals them bound to the registration it names
        context = review.derive_context(client.peer, "pledge", args, client.alliance.clock())
        review.preflight(client.peer, terms, context)
        args["terms"] = client.seal_for(
            [broker, pledgee], dict(terms), "pledge_terms", binding=context["binding"]
        )
    proposal = {
        "id": uuid.uuid4().hex,
        "submitted_by": node.org,
        "submitted_at": int(time.time() * 1000),
        "co_signers": [broker, pledgee],
        "args": args,
    }
    folder = _folder(node, registrar)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{proposal['id']}.tmp"
        temporary.write_text(json.dumps(proposal), encoding="utf-8")
        os.replace(temporary, folder / f"{proposal['id']}.json")
    except OSError as exc:
        raise ConfigError(f"cannot queue the proposal in {folder}: {exc.strerror}") from None
    return proposal


def pending(node: NodeView, registrar: str) -> list[dict[str, Any]]:
    """The proposals waiting in ``registrar``'s inbox, oldest first."""
    folder = _folder(node, registrar)
    if not folder.is_dir():
        return []
    proposals = [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")]
    return sorted(proposals, key=lambda proposal: (proposal["submitted_at"], proposal["id"]))


def _load(node: NodeView, proposal_id: str) -> tuple[Path, dict[str, Any]]:
    if not _ID.match(proposal_id):
        raise NotFound(f"no proposal {proposal_id!r} waits for a verdict")
    path = _folder(node, node.org) / f"{proposal_id}.json"
    if not path.is_file():
        raise NotFound(f"no proposal {proposal_id!r} waits for a verdict")
    return path, json.loads(path.read_text(encoding="utf-8"))


def check(node: NodeView, proposal: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The registrar's review of a queued proposal: its terms opened with the registrar's own key, and the
    verdict the registrar would sign (``review.registrar_verdict``: the context derived from the chain,
    every key wrap verified, the rules checked). Raises for public arguments it cannot review."""
    member = node.member()
    terms = open_envelope(proposal["args"]["terms"], node.org, member.encryption_private_key)
    with node.register() as client:
        verdict = review.registrar_verdict(client.alliance, node.org, "pledge", proposal["args"])
    return dict(terms), verdict


def endorse(node: NodeView, proposal_id: str) -> TxReceipt:
    """The registrar signs its verdict on a queued proposal and the registration is ordered.

    The proposal leaves the inbox whatever the outcome: a refused registration is on the chain with its
    reason code (the receipt says which).
    """
    from pledgenet.register.client import RegisterClient

    path, proposal = _load(node, proposal_id)
    try:
        _terms, verdict = check(node, proposal)
        args = {**proposal["args"], "terms_verdict": verdict}
        with node.register() as registrar:  # the node's writer lock: one writer at a time
            submitter = RegisterClient(registrar.alliance, proposal["submitted_by"])
            return submitter.submit("register.pledge", args, [*proposal["co_signers"], node.org])
    finally:
        path.unlink(missing_ok=True)
