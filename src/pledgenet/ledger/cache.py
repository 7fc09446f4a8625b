"""The peer's in-memory view of committed world state: a read-through cache in front of SQLite.

Handlers read the same few records again and again: member records (for roles), governed parameters, a
stock's security record, the holding or registration a previous block just wrote. A point read through
SQLite costs a statement, a B-tree walk and a copy; a dictionary hit costs nothing. ``StateCache`` keeps
the canonical bytes of committed values (``None`` for a key known to be absent), filled on first read and
refreshed by ``applied`` with the writes of each block *after* its database transaction committed.

Why it is correct:

* committed state changes only in ``Store.commit_block``, and the peer calls ``applied`` with exactly
  the block's writes right after that commit returns; a block that fails (invalid header, divergence, a
  crash-test fault inside the commit, a database error) commits nothing and leaves the cache as it was;
* reads inside a block go first to the transaction's write buffer, then to the block overlay, and only
  then here (``ledger.context``), so a transaction never sees this cache where a newer write exists, and a
  refused transaction's discarded buffer never reached it;
* values are immutable ``bytes``; each ``get`` decodes a fresh object, so a handler that mutates what it
  read cannot change the cache. Only immutable derived values are cached decoded: the roles of a member
  (a ``frozenset``) and governed parameters (copied on the way out unless they are scalars).

It also keeps, for every key it has seen, the *position* of the key's latest committed version
(``ledger.writeset``): a transaction's write set names the version each write replaces, and most written
keys were just read, so the position comes with the value from the same statement.

The cache holds at most ``max_bytes`` (keys and values, roughly); past that it drops the older half of
its entries (in the order they were first loaded, so keys loaded long ago and still in use come back on
their next read, at the end), which costs a few SQLite reads and never correctness.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from pledgenet.ledger import codec
from pledgenet.ledger.contract_api import MEMBER_PREFIX, PARAM_PREFIX
from pledgenet.ledger.store import Store

#: bytes of keys and values held before the older half is dropped
DEFAULT_MAX_BYTES = 64 << 20
_ENTRY_OVERHEAD = 64
_SCALARS = (str, int, bool, type(None))


def _size(key: str, value: bytes | None) -> int:
    return len(key) + _ENTRY_OVERHEAD + (0 if value is None else len(value))


def decode_value(data: bytes) -> Any:
    """Decode canonical state bytes (UTF-8 JSON written by the peer)."""
    return codec.loads(data)


class StateCache:
    """Committed values by key, read through from the peer's ``Store``."""

    __slots__ = (
        "_bytes",
        "_max_bytes",
        "_params",
        "_positions",
        "_roles",
        "_store",
        "_values",
        "hits",
        "misses",
    )

    def __init__(self, store: Store, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._store = store
        self._max_bytes = max_bytes
        self._values: dict[str, bytes | None] = {}
        self._positions: dict[str, int] = {}
        self._bytes = 0
        self._roles: dict[str, frozenset[str]] = {}
        self._params: dict[str, tuple[bytes, Any] | None] = {}
        self.hits = 0
        self.misses = 0

    def committed(self, key: str) -> bytes | None:
        """The committed value of ``key`` (``None`` when absent)."""
        values = self._values
        if key in values:
            self.hits += 1
            return values[key]
        self.misses += 1
        value, pos = self._store.get_entry(key)
        self._keep(key, value, pos)
        return value

    def position(self, key: str) -> int:
        """Position of the latest committed version of ``key`` (``writeset.NO_POSITION`` when none)."""
        pos = self._positions.get(key)
        if pos is None:
            self.committed(key)
            pos = self._positions[key]
        return pos

    def _keep(self, key: str, value: bytes | None, pos: int) -> None:
        size = _size(key, value)
        if self._bytes + size > self._max_bytes:
            self._drop_older_half()
        self._values[key] = value
        self._positions[key] = pos
        self._bytes += size

    def _drop_older_half(self) -> None:
        values, positions = self._values, self._positions
        for key in list(islice(values, (len(values) + 1) // 2)):
            self._bytes -= _size(key, values.pop(key))
            positions.pop(key, None)

    def roles(self, org: str) -> frozenset[str]:
        """Roles of member ``org`` in committed state (empty when it is not a member)."""
        roles = self._roles.get(org)
        if roles is None:
            record = self.committed(MEMBER_PREFIX + org)
            roles = frozenset(decode_value(record)["roles"]) if record is not None else frozenset()
            self._roles[org] = roles
        return roles

    def param(self, name: str) -> Any:
        """A governed parameter in committed state (``None`` when absent); mutable values are fresh copies."""
        if name in self._params:
            entry = self._params[name]
        else:
            data = self.committed(PARAM_PREFIX + name)
            entry = None if data is None else (data, decode_value(data))
            self._params[name] = entry
        if entry is None:
            return None
        data, value = entry
        return value if isinstance(value, _SCALARS) else decode_value(data)

    def applied(self, writes: dict[str, bytes | None], positions: dict[str, int]) -> None:
        """Take in the writes of a block whose database transaction has committed, with the position of
        each key's last write in it."""
        values = self._values
        governance = False
        for key, value in writes.items():
            if key in values:
                values[key] = value
                self._positions[key] = positions[key]
            else:
                self._keep(key, value, positions[key])
            if key.startswith("gov/"):
                governance = True
        if governance:
            self._roles.clear()
            self._params.clear()

    def clear(self) -> None:
        self._values.clear()
        self._positions.clear()
        self._bytes = 0
        self._roles.clear()
        self._params.clear()
