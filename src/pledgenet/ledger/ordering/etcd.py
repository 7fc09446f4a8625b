"""Ordering on an etcd cluster (Raft): durable submission, one leader by lease, each height written once.

Key layout, under ``/pledgenet/<alliance>/``::

    queue/<tx_id>          a submitted envelope, durable before the submitter is told "accepted"
    leader                 the current cutter's name and campaign token, attached to its lease
    blocks/<height:016d>   a committed block (``Block.encode``), written once, never changed

* Submission (``EtcdSubmitter``) puts the envelope under its ``tx_id``: once etcd answers, a quorum of
  members has it on disk, whoever is leader now or later. Resubmitting the same envelope writes the same
  key (one entry). Why in etcd rather than the leader's own durable queue: a leader's disk dies with its
  machine, and a client would have to find the leader; etcd's queue survives any minority of members and
  any orderer, and every node can submit without knowing who leads.
* The leader (``EtcdOrderer``) campaigns with ``leader``'s ``create_revision == 0`` under a lease it keeps
  alive; if it dies the lease expires (``lease_ttl_s``) and another orderer's campaign succeeds. It cuts
  height ``h`` only after its own peer has applied ``h - 1`` (the header needs that state root) and writes
  the block in ONE etcd transaction that (a) compares ``leader`` still holds its token and ``blocks/h``'s
  ``create_revision == 0`` and (b) puts the block and deletes the envelopes it took from the queue. So a
  deposed leader's write fails (no fork), and an envelope leaves the queue exactly when it enters a block
  (never lost, never in two blocks). Envelopes already committed (a resubmission after the fact) are
  dropped from the queue instead of ordered again; the nonce would refuse them anyway.
* Limits: a block's transaction deletes one key per envelope, so etcd must allow ``max_txs + 2``
  operations per transaction (``--max-txn-ops``, default 128: ``docs/deploy.md`` sets 1024), and the block
  must fit etcd's request limit (``--max-request-bytes``, 1.5 MiB by default): ``ETCD_LIMITS`` cut at
  500 transactions or 768 KiB of envelopes.
* Retention: every ``compact_every`` blocks the leader deletes block keys older than ``retain_blocks``
  and compacts etcd's history, so etcd stays bounded; peers that fall further behind catch up from
  another member's block store (``ordering.intake``).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from pledgenet.crypto.identity import SigningKey
from pledgenet.errors import LedgerError, MalformedTransaction, OrderingUnavailable
from pledgenet.ledger.block import Block
from pledgenet.ledger.ordering.base import BatchLimits, ChainSource, Orderer, sign_block
from pledgenet.ledger.ordering.etcd_client import EtcdClient, KeyValue, b64, prefix_end
from pledgenet.ledger.ordering.solo import wall_clock_ms
from pledgenet.ledger.transaction import MAX_TX_BYTES, parse_envelope

#: batch limits that fit etcd's request limit (1.5 MiB) and a ``--max-txn-ops`` of 1024
ETCD_LIMITS = BatchLimits(max_txs=500, max_bytes=768 * 1024, timeout_ms=100)
#: envelopes per submission transaction (etcd's default ``--max-txn-ops`` is 128)
SUBMIT_CHUNK = 100
SUBMIT_CHUNK_BYTES = 768 * 1024


@dataclass(frozen=True)
class EtcdLayout:
    """Where an alliance's ordering lives in etcd."""

    alliance: str

    @property
    def prefix(self) -> bytes:
        return f"/pledgenet/{self.alliance}/".encode()

    @property
    def leader(self) -> bytes:
        return self.prefix + b"leader"

    @property
    def queue(self) -> bytes:
        return self.prefix + b"queue/"

    @property
    def blocks(self) -> bytes:
        return self.prefix + b"blocks/"

    def block_key(self, height: int) -> bytes:
        return self.blocks + b"%016d" % height

    def height_of(self, key: bytes) -> int:
        return int(key[len(self.blocks) :])

    def queue_key(self, tx_id: str) -> bytes:
        return self.queue + tx_id.encode()


class EtcdSubmitter:
    """A node's submission path: envelopes durable in etcd's queue before ``broadcast`` returns."""

    def __init__(self, client: EtcdClient, layout: EtcdLayout) -> None:
        self.client = client
        self.layout = layout

    def broadcast_many(self, envelopes: list[bytes]) -> list[str]:
        """Queue the envelopes (checked first: a malformed one is refused and nothing is queued);
        returns their tx ids. Raises ``OrderingUnavailable`` when etcd cannot take them: resubmit."""
        ids = [self._checked(envelope) for envelope in envelopes]
        start = 0
        while start < len(envelopes):
            stop, size = start, 0
            while stop < len(envelopes) and stop - start < SUBMIT_CHUNK:
                if stop > start and size + len(envelopes[stop]) > SUBMIT_CHUNK_BYTES:
                    break
                size += len(envelopes[stop])
                stop += 1
            puts = [
                {"request_put": {"key": b64(self.layout.queue_key(ids[i])), "value": b64(envelopes[i])}}
                for i in range(start, stop)
            ]
            self.client.txn([], puts)
            start = stop
        return ids

    def broadcast(self, envelope: bytes) -> str:
        return self.broadcast_many([envelope])[0]

    @staticmethod
    def _checked(envelope: bytes) -> str:
        if not isinstance(envelope, bytes):
            raise MalformedTransaction("an envelope is bytes")
        if len(envelope) > MAX_TX_BYTES:
            raise MalformedTransaction(
                f"transaction is {len(envelope)} bytes; the limit is {MAX_TX_BYTES}", code="too_large"
            )
        return parse_envelope(envelope).tx_id


class CommittedLookup(Protocol):
    """The leader's own peer: the chain tip, blocks, and whether a transaction is already committed."""

    def chain_tip(self) -> Any: ...

    def block(self, height: int) -> Block: ...

    def is_committed(self, tx_id: str) -> bool: ...


class EtcdOrderer(Orderer):
    """One orderer process's view: submits like any node; cuts blocks while it holds the leader lease."""

    def __init__(
        self,
        *,
        client: EtcdClient,
        alliance: str,
        name: str,
        producer: str,
        key: SigningKey,
        source: CommittedLookup,
        limits: BatchLimits = ETCD_LIMITS,
        lease_ttl_s: int = 2,
        retain_blocks: int = 1000,
        compact_every: int = 100,
    ) -> None:
        self.client = client
        self.layout = EtcdLayout(alliance)
        self.submitter = EtcdSubmitter(client, self.layout)
        self.alliance = alliance
        self.name = name
        self.producer = producer
        self.key = key
        self.source = source
        self.limits = limits
        self.lease_ttl_s = lease_ttl_s
        self.retain_blocks = retain_blocks
        self.compact_every = compact_every
        self._lease = 0
        self._token = b""
        self._leader_until = 0.0
        self._renewed = 0.0
        self._first_seen: dict[bytes, int] = {}

    # ------------------------------------------------------------------ Orderer interface

    def broadcast(self, envelope: bytes) -> list[Block]:
        self.submitter.broadcast(envelope)
        return []

    def cut_due(self, now_ms: int | None = None) -> list[Block]:
        return self._cut(force=False, now_ms=now_ms)

    def flush(self) -> list[Block]:
        return self._cut(force=True, now_ms=None)

    def deliver(self, from_height: int) -> Iterator[Block]:
        _rev, kvs, _count = self.client.range(
            self.layout.block_key(from_height), prefix_end(self.layout.blocks)
        )
        expected = from_height
        for kv in kvs:
            if self.layout.height_of(kv.key) != expected:
                raise LedgerError(f"etcd no longer holds block {expected}: catch up from a member's store")
            yield Block.decode(kv.value)
            expected += 1

    @property
    def pending(self) -> int:
        return self.client.range(self.layout.queue, prefix_end(self.layout.queue), count_only=True)[2]

    def close(self) -> None:
        self.resign()

    # ------------------------------------------------------------------ leadership

    @property
    def is_leader(self) -> bool:
        return bool(self._token) and time.monotonic() < self._leader_until

    def campaign(self) -> bool:
        """Keep the lease alive, and take the leader key if it is free. True while this orderer leads."""
        now = time.monotonic()
        if self._lease and now - self._renewed >= self.lease_ttl_s / 4:
            ttl = self.client.lease_keepalive(self._lease)
            if ttl <= 0:
                self._lease, self._token, self._leader_until = 0, b"", 0.0
            else:
                self._renewed = now
                if self._token:
                    self._leader_until = now + ttl * 0.8
        if self._token:
            return self.is_leader
        if not self._lease:
            self._lease, self._renewed = self.client.lease_grant(self.lease_ttl_s), time.monotonic()
        token = f"{self.name}/{uuid.uuid4().hex}".encode()
        won, _ = self.client.txn(
            [{"key": b64(self.layout.leader), "target": "CREATE", "create_revision": "0"}],
            [
                {
                    "request_put": {
                        "key": b64(self.layout.leader),
                        "value": b64(token),
                        "lease": str(self._lease),
                    }
                }
            ],
        )
        if won:
            self._token, self._leader_until = token, self._renewed + self.lease_ttl_s * 0.8
        return self.is_leader

    def resign(self) -> None:
        if self._lease:
            with contextlib.suppress(OrderingUnavailable):
                self.client.lease_revoke(self._lease)
        self._lease, self._token, self._leader_until = 0, b"", 0.0

    def current_leader(self) -> str | None:
        _rev, kvs, _count = self.client.range(self.layout.leader)
        return kvs[0].value.decode().split("/")[0] if kvs else None

    # ------------------------------------------------------------------ cutting

    def etcd_top(self) -> int:
        """The highest height in etcd (-1 when none)."""
        _rev, kvs, _count = self.client.range(
            self.layout.blocks, prefix_end(self.layout.blocks), limit=1, descending=True, keys_only=True
        )
        return self.layout.height_of(kvs[0].key) if kvs else -1

    def publish_missing(self) -> int:
        """Write the blocks the own peer holds and etcd lacks (bootstrap from a seeded peer): how many."""
        top, tip = self.etcd_top(), self.source.chain_tip().height
        written = 0
        for height in range(top + 1, tip + 1):
            if not self._write(self.source.block(height), [], None):
                break
            written += 1
        return written

    def _cut(self, *, force: bool, now_ms: int | None) -> list[Block]:
        if not self.is_leader:
            return []
        tip = self.source.chain_tip()
        if self.etcd_top() != tip.height:
            return []  # the own peer has not applied the last block yet (or etcd lacks a seeded one)
        kvs = self._queue_in_order()
        now = wall_clock_ms() if now_ms is None else now_ms
        seen = self._first_seen
        for kv in kvs:
            seen.setdefault(kv.key, now)
        stale = [kv.key for kv in kvs if self.source.is_committed(kv.key[len(self.layout.queue) :].decode())]
        dropped = set(stale)
        fresh = [kv for kv in kvs if kv.key not in dropped]
        taken: list[KeyValue] = []
        size = 0
        for kv in fresh:
            if taken and size + len(kv.value) > self.limits.max_bytes:
                break
            taken.append(kv)
            size += len(kv.value)
        due = force or len(taken) >= self.limits.max_txs or size >= self.limits.max_bytes
        due = due or bool(taken and now - seen[taken[0].key] >= self.limits.timeout_ms)
        if not taken or not due:
            if stale:
                self.client.txn([], [{"request_delete_range": {"key": b64(key)}} for key in stale])
            return []
        block = sign_block(
            alliance=self.alliance,
            producer=self.producer,
            key=self.key,
            tip=tip,
            timestamp=now,
            txs=[kv.value for kv in taken],
        )
        if not self._write(block, [kv.key for kv in taken] + stale, tip.height):
            return []
        for kv in taken:
            seen.pop(kv.key, None)
        return [block]

    def _queue_in_order(self) -> list[KeyValue]:
        """The oldest queued envelopes, in submission order.

        etcd orders the queue by create revision; envelopes put in one submission share a revision, and
        inside it a submitter's envelopes are ordered by nonce (the peer refuses a nonce below one already
        used). When the read hit its limit, the newest revision read may be incomplete, so it waits.
        """
        limit = self.limits.max_txs + SUBMIT_CHUNK
        _rev, kvs, count = self.client.range(
            self.layout.queue, prefix_end(self.layout.queue), limit=limit, by_create=True
        )
        if count > len(kvs) and len({kv.create_revision for kv in kvs}) > 1:
            last = max(kv.create_revision for kv in kvs)
            kvs = [kv for kv in kvs if kv.create_revision != last]
        return sorted(kvs, key=lambda kv: (kv.create_revision, *_submission_order(kv.value)))

    def _write(self, block: Block, dequeued: list[bytes], previous: int | None) -> bool:
        """The compare-and-swap: put ``blocks/h`` once, while this orderer leads; dequeue its envelopes."""
        height = block.height
        compare = [
            {"key": b64(self.layout.leader), "target": "VALUE", "value": b64(self._token)},
            {"key": b64(self.layout.block_key(height)), "target": "CREATE", "create_revision": "0"},
        ]
        success: list[dict[str, Any]] = [
            {"request_put": {"key": b64(self.layout.block_key(height)), "value": b64(block.encode())}}
        ]
        success += [{"request_delete_range": {"key": b64(key)}} for key in dequeued]
        if previous is not None and height % self.compact_every == 0 and height > self.retain_blocks:
            success.append(
                {
                    "request_delete_range": {
                        "key": b64(self.layout.block_key(0)),
                        "range_end": b64(self.layout.block_key(height - self.retain_blocks)),
                    }
                }
            )
        won, answer = self.client.txn(compare, success)
        if not won:
            self._token, self._leader_until = b"", 0.0  # deposed, or the height is taken: campaign again
            return False
        if previous is not None and height % self.compact_every == 0 and height > self.retain_blocks:
            self.client.compact(int(answer["header"]["revision"]))
        return True


def _submission_order(envelope: bytes) -> tuple[str, int]:
    try:
        tx = parse_envelope(envelope)
    except MalformedTransaction:
        return "", 0
    return tx.submitter, tx.nonce


class PeerLookup:
    """Adapts a ``Peer`` (or any chain source with a store) to what the leader needs."""

    def __init__(self, peer: Any) -> None:
        self.peer: ChainSource = peer
        self._store = peer.store

    def chain_tip(self) -> Any:
        return self.peer.chain_tip()

    def block(self, height: int) -> Block:
        return self.peer.block(height)

    def is_committed(self, tx_id: str) -> bool:
        return bool(self._store.tx_rows("tx_id = ?", (tx_id,)))
