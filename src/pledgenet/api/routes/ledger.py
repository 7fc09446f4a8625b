"""Ledger queries: the node, blocks, transactions with inclusion proofs, state by key and prefix, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from pledgenet.api.deps import CallerDep, NodeDep
from pledgenet.api.models import (
    BlockPublic,
    HeaderPublic,
    KeyVersionPublic,
    NodePublic,
    ReceiptPublic,
    StateEntryPublic,
    TxProofPublic,
    TxPublic,
)
from pledgenet.errors import NotFound

router = APIRouter(tags=["ledger"])


@router.get("/node", response_model=NodePublic)
def node(backend: NodeDep, caller: CallerDep) -> NodePublic:
    """Who this node is (its member, alliance, height) and who is asking."""
    return NodePublic(
        org=backend.org,
        alliance=backend.alliance_id,
        genesis_hash=backend.genesis_hash,
        height=backend.height,
        caller=caller.name,
    )


@router.get("/blocks", response_model=list[HeaderPublic])
def blocks(
    backend: NodeDep,
    start: Annotated[int | None, Query(ge=0, description="first height (default: the last `limit`)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[HeaderPublic]:
    """Signed block headers, oldest first (a client checks proofs with these alone)."""
    with backend.read() as peer:
        first = max(0, peer.height + 1 - limit) if start is None else start
        stop = min(peer.height + 1, first + limit)
        return [HeaderPublic.of(signed) for signed in peer.headers(first, stop)]


@router.get("/blocks/{height}", response_model=BlockPublic)
def block(backend: NodeDep, height: int) -> BlockPublic:
    """One block: its signed header and every transaction's outcome (valid or the reason code)."""
    with backend.read() as peer:
        return BlockPublic(
            header=HeaderPublic.of(peer.header(height)),
            txs=[ReceiptPublic.of(receipt) for receipt in peer.receipts_at(height)],
        )


@router.get("/blocks/{height}/wire", response_class=Response)
def block_wire(backend: NodeDep, height: int) -> Response:
    """One whole block in its wire form (``Block.encode``: header, producer signature, every envelope), for
    a peer catching up or a client re-verifying it (``ledger.block.Block.decode`` reads it)."""
    with backend.read() as peer:
        data = peer.block(height).encode()
    return Response(data, media_type="application/json")


@router.get("/transactions/{tx_id}", response_model=TxPublic)
def transaction(backend: NodeDep, tx_id: str) -> TxPublic:
    """A transaction by id: receipt, envelope and its Merkle proof of inclusion and outcome."""
    with backend.read() as peer:
        record = peer.tx(tx_id)
        proof = peer.proof(tx_id)
        proven = peer.height > record.receipt.height
    return TxPublic(
        **record.receipt.to_dict(),
        envelope=record.envelope.decode(),
        proof=TxProofPublic(**proof.to_dict()),
        proven=proven,
    )


@router.get("/state", response_model=list[StateEntryPublic])
def state_range(
    backend: NodeDep,
    prefix: Annotated[str, Query(description="live keys starting with this (e.g. gov/member/)")] = "",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> list[StateEntryPublic]:
    """World state by prefix, sorted by key (at most ``limit`` entries)."""
    with backend.read() as peer:
        rows = peer.range(prefix)
    return [StateEntryPublic(key=key, value=value) for key, value in rows[:limit]]


@router.get("/state/{key:path}", response_model=StateEntryPublic)
def state_key(backend: NodeDep, key: str) -> StateEntryPublic:
    """The current value of one key (404 when it has none)."""
    with backend.read() as peer:
        value = peer.get(key)
    if value is None:
        raise NotFound(f"no value for key {key!r}")
    return StateEntryPublic(key=key, value=value)


@router.get("/history/{key:path}", response_model=list[KeyVersionPublic])
def history(backend: NodeDep, key: str) -> list[KeyVersionPublic]:
    """Every version of a key, oldest first, each with the transaction that wrote it."""
    with backend.read() as peer:
        versions = peer.history(key)
    return [KeyVersionPublic.of(version) for version in versions]
