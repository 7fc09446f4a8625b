"""Blocks: a signed header over an ordered list of transaction envelopes.

Header fields (canonical JSON, hashed with SHA-256 to give the block hash)::

    alliance    the alliance id (a block of one alliance never passes in another)
    height      0 for genesis, then +1
    prev_hash   hex hash of the previous block's header ("" for genesis)
    producer    id of the orderer that cut and signed the block
    state_root  hex state root AFTER the previous block (see ``next_state_root``)
    timestamp   integer milliseconds since the epoch, never below the previous block's
    tx_count    number of envelopes
    tx_root     hex Merkle root over the envelopes' bytes (``pledgenet.crypto.merkle``)

The producer signs ``BLOCK_DOMAIN || header hash``.

State root. After each block the peer forms the block's *effects*: its write set sorted by key (each leaf
``["w", key, value-or-null]``) followed by each transaction's outcome in block order (``["t", index,
tx_id, valid, code]``), and takes their Merkle root. The state root chains these:
``root_h = SHA-256("pledgenet/state/v1" || root_{h-1} || height || effects_root_h)``. It is cheap to advance
(work proportional to the block, never to the whole state), every peer re-derives it, and a client holding
headers can check one write or one outcome with a Merkle path (``pledgenet.ledger.proofs``). What it does
not give is a proof that a value is still current (that needs a state tree; see docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pledgenet.crypto.merkle import leaf_hash, root_of_hashes
from pledgenet.crypto.signing import BLOCK_DOMAIN
from pledgenet.errors import IntegrityError
from pledgenet.ledger import codec

GENESIS_STATE_ROOT = bytes(32)
STATE_DOMAIN = b"pledgenet/state/v1"
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True, slots=True)
class BlockHeader:
    alliance: str
    height: int
    prev_hash: str
    producer: str
    state_root: str
    timestamp: int
    tx_count: int
    tx_root: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "alliance": self.alliance,
            "height": self.height,
            "prev_hash": self.prev_hash,
            "producer": self.producer,
            "state_root": self.state_root,
            "timestamp": self.timestamp,
            "tx_count": self.tx_count,
            "tx_root": self.tx_root,
        }

    def encode(self) -> bytes:
        return _dumps(self.to_dict()).encode()

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.encode()).hexdigest()

    def signing_message(self) -> bytes:
        return BLOCK_DOMAIN + bytes.fromhex(self.hash)

    @classmethod
    def decode(cls, data: bytes) -> BlockHeader:
        try:
            fields = json.loads(data)
            header = cls(**fields)
        except (ValueError, TypeError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise IntegrityError("block header does not decode") from None
        if header.encode() != bytes(data):
            raise IntegrityError(f"block header at height {header.height} is not canonical")
        return header

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> BlockHeader:
        try:
            return cls(**fields)
        except TypeError:
            raise IntegrityError("block header fields are wrong") from None


@dataclass(frozen=True, slots=True)
class Block:
    header: BlockHeader
    signature: bytes
    txs: tuple[bytes, ...]

    @property
    def height(self) -> int:
        return self.header.height

    @property
    def hash(self) -> str:
        return self.header.hash

    def encode(self) -> bytes:
        """Wire form: canonical JSON with the envelopes as strings (they are UTF-8 JSON themselves)."""
        return _dumps(
            {
                "header": self.header.to_dict(),
                "signature": self.signature.hex(),
                "txs": [tx.decode() for tx in self.txs],
            }
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Block:
        try:
            fields = json.loads(data)
            return cls(
                header=BlockHeader(**fields["header"]),
                signature=bytes.fromhex(fields["signature"]),
                txs=tuple(tx.encode() for tx in fields["txs"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise IntegrityError("block does not decode") from None


def tx_leaf_hashes(txs: tuple[bytes, ...] | list[bytes]) -> list[bytes]:
    sha = hashlib.sha256
    return [sha(b"\x00" + tx).digest() for tx in txs]


def tx_root(txs: tuple[bytes, ...] | list[bytes]) -> str:
    return root_of_hashes(tx_leaf_hashes(txs)).hex()


def write_leaf(key: str, value: bytes | None) -> bytes:
    """Effects leaf data for one write (``value`` is canonical JSON bytes, None for a delete)."""
    return b'["w",' + codec.dumps(key) + b"," + (value if value is not None else b"null") + b"]"


def outcome_leaf(index: int, tx_id: str, valid: bool, code: str) -> bytes:
    return codec.dumps(["t", index, tx_id, valid, code])


def effects_leaf_hashes(writes: dict[str, bytes | None], outcomes: list[bytes]) -> list[bytes]:
    """Leaf hashes of a block's effects: sorted writes, then outcomes in block order."""
    leaves = [write_leaf(key, writes[key]) for key in sorted(writes)]
    leaves.extend(outcomes)
    return [leaf_hash(leaf) for leaf in leaves]


def next_state_root(previous: bytes, height: int, effects_root: bytes) -> bytes:
    return hashlib.sha256(STATE_DOMAIN + previous + height.to_bytes(8, "big") + effects_root).digest()
