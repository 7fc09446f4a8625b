"""What a peer serves: state by key and range, key history, transactions, events, headers, proofs."""

from __future__ import annotations

import json
from typing import Any

from pledgenet.crypto.merkle import inclusion_proof
from pledgenet.errors import NotFound
from pledgenet.ledger.block import Block, BlockHeader, effects_leaf_hashes, outcome_leaf, tx_leaf_hashes
from pledgenet.ledger.proofs import KeyProof, TxProof
from pledgenet.ledger.records import Event, KeyVersion, SignedHeader, TxReceipt, TxRecord
from pledgenet.ledger.store import Store


def _receipt(row: tuple[Any, ...]) -> TxReceipt:
    height, idx, tx_id, _envelope, tx_type, submitter, valid, code, message, result, events = row
    return TxReceipt(
        tx_id=tx_id,
        height=height,
        index=idx,
        valid=bool(valid),
        code=code,
        message=message,
        tx_type=tx_type,
        submitter=submitter,
        events=json.loads(events) if events else [],
        result=json.loads(result) if result is not None else None,
    )


class PeerQueries:
    """Read side of a peer (mixed into ``Peer``)."""

    store: Store

    @property
    def height(self) -> int:  # pragma: no cover - provided by Peer
        raise NotImplementedError

    def get(self, key: str) -> Any:
        """The current value of ``key``, or None."""
        data = self.store.get(key)
        return None if data is None else json.loads(data)

    def range(self, prefix: str) -> list[tuple[str, Any]]:
        """Live keys starting with ``prefix``, sorted, with their values."""
        return [(key, json.loads(value)) for key, value in self.store.range(prefix)]

    def history(self, key: str) -> list[KeyVersion]:
        """Every version of ``key``, oldest first, each with the transaction that wrote it."""
        return [
            KeyVersion(key, height, idx, tx_id, None if value is None else json.loads(value), value is None)
            for height, idx, tx_id, value in self.store.history(key)
        ]

    def tx(self, tx_id: str) -> TxRecord:
        """A transaction by id (the valid one when the same id also appears invalid elsewhere)."""
        rows = self.store.tx_rows("tx_id = ? ORDER BY valid DESC, height, idx", (tx_id,))
        if not rows:
            raise NotFound(f"no transaction {tx_id}")
        return TxRecord(receipt=_receipt(rows[0]), envelope=bytes(rows[0][3]))

    def receipts_at(self, height: int) -> list[TxReceipt]:
        return [_receipt(row) for row in self.store.tx_rows("height = ? ORDER BY idx", (height,))]

    def events(self, since_height: int = 0) -> list[Event]:
        """Events of valid transactions from ``since_height`` on, in commit order."""
        rows = self.store.tx_rows("height >= ? AND events IS NOT NULL ORDER BY height, idx", (since_height,))
        return [
            Event(height=row[0], tx_id=row[2], name=event["name"], payload=event["payload"])
            for row in rows
            for event in json.loads(row[10])
        ]

    def header(self, height: int) -> SignedHeader:
        row = self.store.block_row(height)
        if row is None:
            raise NotFound(f"no block at height {height}")
        return SignedHeader(BlockHeader.decode(row[0]), row[1])

    def headers(self, start: int = 0, stop: int | None = None) -> list[SignedHeader]:
        """Signed headers of heights ``start`` .. ``stop - 1`` (to the tip by default)."""
        end = self.height + 1 if stop is None else stop
        return [SignedHeader(BlockHeader.decode(h), s) for h, s in self.store.headers(start, end)]

    def block(self, height: int) -> Block:
        signed = self.header(height)
        return Block(signed.header, signed.signature, tuple(self.store.block_envelopes(height)))

    def _effects_hashes(self, height: int) -> tuple[list[bytes], int]:
        writes: dict[str, tuple[int, bytes | None]] = {}
        for key, idx, value in self.store.block_writes(height):
            if key not in writes or writes[key][0] < idx:
                writes[key] = (idx, value)
        outcomes = [
            outcome_leaf(row[1], row[2], bool(row[6]), row[7])
            for row in self.store.tx_rows("height = ? ORDER BY idx", (height,))
        ]
        final = {key: value for key, (_idx, value) in writes.items()}
        return effects_leaf_hashes(final, outcomes), len(final)

    def proof(self, tx_id: str) -> TxProof:
        """Merkle proof of a transaction's inclusion and outcome, checkable with headers only."""
        record = self.tx(tx_id)
        height, index = record.receipt.height, record.receipt.index
        envelopes = self.store.block_envelopes(height)
        effects, write_count = self._effects_hashes(height)
        return TxProof(
            tx_id=tx_id,
            height=height,
            index=index,
            envelope=record.envelope,
            tx_path=inclusion_proof(tx_leaf_hashes(envelopes), index),
            valid=record.receipt.valid,
            code=record.receipt.code,
            outcome_path=inclusion_proof(effects, write_count + index),
        )

    def key_proof(self, key: str) -> KeyProof:
        """Proof of the latest write of ``key`` (its current value, or its deletion)."""
        versions = self.store.history(key)
        if not versions:
            raise NotFound(f"key {key!r} was never written")
        height = versions[-1][0]
        value = versions[-1][3]
        writes = sorted({k for k, _i, _v in self.store.block_writes(height)})
        effects, _count = self._effects_hashes(height)
        return KeyProof(key=key, value=value, height=height, path=inclusion_proof(effects, writes.index(key)))
