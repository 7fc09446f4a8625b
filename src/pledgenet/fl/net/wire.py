"""The wire format of federated-learning messages: safe, compact, the same on every transport.

A payload is a tree of ``None``, ``bool``, ``int`` (any size), ``float``, ``str``, ``bytes``, ``list``,
``tuple`` (sent as a list), ``dict`` with ``str`` keys, numeric ``numpy`` arrays and :class:`IntVector`
(a vector of large non-negative integers such as Paillier ciphertexts). It is encoded as a JSON header whose
leaves point into binary blobs, so arrays and ciphertexts travel as raw bytes (no per-element text) while
nothing is ever unpickled: a peer can only make us build these plain types. Written here rather than taken
from pickle (unsafe across organisations) or msgpack (not a dependency, and no big integers).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np

from pledgenet.errors import ProtocolError

_ALLOWED_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
_ALLOWED_DTYPES |= {"float32", "float64"}
MAX_MESSAGE_BYTES = 1 << 31


@dataclass(frozen=True)
class IntVector:
    """A vector of non-negative integers of at most ``width`` bytes each (ciphertexts, group elements)."""

    values: tuple[Any, ...]
    width: int

    @classmethod
    def of(cls, values: Any, width: int) -> IntVector:
        return cls(tuple(values), width)

    def __len__(self) -> int:
        return len(self.values)


def _pack_ints(vector: IntVector) -> bytes:
    width = vector.width
    parts = []
    for value in vector.values:
        big = gmpy2.mpz(value)
        if big < 0 or gmpy2.bit_length(big) > 8 * width:
            raise ProtocolError(f"integer does not fit {width} bytes")
        parts.append(int(big).to_bytes(width, "big"))
    return b"".join(parts)


def _unpack_ints(blob: bytes, width: int) -> IntVector:
    if width <= 0 or len(blob) % width:
        raise ProtocolError("integer vector blob has a bad length")
    values = tuple(gmpy2.mpz(int.from_bytes(blob[i : i + width], "big")) for i in range(0, len(blob), width))
    return IntVector(values, width)


def encode(payload: Any) -> bytes:
    """Encode ``payload`` into one frame body: 4-byte header length, JSON header, blobs."""
    blobs: list[bytes] = []

    def walk(value: Any) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int) or type(value).__name__ == "mpz":
            number = int(value)
            if -(1 << 53) < number < (1 << 53):
                return number
            return {"$int": hex(number)}
        if isinstance(value, float | np.floating):
            return {"$f": float(value).hex()}
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, bytes):
            blobs.append(value)
            return {"$b": len(blobs) - 1}
        if isinstance(value, np.ndarray):
            if value.dtype.name not in _ALLOWED_DTYPES:
                raise ProtocolError(f"arrays of {value.dtype} cannot be sent")
            blobs.append(np.ascontiguousarray(value).tobytes())
            return {"$nd": len(blobs) - 1, "dtype": value.dtype.name, "shape": list(value.shape)}
        if isinstance(value, IntVector):
            blobs.append(_pack_ints(value))
            return {"$iv": len(blobs) - 1, "width": value.width}
        if isinstance(value, list | tuple):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str) or key.startswith("$"):
                    raise ProtocolError(f"message keys must be plain strings, not {key!r}")
                out[key] = walk(item)
            return out
        raise ProtocolError(f"{type(value).__name__} values cannot be sent")

    header = json.dumps(walk(payload), separators=(",", ":")).encode()
    sizes = struct.pack(f">{len(blobs)}Q", *(len(blob) for blob in blobs))
    return b"".join([struct.pack(">II", len(header), len(blobs)), header, sizes, *blobs])


def decode(frame: bytes) -> Any:
    """Decode a frame body made by :func:`encode`; malformed input raises ``ProtocolError``."""
    try:
        header_size, blob_count = struct.unpack_from(">II", frame, 0)
        offset = 8
        header = json.loads(frame[offset : offset + header_size])
        offset += header_size
        sizes = struct.unpack_from(f">{blob_count}Q", frame, offset)
        offset += 8 * blob_count
        blobs = []
        for size in sizes:
            blobs.append(frame[offset : offset + size])
            offset += size
        if offset != len(frame):
            raise ProtocolError("frame has trailing or missing bytes")
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "$int" in value:
            return int(value["$int"], 16)
        if "$f" in value:
            return float.fromhex(value["$f"])
        if "$b" in value:
            return blobs[value["$b"]]
        if "$nd" in value:
            dtype = str(value["dtype"])
            if dtype not in _ALLOWED_DTYPES:
                raise ProtocolError(f"arrays of {dtype} are not accepted")
            array = np.frombuffer(blobs[value["$nd"]], dtype=dtype)
            return array.reshape([int(d) for d in value["shape"]]).copy()
        if "$iv" in value:
            return _unpack_ints(blobs[value["$iv"]], int(value["width"]))
        return {key: walk(item) for key, item in value.items()}

    try:
        return walk(header)
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None
