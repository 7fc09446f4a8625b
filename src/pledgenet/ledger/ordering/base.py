"""The ordering interface, shaped by what a real cluster (etcd, Raft) will need.

* ``broadcast`` hands over a signed envelope. It may fail (not the leader, cluster unavailable, too large):
  then it raises and nothing was ordered; a client resubmits the same envelope, and the nonce makes a
  double commit impossible.
* Exactly one party cuts blocks at a time (solo: by construction; etcd: the holder of a leader lease), and
  each height is written once (etcd: a compare-and-swap on the height's key). Blocks returned by
  ``cut_due`` / ``flush`` are final.
* A header carries the state root after the previous block, which only a peer can compute. So the cutter
  reads the chain tip from a ``ChainSource`` (its own node's peer) and cuts height ``h`` only after that
  peer has applied ``h - 1``. Peers are never trusted by other peers: each re-derives the root and halts
  on divergence.
* Peers catch up by reading ``deliver(from_height)``; a peer that was down replays from its height.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from pledgenet.crypto.identity import SigningKey
from pledgenet.ledger.block import Block, BlockHeader, tx_root


@dataclass(frozen=True)
class ChainTip:
    height: int
    hash: str
    state_root: bytes
    timestamp: int


class ChainSource(Protocol):
    """Where the cutter learns the tip (and, for delivery, the blocks): its own node's peer."""

    def chain_tip(self) -> ChainTip: ...

    def block(self, height: int) -> Block: ...


@dataclass(frozen=True)
class BatchLimits:
    """When the cutter cuts: at ``max_txs`` transactions, ``max_bytes`` of envelopes, or ``timeout_ms``
    after the oldest pending transaction arrived, whichever comes first."""

    max_txs: int = 500
    max_bytes: int = 4 * 1024 * 1024
    timeout_ms: int = 200


class Orderer(ABC):
    """Total order of envelopes, cut into signed blocks."""

    @abstractmethod
    def broadcast(self, envelope: bytes) -> list[Block]:
        """Accept one envelope for ordering; returns the blocks this caused to be cut (often none)."""

    @abstractmethod
    def cut_due(self, now_ms: int | None = None) -> list[Block]:
        """Cut the blocks that are due by count, bytes or time."""

    @abstractmethod
    def flush(self) -> list[Block]:
        """Cut every pending envelope now."""

    @abstractmethod
    def deliver(self, from_height: int) -> Iterator[Block]:
        """Committed blocks from ``from_height`` on, in order."""

    @property
    @abstractmethod
    def pending(self) -> int:
        """Envelopes accepted but not yet in a block."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (a cluster client, a lease)."""


def sign_block(
    *,
    alliance: str,
    producer: str,
    key: SigningKey,
    tip: ChainTip | None,
    timestamp: int,
    txs: list[bytes],
) -> Block:
    """Build and sign the block that follows ``tip`` (``None``: the genesis block)."""
    header = BlockHeader(
        alliance=alliance,
        height=0 if tip is None else tip.height + 1,
        prev_hash="" if tip is None else tip.hash,
        producer=producer,
        state_root=(bytes(32) if tip is None else tip.state_root).hex(),
        timestamp=timestamp if tip is None else max(timestamp, tip.timestamp),
        tx_count=len(txs),
        tx_root=tx_root(txs),
    )
    return Block(header=header, signature=key.sign(header.signing_message()), txs=tuple(txs))
