"""Canonical JSON on the peer's hot paths through orjson, byte for byte what ``pledgenet.encoding`` writes.

A peer encodes every value a handler writes, decodes every value it reads and re-encodes every transaction
body to check its canonical form; with the standard library that was the largest share of executing a
register operation. orjson does the same work several times faster. The canonical form stays the one of
``pledgenet.encoding`` (sorted keys, no spaces, UTF-8, no ASCII escaping): for the values the ledger
holds (strings, integers, booleans, null, lists, objects with string keys) orjson's output is identical,
which ``tests/ledger/test_codec.py`` checks against the standard library over generated values. Where the
two could differ we hand the value to the standard library instead, so the bytes never depend on which
path ran:

* integers outside 64 bits: orjson refuses to encode them and *decodes* them as floats, so ``dumps``
  falls back on its ``TypeError`` and ``loads`` never gives orjson a text holding a run of 19 or more
  digits (a false alarm inside a string only costs the slower path);
* anything orjson refuses to encode (non-string keys, lone surrogates, unknown types) goes to the standard
  library, whose verdict (bytes or exception) is the one callers always got;
* text orjson refuses to decode (``NaN``, lone surrogate escapes) goes to the standard library too.

Floats are not part of the canonical form; callers refuse them before encoding (``put``) or never build
them (``put_built``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS
_stdlib_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_stdlib_decode = json.JSONDecoder().decode
#: every digit becomes "9" and every other byte a space, so a long digit run is a plain substring search
_DIGIT_MAP = bytes(0x39 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"9" * 19


def dumps(value: Any) -> bytes:
    """Canonical bytes of a JSON-shaped value (no check for floats: see the module docstring)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return _stdlib_encode(value).encode()


def dumps_text(value: Any) -> str:
    """``dumps`` as text."""
    return dumps(value).decode()


def loads(data: bytes) -> Any:
    """Decode canonical JSON bytes (state values): the same value ``json.loads`` gives."""
    if _LONG_RUN not in data.translate(_DIGIT_MAP):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return _stdlib_decode(data.decode())
