"""Canonical, deterministic encoding of transactions and state values.

Values are JSON-shaped: ``None``, ``bool``, ``int``, ``str``, ``list`` and ``dict`` with ``str`` keys.
Floats are refused (money is integer fen, rates are integer basis points, shares are integers); bytes are
carried as lowercase hex strings by the caller. The encoding is compact UTF-8 JSON with sorted keys, so the
same value always gives the same bytes and the same hash on every peer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pledgenet.errors import MalformedTransaction

MAX_DEPTH = 32


def check_value(value: Any, depth: int = 0) -> None:
    """Raise ``MalformedTransaction`` unless ``value`` is made only of canonical types (no floats)."""
    if depth > MAX_DEPTH:
        raise MalformedTransaction("value nested too deeply")
    kind = type(value)
    if depth == MAX_DEPTH and (kind is dict or kind is list) and value:
        raise MalformedTransaction("value nested too deeply")  # its items would lie past the limit
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise MalformedTransaction(f"object key {key!r} is not a string")
            leaf = type(item)
            if not (leaf is str or leaf is int or leaf is bool or item is None):
                check_value(item, depth + 1)
    elif kind is list:
        for item in value:
            leaf = type(item)
            if not (leaf is str or leaf is int or leaf is bool or item is None):
                check_value(item, depth + 1)
    elif not (kind is str or kind is int or kind is bool or value is None):
        raise MalformedTransaction(f"{kind.__name__} values are not allowed (use integers or strings)")


def canonical(value: Any) -> bytes:
    """The canonical bytes of ``value`` (checked first)."""
    check_value(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_unchecked(value: Any) -> bytes:
    """Canonical bytes of a value already known to be canonical (hot paths that checked at the boundary)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def decode(data: bytes) -> Any:
    """Decode canonical bytes; refuse anything that does not re-encode to the same bytes."""
    try:
        value = json.loads(data)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise MalformedTransaction(f"not valid canonical JSON: {exc}") from None
    except RecursionError:
        raise MalformedTransaction("value nested too deeply") from None
    if canonical(value) != data:
        raise MalformedTransaction("encoding is not canonical (key order, spacing or number form)")
    return value


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
