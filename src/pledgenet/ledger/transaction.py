"""Typed, signed transactions: canonical body, id = SHA-256 of the body, signatures of every signer.

Wire form (the bytes an orderer carries and a block stores) is canonical JSON::

    {"body": {"alliance": "...", "args": {...}, "nonce": 7, "signers": ["broker-a", "bank-b"],
              "submitter": "broker-a", "type": "register.pledge"},
     "signatures": ["<hex of signer 0's signature>", "<hex of signer 1's signature>"]}

* ``type`` is ``<contract>.<operation>``; ``signers[0]`` is the submitter; signers are distinct.
* ``tx_id`` is the hex SHA-256 of the body's canonical bytes; each signer signs ``TX_DOMAIN || digest``.
* ``nonce`` is a positive integer, strictly increasing per submitter (gaps allowed): a peer refuses a
  transaction whose nonce is not above the submitter's last used one, which stops replays.
* ``alliance`` binds the transaction to one alliance, so it cannot be replayed in another.
* Limits: ``MAX_TX_BYTES`` per envelope, ``MAX_SIGNERS`` signers. Floats are refused at decode time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from pledgenet.crypto.signing import TX_DOMAIN
from pledgenet.encoding import check_value
from pledgenet.errors import MalformedTransaction
from pledgenet.ledger import codec

MAX_TX_BYTES = 64 * 1024
MAX_SIGNERS = 16
MAX_NONCE = 2**63 - 1
TX_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}\.[a-z][a-z0-9_]{0,63}$")

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _no_float(text: str) -> Any:
    raise MalformedTransaction(f"number {text} is not an integer (floats are not allowed)")


_loads = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float).decode


def _decode(data: bytes) -> Any:
    """Decode an envelope: orjson on the fast path, the standard decoder above where it matters.

    orjson reads a float (``1.5``) and also an integer beyond 64 bits as a Python float, so any float in
    its result sends the text to the standard decoder, whose verdict stands (``_no_float`` refuses real
    floats, big integers decode exactly); so does text orjson refuses (``NaN``, lone surrogate escapes).
    """
    try:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return _loads(data.decode())
        if _holds_float(value):
            return _loads(data.decode())
        return value
    except MalformedTransaction:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedTransaction(f"not valid JSON: {exc}") from None


def _holds_float(value: Any) -> bool:
    """True when a decoded value holds a float anywhere (leaves are checked in place, containers queued)."""
    if type(value) is float:
        return True
    pending = [value] if type(value) in (dict, list) else []
    while pending:
        container = pending.pop()
        for item in container.values() if type(container) is dict else container:
            kind = type(item)
            if kind is str or kind is int or kind is bool or item is None:
                continue
            if kind is float:
                return True
            pending.append(item)
    return False


@dataclass(slots=True)
class Transaction:
    """A decoded transaction envelope whose shape has been checked (signatures not yet verified).

    Read-only by convention, not ``frozen``: a peer decodes one per transaction of every block, and a
    frozen dataclass's ``__init__`` (``object.__setattr__`` per field) cost five times a plain one.
    """

    tx_id: str
    digest: bytes
    alliance: str
    tx_type: str
    contract: str
    operation: str
    args: dict[str, Any]
    submitter: str
    signers: tuple[str, ...]
    nonce: int
    signatures: tuple[bytes, ...]


def make_body(
    alliance: str, tx_type: str, args: dict[str, Any], signers: list[str], nonce: int
) -> dict[str, Any]:
    """A checked transaction body (raises ``MalformedTransaction`` on any bad field)."""
    if not isinstance(args, dict):
        raise MalformedTransaction("args must be an object")
    check_value(args)
    body = {
        "alliance": alliance,
        "args": args,
        "nonce": nonce,
        "signers": list(signers),
        "submitter": signers[0] if signers else "",
        "type": tx_type,
    }
    _check_body(body)
    return body


def body_digest(body: dict[str, Any]) -> bytes:
    return hashlib.sha256(_dumps(body).encode()).digest()


def signing_message(digest: bytes) -> bytes:
    return TX_DOMAIN + digest


def encode_envelope(body: dict[str, Any], signatures: list[bytes]) -> bytes:
    data = _dumps({"body": body, "signatures": [sig.hex() for sig in signatures]}).encode()
    if len(data) > MAX_TX_BYTES:
        raise MalformedTransaction(
            f"transaction is {len(data)} bytes; the limit is {MAX_TX_BYTES}", code="too_large"
        )
    return data


_BODY_FIELDS = frozenset({"alliance", "args", "nonce", "signers", "submitter", "type"})
_ENVELOPE_FIELDS = frozenset({"body", "signatures"})
_SIGNATURE_HEX = re.compile(r"[0-9a-f]{128}")


def _check_body(body: Any) -> None:
    if type(body) is not dict:
        raise MalformedTransaction("body must be an object")
    if body.keys() != _BODY_FIELDS:
        missing, extra = sorted(_BODY_FIELDS - set(body)), sorted(set(body) - _BODY_FIELDS)
        raise MalformedTransaction(f"body fields wrong (missing {missing}, unexpected {extra})")
    tx_type, signers, nonce = body["type"], body["signers"], body["nonce"]
    if not isinstance(tx_type, str) or not TX_TYPE.match(tx_type):
        raise MalformedTransaction(f"type {tx_type!r} is not '<contract>.<operation>'")
    if not isinstance(body["alliance"], str) or not body["alliance"]:
        raise MalformedTransaction("alliance must be a non-empty string")
    if not isinstance(body["args"], dict):
        raise MalformedTransaction("args must be an object")
    if type(nonce) is not int or not 0 < nonce <= MAX_NONCE:
        raise MalformedTransaction(f"nonce must be an integer in 1..{MAX_NONCE}")
    if not isinstance(signers, list) or not signers or not all(isinstance(s, str) and s for s in signers):
        raise MalformedTransaction("signers must be a non-empty list of organisation ids")
    if len(signers) > MAX_SIGNERS:
        raise MalformedTransaction(f"{len(signers)} signers; at most {MAX_SIGNERS}")
    if len(set(signers)) != len(signers):
        raise MalformedTransaction("a signer appears twice")
    if body["submitter"] != signers[0]:
        raise MalformedTransaction("submitter must be the first signer")


def parse_envelope(data: bytes) -> Transaction:
    """Decode and shape-check an envelope; raise ``MalformedTransaction`` with the precise reason."""
    if not isinstance(data, bytes | bytearray):
        raise MalformedTransaction("a transaction is bytes")
    if len(data) > MAX_TX_BYTES:
        raise MalformedTransaction(
            f"transaction is {len(data)} bytes; the limit is {MAX_TX_BYTES}", code="too_large"
        )
    envelope = _decode(bytes(data))
    if type(envelope) is not dict or envelope.keys() != _ENVELOPE_FIELDS:
        raise MalformedTransaction("envelope must be an object with exactly 'body' and 'signatures'")
    body, signatures = envelope["body"], envelope["signatures"]
    _check_body(body)
    if not isinstance(signatures, list) or len(signatures) != len(body["signers"]):
        raise MalformedTransaction("one signature per signer is required")
    for sig in signatures:
        if type(sig) is not str:
            raise MalformedTransaction("signatures must be hex strings")
        if not _SIGNATURE_HEX.fullmatch(sig):
            raise MalformedTransaction("each signature is 64 bytes of lowercase hex")
    raw_signatures = tuple(map(bytes.fromhex, signatures))
    try:
        body_bytes = codec.dumps(body)
    except ValueError:  # a lone surrogate escape decodes to text that has no UTF-8 form
        raise MalformedTransaction("a string holds an unpaired surrogate (not valid Unicode)") from None
    canonical = b'{"body":' + body_bytes + b',"signatures":' + codec.dumps(signatures) + b"}"
    if canonical != data:
        raise MalformedTransaction("encoding is not canonical (key order, spacing or number form)")
    digest = hashlib.sha256(body_bytes).digest()
    contract, _, operation = body["type"].partition(".")
    return Transaction(  # positional: this runs for every transaction of every block
        digest.hex(),
        digest,
        body["alliance"],
        body["type"],
        contract,
        operation,
        body["args"],
        body["submitter"],
        tuple(body["signers"]),
        body["nonce"],
        raw_signatures,
    )


def raw_tx_id(data: bytes) -> str:
    """The id recorded for bytes that do not even decode (hash of the raw envelope)."""
    return hashlib.sha256(data).hexdigest()
