"""What a peer needs from its storage, whatever the database: the interface both backends implement.

A backend keeps the block store and the world state of one peer and guarantees:

* ``commit_block`` writes a whole block in ONE database transaction: after a crash (a ``kill -9`` of the
  peer in the middle of the block included) the database holds the whole block or none of it;
* reads see only committed blocks, and return the same Python values on every backend (``bytes`` for
  binary columns, ``int`` for integers, ``str`` for text), so ``verify`` compares any backend's rows with
  a fresh replay's;
* keys are ordered by their UTF-8 bytes (``range`` returns them in that order), as SQLite's ``TEXT``
  comparison does, so a prefix scan yields the same sequence everywhere.

``tx_rows`` takes a ``WHERE`` clause written with ``?`` placeholders (SQLite's); the PostgreSQL backend
rewrites them. The clauses are the ledger's own constants, never user input.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from pledgenet.errors import IntegrityError
from pledgenet.ledger.writeset import NO_POSITION, decode, height_of, index_of

#: ``(header, signature, effects_root, state_root_after)`` of one stored block
BlockRow = tuple[bytes, bytes, bytes, bytes]


def prefix_upper(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix``."""
    return prefix + "\U0010ffff"


class Store(ABC):
    """One peer's block store and world state. Only ``commit_block`` writes; everything else reads."""

    #: where the store lives (a file path, ``:memory:`` or a ``postgresql://`` URL without its password)
    path: str

    @abstractmethod
    def close(self) -> None: ...

    # ------------------------------------------------------------------ reads

    @abstractmethod
    def meta(self, name: str) -> str | None: ...

    @abstractmethod
    def tip(self) -> tuple[int, str, bytes, int] | None:
        """(height, hash, state_root_after, timestamp) of the last block, or None when empty."""

    @abstractmethod
    def heights(self) -> list[int]:
        """Every stored block height, ascending (``verify`` looks for gaps)."""

    @abstractmethod
    def block_hash(self, height: int) -> str | None: ...

    @abstractmethod
    def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    def get_entry(self, key: str) -> tuple[bytes | None, int]:
        """``(value or None, position of the key's latest version or NO_POSITION)``."""

    @abstractmethod
    def range(self, prefix: str) -> list[tuple[str, bytes]]: ...

    @abstractmethod
    def version_row(self, pos: int) -> tuple[bytes, str] | None:
        """``(write set, tx_id)`` of the transaction at position ``pos``."""

    def history(self, key: str) -> list[tuple[int, int, str, bytes | None]]:
        """Every version of ``key``, oldest first: ``(height, idx, tx_id, value or None if deleted)``."""
        versions: list[tuple[int, int, str, bytes | None]] = []
        pos = self.get_entry(key)[1]
        while pos != NO_POSITION:
            height, idx = height_of(pos), index_of(pos)
            row = self.version_row(pos)
            entry = None if row is None else next((e for e in decode(row[0]) if e[0] == key), None)
            if row is None or entry is None or not entry[1] < pos:
                raise IntegrityError(f"the history of {key!r} breaks at height {height}, transaction {idx}")
            versions.append((height, idx, row[1], entry[2]))
            pos = entry[1]
        versions.reverse()
        return versions

    @abstractmethod
    def block_row(self, height: int) -> BlockRow | None: ...

    @abstractmethod
    def headers(self, start: int, stop: int) -> list[tuple[bytes, bytes]]: ...

    @abstractmethod
    def block_envelopes(self, height: int) -> list[bytes]: ...

    @abstractmethod
    def tx_rows(self, where: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def write_set_rows(self, height: int) -> list[tuple[int, bytes]]:
        """``(position, stored write set)`` of every transaction of block ``height`` that wrote, in order."""

    def block_writes(self, height: int) -> list[tuple[str, int, bytes | None]]:
        """``(key, idx, value or None)`` of every write of block ``height``, in commit order."""
        return [
            (key, index_of(pos), value)
            for pos, data in self.write_set_rows(height)
            for key, _previous, value in decode(data)
        ]

    @abstractmethod
    def state_rows(self) -> set[tuple[Any, ...]]:
        """Every live key's ``(key, position, offset, length)`` as stored."""

    @abstractmethod
    def write_set_count(self) -> int: ...

    @abstractmethod
    def deletions(self) -> set[tuple[Any, ...]]:
        """Every deleted key's ``(key, position of its deletion)`` as stored."""

    # ------------------------------------------------------------------ the one write path

    @abstractmethod
    def commit_block(
        self,
        *,
        height: int,
        block_hash: str,
        header: bytes,
        signature: bytes,
        effects_root: bytes,
        state_root_after: bytes,
        tx_rows: list[tuple[Any, ...]],
        upserts: list[tuple[str, int, int, int]],
        deletes: list[tuple[str, int]],
        write_sets: list[tuple[int, bytes]],
        meta: list[tuple[str, str]] | None = None,
        midway: Callable[[int], None] | None = None,
    ) -> None:
        """Write one whole block atomically (``midway`` is the crash tests' hook inside the transaction)."""
