"""Governance as this member sees and takes part in it: members, roles, parameters, proposals, votes.

Proposals and votes are signed by this member's key alone (``gov.propose`` and ``gov.vote`` need no
co-signer); the contract decides whether the member may (the ``governing`` role).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from pledgenet.api.deps import NodeDep
from pledgenet.api.models import ProposalCreate, ReceiptPublic, VoteCreate
from pledgenet.contracts.governance import MEMBER_PREFIX, PARAM_PREFIX, member_key
from pledgenet.errors import NotFound

router = APIRouter(prefix="/gov", tags=["governance"])

Row = dict[str, Any]


@router.get("/members", response_model=list[Row])
def members(backend: NodeDep) -> list[Row]:
    """Every member's record: org, name, roles, certificate serial, encryption key."""
    with backend.read() as peer:
        return [dict(record) for _, record in peer.range(MEMBER_PREFIX)]


@router.get("/members/{org}", response_model=Row)
def member(backend: NodeDep, org: str) -> Row:
    with backend.read() as peer:
        record = peer.get(member_key(org))
    if record is None:
        raise NotFound(f"{org!r} is not a member of this alliance")
    return dict(record)


@router.get("/params", response_model=Row)
def params(backend: NodeDep) -> Row:
    """The governed parameters and their current values."""
    with backend.read() as peer:
        return {key.removeprefix(PARAM_PREFIX): value for key, value in peer.range(PARAM_PREFIX)}


@router.get("/proposals", response_model=list[Row])
def proposals(
    backend: NodeDep,
    status: Annotated[Literal["open", "executed", "rejected"] | None, Query()] = None,
) -> list[Row]:
    """Proposals (all, or those of one status), oldest first; an open one past ``expires_at`` can no
    longer be voted on."""
    with backend.read() as peer:
        found = [dict(record) for _, record in peer.range("gov/proposal/")]
    found.sort(key=lambda record: record["created_at"])
    return [record for record in found if status is None or record["status"] == status]


@router.post("/proposals", response_model=ReceiptPublic)
def propose(backend: NodeDep, body: ProposalCreate) -> ReceiptPublic:
    """Open a proposal (this member's approval counts at once)."""
    with backend.register() as client:
        return ReceiptPublic.of(client.submit("gov.propose", {"action": body.action}, []))


@router.post("/proposals/{proposal_id}/vote", response_model=ReceiptPublic)
def vote(backend: NodeDep, proposal_id: str, body: VoteCreate) -> ReceiptPublic:
    """Approve or reject an open proposal; the vote that reaches the threshold executes it."""
    with backend.register() as client:
        args = {"proposal": proposal_id, "approve": body.approve}
        return ReceiptPublic.of(client.submit("gov.vote", args, []))
