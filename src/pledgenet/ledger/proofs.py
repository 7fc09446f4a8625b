"""Proofs a client checks with block headers only.

* ``verify_header_chain``: each header links to the previous one's hash, is signed by a known producer,
  and the first is the genesis the client trusts (by hash).
* ``TxProof``: a transaction's envelope is in block ``h`` (Merkle path to ``tx_root`` of header ``h``), and
  its outcome (valid or not, with the reason code) is in block ``h``'s effects, whose root chains from
  header ``h``'s state root to header ``h+1``'s. The outcome part needs header ``h+1``; until the next
  block exists it is reported as pending.
* ``KeyProof``: the same for one write: the key had this value after block ``h``.

A proof says what was committed; it does not say a value is still current (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pledgenet.crypto.merkle import ProofStep, leaf_hash, root_from_proof
from pledgenet.crypto.signing import verify
from pledgenet.errors import IntegrityError
from pledgenet.ledger.block import next_state_root, outcome_leaf, write_leaf
from pledgenet.ledger.records import SignedHeader
from pledgenet.ledger.transaction import parse_envelope


def _path_to_json(path: list[ProofStep]) -> list[list[Any]]:
    return [[left, sibling.hex()] for left, sibling in path]


def _path_from_json(path: list[list[Any]]) -> list[ProofStep]:
    return [(bool(left), bytes.fromhex(sibling)) for left, sibling in path]


@dataclass(frozen=True)
class TxProof:
    tx_id: str
    height: int
    index: int
    envelope: bytes
    tx_path: list[ProofStep]
    valid: bool
    code: str
    outcome_path: list[ProofStep]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tx_id": self.tx_id,
            "height": self.height,
            "index": self.index,
            "envelope": self.envelope.decode(),
            "tx_path": _path_to_json(self.tx_path),
            "valid": self.valid,
            "code": self.code,
            "outcome_path": _path_to_json(self.outcome_path),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TxProof:
        return cls(
            tx_id=data["tx_id"],
            height=data["height"],
            index=data["index"],
            envelope=data["envelope"].encode(),
            tx_path=_path_from_json(data["tx_path"]),
            valid=data["valid"],
            code=data["code"],
            outcome_path=_path_from_json(data["outcome_path"]),
        )


@dataclass(frozen=True)
class KeyProof:
    key: str
    value: bytes | None
    height: int
    path: list[ProofStep]


def verify_header_chain(
    headers: list[SignedHeader], *, genesis_hash: str, producer_keys: Mapping[str, bytes]
) -> None:
    """Raise ``IntegrityError`` naming the first header that does not check out."""
    previous = ""
    for expected_height, signed in enumerate(headers):
        header = signed.header
        if header.height != expected_height:
            raise IntegrityError(f"header {expected_height} is missing or out of order")
        if expected_height == 0 and signed.hash != genesis_hash:
            raise IntegrityError("header 0 is not the trusted genesis")
        if header.prev_hash != previous:
            raise IntegrityError(f"header {header.height} does not link to its predecessor")
        key = producer_keys.get(header.producer)
        if key is None or not verify(key, header.signing_message(), signed.signature):
            raise IntegrityError(f"header {header.height} is not signed by a known producer")
        previous = signed.hash


def check_tx_proof(proof: TxProof, headers: Mapping[int, SignedHeader]) -> bool:
    """Check a transaction proof against (already verified) headers.

    Returns True when both inclusion and outcome are proven, False when inclusion is proven but the
    outcome is pending (no header ``h+1`` yet); raises ``IntegrityError`` when anything fails.
    """
    header = headers.get(proof.height)
    if header is None:
        raise IntegrityError(f"no header for height {proof.height}")
    if parse_envelope(proof.envelope).tx_id != proof.tx_id:
        raise IntegrityError("the envelope's body does not hash to the transaction id")
    root = root_from_proof(leaf_hash(proof.envelope), proof.tx_path)
    if root.hex() != header.header.tx_root:
        raise IntegrityError("the transaction is not in the block the proof names")
    following = headers.get(proof.height + 1)
    if following is None:
        return False
    effects_root = root_from_proof(
        leaf_hash(outcome_leaf(proof.index, proof.tx_id, proof.valid, proof.code)), proof.outcome_path
    )
    _check_effects(effects_root, header, following)
    return True


def check_key_proof(proof: KeyProof, headers: Mapping[int, SignedHeader]) -> bool:
    """Like ``check_tx_proof`` for one write: True when proven, False when pending; raises when false."""
    header, following = headers.get(proof.height), headers.get(proof.height + 1)
    if header is None:
        raise IntegrityError(f"no header for height {proof.height}")
    if following is None:
        return False
    effects_root = root_from_proof(leaf_hash(write_leaf(proof.key, proof.value)), proof.path)
    _check_effects(effects_root, header, following)
    return True


def _check_effects(effects_root: bytes, header: SignedHeader, following: SignedHeader) -> None:
    derived = next_state_root(bytes.fromhex(header.header.state_root), header.height, effects_root)
    if derived.hex() != following.header.state_root:
        raise IntegrityError(f"the effects of block {header.height} do not chain to the next state root")
