"""A peer's block intake from etcd: watch the block keys, apply blocks in order, catch up when behind.

``BlockIntake.poll`` reads the blocks after the peer's height from etcd (a range read, in height order)
and applies them; when there are none it waits on a watch of the block keys (``wait_s``) and applies what
arrives. When etcd no longer holds the next block (the leader deleted old block keys and compacted the
log), the missing heights come from a ``BlockSource``: another member's block store. Nothing is trusted:
every block goes through ``Peer.apply_block``, which checks the producer's signature, the link to the
previous block, every transaction and the state root, and halts the peer on divergence.

``StoreBlockSource`` reads another member's store (a SQLite path or a PostgreSQL URL, opened read-only);
a node embeds the same intake with a source over the other members' HTTP APIs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from pledgenet.errors import LedgerError, OrderingUnavailable
from pledgenet.ledger.block import Block, BlockHeader
from pledgenet.ledger.ordering.etcd import EtcdLayout
from pledgenet.ledger.ordering.etcd_client import Compacted, EtcdClient, prefix_end
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.store import open_store

#: blocks read per range request
RANGE_BATCH = 64


class BlockSource(Protocol):
    """Blocks ``[start, stop)`` from somewhere outside etcd (another member's store or node)."""

    def blocks(self, start: int, stop: int) -> Iterable[Block]: ...


class StoreBlockSource:
    """Another member's block store, opened read-only for each catch-up."""

    def __init__(self, location: Path | str) -> None:
        self.location = location

    def top(self) -> int:
        """The highest height the store holds (-1 when empty)."""
        store = open_store(self.location, read_only=True)
        try:
            return max(store.heights(), default=-1)
        finally:
            store.close()

    def blocks(self, start: int, stop: int) -> Iterator[Block]:
        store = open_store(self.location, read_only=True)
        try:
            for height in range(start, stop):
                row = store.block_row(height)
                if row is None:
                    raise LedgerError(f"{store.path} does not hold block {height}")
                yield Block(BlockHeader.decode(row[0]), row[1], tuple(store.block_envelopes(height)))
        finally:
            store.close()


class BlockIntake:
    def __init__(
        self, client: EtcdClient, alliance: str, peer: Peer, sources: list[BlockSource] | None = None
    ) -> None:
        self.client = client
        self.layout = EtcdLayout(alliance)
        self.peer = peer
        self.sources = sources or []
        self._revision = 0
        #: blocks applied from other members' stores (catch-up past etcd's retained log)
        self.caught_up = 0

    def poll(self, wait_s: float = 0.5) -> int:
        """Apply what etcd holds after the peer's height, else wait for a block; returns blocks applied."""
        applied = self._read()
        if applied:
            return applied
        try:
            for kv in self.client.watch(self.layout.blocks, self._revision + 1, wait_s=wait_s):
                if self.layout.height_of(kv.key) != self.peer.height + 1:
                    break
                self.peer.apply_block(Block.decode(kv.value))
                applied += 1
                self._revision = kv.mod_revision
        except Compacted:
            pass
        return applied + self._read()

    def _read(self) -> int:
        applied = 0
        while True:
            start = self.peer.height + 1
            revision, kvs, _count = self.client.range(
                self.layout.block_key(start), prefix_end(self.layout.blocks), limit=RANGE_BATCH
            )
            self._revision = max(self._revision, revision)
            if not kvs:
                return applied
            first = self.layout.height_of(kvs[0].key)
            if first > start:
                applied += self.catch_up(start, first)
            for kv in kvs:
                if self.layout.height_of(kv.key) == self.peer.height + 1:
                    self.peer.apply_block(Block.decode(kv.value))
                    applied += 1
            if len(kvs) < RANGE_BATCH:
                return applied

    def catch_up(self, start: int, stop: int) -> int:
        """Blocks ``[start, stop)`` are gone from etcd: take them from a member's store, verifying each."""
        if start >= stop:
            return 0
        for source in self.sources:
            try:
                for block in source.blocks(start, stop):
                    self.peer.apply_block(block)
                    self.caught_up += 1
            except LedgerError:
                continue
            if self.peer.height == stop - 1:
                return stop - start
        raise LedgerError(
            f"etcd no longer holds blocks {start}..{stop - 1} and no member's store could provide them"
        )

    def run(self, stop: threading.Event, wait_s: float = 0.5) -> None:
        """Follow the chain until ``stop`` is set; an unreachable etcd is retried, a bad block raises."""
        while not stop.is_set():
            try:
                self.poll(wait_s)
            except OrderingUnavailable:
                stop.wait(wait_s)
