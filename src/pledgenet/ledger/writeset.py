"""A transaction's write set as one stored record, and the positions that chain a key's versions.

The peer stores what each transaction wrote as ONE row (``BlockStore`` table ``writes``), keyed by the
transaction's *position* in the chain, ``height << 24 | index``. Each entry of the row names a key, its new
value (``None`` for a delete) and the position of the key's previous version (``NO_POSITION`` for the
first), so a key's history is a chain walked backwards from the position its state row keeps. The state
row of a live key holds no copy of the value, only where its bytes lie (position, offset, length): every
value is stored once.

Why not one row per written key with an index by key (the usual layout, and this store's first one): a
register operation writes five to six keys, almost all at random places in a book of 100,000 holdings, so
that index dirtied a random page per write and the rows cost three B-tree inserts each, the largest
share of committing a block. Here a transaction costs one appended row, positions grow with the chain,
and ``history(key)`` (a rare query) pays a lookup per version instead.

The format is binary because values are canonical bytes already and must come back byte for byte (the
effects root and ``verify`` hash them): per entry, key length (u16), previous position (i64), value length
(i32, -1 for a delete), the key in UTF-8, the value.
"""

from __future__ import annotations

import struct

from pledgenet.errors import IntegrityError

#: a position's low bits hold the transaction's index in its block
INDEX_BITS = 24
INDEX_MASK = (1 << INDEX_BITS) - 1
#: the largest number of transactions a block may hold
MAX_BLOCK_TXS = 1 << INDEX_BITS
NO_POSITION = -1
_HEAD = struct.Struct(">Hqi")

Entry = tuple[str, int, bytes | None]


def position(height: int, index: int) -> int:
    return (height << INDEX_BITS) | index


def height_of(pos: int) -> int:
    return pos >> INDEX_BITS


def index_of(pos: int) -> int:
    return pos & INDEX_MASK


def encode(entries: list[Entry]) -> tuple[bytes, list[int]]:
    """One write set from ``(key, previous position, value or None)`` per write, in the order written;
    with the byte offset of each entry's value in it (-1 for a delete), which the state row keeps."""
    parts: list[bytes] = []
    offsets: list[int] = []
    pack, head = _HEAD.pack, _HEAD.size
    size = 0
    for key, previous, value in entries:
        raw_key = key.encode()
        size += head + len(raw_key)
        if value is None:
            parts.append(pack(len(raw_key), previous, -1) + raw_key)
            offsets.append(-1)
        else:
            parts.append(pack(len(raw_key), previous, len(value)) + raw_key + value)
            offsets.append(size)
            size += len(value)
    return b"".join(parts), offsets


def decode(data: bytes) -> list[Entry]:
    """The entries of a stored write set; a damaged record raises ``IntegrityError``."""
    entries: list[Entry] = []
    offset, end, head = 0, len(data), _HEAD.size
    try:
        while offset < end:
            key_length, previous, value_length = _HEAD.unpack_from(data, offset)
            offset += head
            key = data[offset : offset + key_length].decode()
            offset += key_length
            if value_length < 0:
                value = None
            else:
                value = bytes(data[offset : offset + value_length])
                offset += value_length
            if offset > end:
                raise ValueError("truncated")
            entries.append((key, previous, value))
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise IntegrityError(f"a stored write set is damaged ({exc})") from None
    return entries
