"""The solo orderer: one in-process cutter for the embedded alliance.

It keeps pending envelopes in memory, cuts a block when the batch reaches its count or byte limit or its
oldest envelope is older than the timeout (checked on every ``broadcast`` and ``cut_due``), signs it with
the orderer's key, and hands it to ``deliver_to`` (which applies it to the producer's peer, then to the
others) before cutting the next one, because the next header needs the state root after this block.
Pending envelopes are lost if the process dies; they were never acknowledged, and clients resubmit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from pledgenet.crypto.identity import SigningKey
from pledgenet.errors import LedgerError, MalformedTransaction
from pledgenet.ledger.block import Block
from pledgenet.ledger.ordering.base import BatchLimits, ChainSource, Orderer, sign_block
from pledgenet.ledger.transaction import MAX_TX_BYTES


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _check_admissible(envelope: bytes) -> None:
    """What the orderer refuses outright (everything else is judged by the peers, inside the block)."""
    if not isinstance(envelope, bytes):
        raise MalformedTransaction("an envelope is bytes")
    if len(envelope) > MAX_TX_BYTES:
        raise MalformedTransaction(
            f"transaction is {len(envelope)} bytes; the limit is {MAX_TX_BYTES}", code="too_large"
        )


class SoloOrderer(Orderer):
    def __init__(
        self,
        *,
        alliance: str,
        producer: str,
        key: SigningKey,
        source: ChainSource,
        deliver_to: Callable[[Block], None],
        limits: BatchLimits | None = None,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.alliance = alliance
        self.producer = producer
        self.key = key
        self.source = source
        self.deliver_to = deliver_to
        self.limits = limits or BatchLimits()
        self.clock = clock
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._oldest_ms = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def broadcast(self, envelope: bytes) -> list[Block]:
        _check_admissible(envelope)
        if not self._pending:
            self._oldest_ms = self.clock()
        self._pending.append(envelope)
        self._pending_bytes += len(envelope)
        return self.cut_due()

    def broadcast_many(self, envelopes: list[bytes]) -> list[Block]:
        """Accept many envelopes; cuts full blocks as they fill (the fast path of ``submit_many``).

        The batch is accepted or refused whole: every envelope is checked before the first is queued, so a
        refused batch leaves nothing pending to be committed later with someone else's submission.
        """
        for envelope in envelopes:
            _check_admissible(envelope)
        blocks: list[Block] = []
        for envelope in envelopes:
            blocks.extend(self.broadcast(envelope))
        return blocks

    def cut_due(self, now_ms: int | None = None) -> list[Block]:
        limits = self.limits
        blocks: list[Block] = []
        while len(self._pending) >= limits.max_txs or self._pending_bytes >= limits.max_bytes:
            blocks.append(self._cut())
        now = self.clock() if now_ms is None else now_ms
        if self._pending and now - self._oldest_ms >= limits.timeout_ms:
            blocks.append(self._cut())
        return blocks

    def flush(self) -> list[Block]:
        blocks: list[Block] = []
        while self._pending:
            blocks.append(self._cut())
        return blocks

    def _cut(self) -> Block:
        limits = self.limits
        take, size = 0, 0
        for envelope in self._pending:
            if take >= limits.max_txs or (take and size + len(envelope) > limits.max_bytes):
                break
            take += 1
            size += len(envelope)
        batch = self._pending[:take]
        del self._pending[:take]
        self._pending_bytes -= size
        self._oldest_ms = self.clock()
        tip = self.source.chain_tip()
        block = sign_block(
            alliance=self.alliance,
            producer=self.producer,
            key=self.key,
            tip=tip,
            timestamp=self.clock(),
            txs=batch,
        )
        self.deliver_to(block)
        if self.source.chain_tip().height != block.height:
            raise LedgerError(f"the producer's peer did not commit block {block.height}")
        return block

    def deliver(self, from_height: int) -> Iterator[Block]:
        height = from_height
        while height <= self.source.chain_tip().height:
            yield self.source.block(height)
            height += 1
