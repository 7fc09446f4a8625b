"""JSON views of the chain as one member's peer holds it: block headers, a block's transactions with their
validity codes, and a transaction's receipt with its inclusion proof and the header to check it against."""

from __future__ import annotations

from typing import Any

from pledgenet.api.routes.views_node import NodeView
from pledgenet.errors import NotFound


def blocks(node: NodeView, limit: int = 50) -> list[dict[str, Any]]:
    """The latest ``limit`` block headers, newest first."""
    with node.read() as peer:
        top = peer.height
        headers = peer.headers(max(0, top - limit + 1), top + 1) if top >= 0 else []
    return [{**signed.header.to_dict(), "hash": signed.hash} for signed in reversed(headers)]


def block(node: NodeView, height: int) -> dict[str, Any]:
    with node.read() as peer:
        if not 0 <= height <= peer.height:
            raise NotFound(f"no block at height {height} (the chain's height is {peer.height})")
        header = peer.header(height).header.to_dict()
        receipts = [receipt.to_dict() for receipt in peer.receipts_at(height)]
    return {"header": header, "txs": [{**r, "reason": r["code"]} for r in receipts]}


def transaction(node: NodeView, tx_id: str) -> dict[str, Any]:
    """A transaction's receipt, its proof and the tx_root of its block's header."""
    with node.read() as peer:
        try:
            record = peer.tx(tx_id)
        except (KeyError, NotFound):
            raise NotFound(f"no transaction {tx_id!r} on this member's peer") from None
        proof = peer.proof(tx_id).to_dict()
        tx_root = peer.header(record.receipt.height).header.tx_root
    return {"receipt": record.receipt.to_dict(), "proof": proof, "tx_root": tx_root}
