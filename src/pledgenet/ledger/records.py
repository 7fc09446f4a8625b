"""Plain records a peer returns: transaction outcomes, key versions, events, signed headers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pledgenet.ledger.block import BlockHeader


@dataclass(slots=True)
class TxReceipt:
    """What happened to one transaction: where it landed, whether it was valid, why not, what it did.

    Read-only by convention, not ``frozen`` (the peer makes one per transaction; see ``Transaction``).
    """

    tx_id: str
    height: int
    index: int
    valid: bool
    code: str
    message: str
    tx_type: str = ""
    submitter: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tx_id": self.tx_id,
            "height": self.height,
            "index": self.index,
            "valid": self.valid,
            "code": self.code,
            "message": self.message,
            "tx_type": self.tx_type,
            "submitter": self.submitter,
            "events": self.events,
            "result": self.result,
        }


@dataclass(frozen=True)
class TxRecord:
    """A stored transaction: its receipt plus the signed envelope bytes."""

    receipt: TxReceipt
    envelope: bytes

    def to_dict(self) -> dict[str, Any]:
        return {**self.receipt.to_dict(), "envelope": self.envelope.decode()}


@dataclass(frozen=True)
class KeyVersion:
    """One version of a state key: the transaction that wrote it and the value (None when deleted)."""

    key: str
    height: int
    index: int
    tx_id: str
    value: Any
    deleted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "height": self.height,
            "index": self.index,
            "tx_id": self.tx_id,
            "value": self.value,
            "deleted": self.deleted,
        }


@dataclass(frozen=True)
class Event:
    height: int
    tx_id: str
    name: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class SignedHeader:
    header: BlockHeader
    signature: bytes

    @property
    def height(self) -> int:
        return self.header.height

    @property
    def hash(self) -> str:
        return self.header.hash

    def to_dict(self) -> dict[str, Any]:
        return {**self.header.to_dict(), "hash": self.hash, "signature": self.signature.hex()}
