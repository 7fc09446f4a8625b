"""A peer's block store and world state in one SQLite database (the embedded default backend).

Tables::

    meta     (name, value)                        alliance id, genesis hash
    blocks   (height, hash, header, signature, effects_root, state_root_after)
    txs      (height, idx, tx_id, envelope, tx_type, submitter, valid, code, message, result, events)
    state    (key, pos, off, len)                 each live key: where its current value lies in ``writes``
    writes   (pos, data)                          each transaction's write set, nonce included
    deleted  (key, pos)                           where a deleted key's last version is (its history head)

Each block is written in ONE SQLite transaction (``BEGIN IMMEDIATE`` .. ``COMMIT``): after a crash, even a
``kill -9`` in the middle of a block, the database holds either the whole block or none of it. The
database runs in WAL mode; ``durability="process"`` (synchronous=NORMAL) survives process crashes,
``durability="power"`` (synchronous=FULL) also survives power loss at the cost of an fsync per block.

Layout choices for write cost: a transaction's writes are ONE row of ``writes`` at its position
(``height << 24 | idx``), appended at the end of the file, and each entry in it points at the key's
previous version; a key's history is walked back from the position its ``state`` (or ``deleted``) row
keeps (``ledger.writeset`` says why: one row per write plus an index by key cost three random B-tree
inserts per write). A ``state`` row holds no copy of the value, only the position of the transaction that
wrote it and the value's offset and length in that write set, so every value is stored once and a state
row is a few dozen bytes: a block's random updates of live keys touch a small B-tree. Reads take the bytes
with ``substr`` in the same statement. Databases of earlier layouts are refused with a clear error. The page
cache is raised to ``CACHE_KIB``, and WAL checkpoints run on a background thread (``ledger.checkpoint``)
instead of inside the commit that crosses SQLite's threshold; neither changes what a commit guarantees.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pledgenet.errors import ConfigError, IntegrityError
from pledgenet.ledger.checkpoint import BACKSTOP_PAGES, Checkpointer
from pledgenet.ledger.store.base import BlockRow, Store, prefix_upper
from pledgenet.ledger.writeset import NO_POSITION, height_of, index_of, position

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    height INTEGER PRIMARY KEY, hash TEXT NOT NULL, header BLOB NOT NULL, signature BLOB NOT NULL,
    effects_root BLOB NOT NULL, state_root_after BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
    height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_id TEXT NOT NULL, envelope BLOB NOT NULL,
    tx_type TEXT NOT NULL, submitter TEXT NOT NULL, valid INTEGER NOT NULL, code TEXT NOT NULL,
    message TEXT NOT NULL, result BLOB, events BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS txs_by_position ON txs (height, idx);
CREATE INDEX IF NOT EXISTS txs_by_id ON txs (tx_id);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY, pos INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS writes (pos INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS deleted (key TEXT PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID;
"""
#: the value bytes of a state row, cut from the write set that holds them
_VALUE = "substr(w.data, s.off + 1, s.len)"
_LIVE = "state s JOIN writes w ON w.pos = s.pos"
#: a key's value and the position of its latest version: its state row, else its deletion, else nothing
_ENTRY = (
    f"SELECT {_VALUE}, s.pos FROM {_LIVE} WHERE s.key = ?1"
    " UNION ALL SELECT NULL, pos FROM deleted WHERE key = ?1 LIMIT 1"
)

DURABILITY = {"process": "NORMAL", "power": "FULL"}
#: SQLite page cache per connection, KiB (the default is 2,000)
CACHE_KIB = 65_536


def _blob(value: Any) -> bytes:
    """Column value as bytes (a tampered row may hold TEXT where BLOB was written; verify must see it)."""
    return value.encode() if isinstance(value, str) else bytes(value)


class BlockStore(Store):
    """SQLite access for one peer. Only ``commit_block`` writes; everything else reads."""

    def __init__(self, path: Path | str, *, durability: str = "process", read_only: bool = False) -> None:
        if durability not in DURABILITY:
            raise ConfigError(f"durability must be one of {sorted(DURABILITY)}")
        self.path = str(path)
        self.checkpointer: Checkpointer | None = None
        try:
            if read_only:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
                self._refuse_earlier_layout()
            else:
                self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._refuse_earlier_layout()
                mode = self.db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                self.db.execute(f"PRAGMA synchronous={DURABILITY[durability]}")
                if str(mode).lower() == "wal":  # not for ":memory:" databases
                    self.db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
                    self.checkpointer = Checkpointer(self.path)
                self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        except sqlite3.DatabaseError as exc:
            raise IntegrityError(f"cannot open the peer database {self.path}: {exc}") from None

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.db.close()

    def _refuse_earlier_layout(self) -> None:
        history = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'history'"
        ).fetchone()
        state_columns = {str(row[1]) for row in self.db.execute("PRAGMA table_info(state)")}
        if history is not None or (state_columns and "pos" not in state_columns):
            self.db.close()
            raise IntegrityError(
                f"{self.path} was written by an earlier pledgenet (one history row per write, values copied "
                "into world state); this version keeps each value once, in its transaction's write set: "
                "create the alliance again"
            )

    # ------------------------------------------------------------------ reads

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def tip(self) -> tuple[int, str, bytes, int] | None:
        """(height, hash, state_root_after, timestamp) of the last block, or None when empty."""
        row = self.db.execute(
            "SELECT height, hash, state_root_after, header FROM blocks ORDER BY height DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), str(row[1]), _blob(row[2]), int(json.loads(row[3])["timestamp"])

    def get(self, key: str) -> bytes | None:
        row = self.db.execute(f"SELECT {_VALUE} FROM {_LIVE} WHERE s.key = ?", (key,)).fetchone()
        return None if row is None else _blob(row[0])

    def get_entry(self, key: str) -> tuple[bytes | None, int]:
        """``(value or None, position of the key's latest version or NO_POSITION)`` in one statement."""
        row = self.db.execute(_ENTRY, (key,)).fetchone()
        if row is None:
            return None, NO_POSITION
        return (None if row[0] is None else _blob(row[0])), int(row[1])

    def range(self, prefix: str) -> list[tuple[str, bytes]]:
        rows = self.db.execute(
            f"SELECT s.key, {_VALUE} FROM {_LIVE} WHERE s.key >= ? AND s.key < ? ORDER BY s.key",
            (prefix, prefix_upper(prefix)),
        ).fetchall()
        return [(str(key), _blob(value)) for key, value in rows]

    def version_row(self, pos: int) -> tuple[bytes, str] | None:
        row = self.db.execute(
            "SELECT w.data, t.tx_id FROM writes w JOIN txs t ON t.height = ? AND t.idx = ? WHERE w.pos = ?",
            (height_of(pos), index_of(pos), pos),
        ).fetchone()
        return None if row is None else (_blob(row[0]), str(row[1]))

    def heights(self) -> list[int]:
        return [int(row[0]) for row in self.db.execute("SELECT height FROM blocks ORDER BY height")]

    def block_hash(self, height: int) -> str | None:
        row = self.db.execute("SELECT hash FROM blocks WHERE height = ?", (height,)).fetchone()
        return None if row is None else str(row[0])

    def block_row(self, height: int) -> BlockRow | None:
        """(header, signature, effects_root, state_root_after) of one block."""
        row = self.db.execute(
            "SELECT header, signature, effects_root, state_root_after FROM blocks WHERE height = ?", (height,)
        ).fetchone()
        return None if row is None else (_blob(row[0]), _blob(row[1]), _blob(row[2]), _blob(row[3]))

    def headers(self, start: int, stop: int) -> list[tuple[bytes, bytes]]:
        rows = self.db.execute(
            "SELECT header, signature FROM blocks WHERE height >= ? AND height < ? ORDER BY height",
            (start, stop),
        ).fetchall()
        return [(_blob(h), _blob(s)) for h, s in rows]

    def block_envelopes(self, height: int) -> list[bytes]:
        rows = self.db.execute("SELECT envelope FROM txs WHERE height = ? ORDER BY idx", (height,)).fetchall()
        return [_blob(row[0]) for row in rows]

    def tx_rows(self, where: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self.db.execute(
            "SELECT height, idx, tx_id, envelope, tx_type, submitter, valid, code, message, result, events"
            f" FROM txs WHERE {where}",
            params,
        ).fetchall()

    def write_set_rows(self, height: int) -> list[tuple[int, bytes]]:
        """``(position, stored write set)`` of every transaction of block ``height`` that wrote, in order."""
        rows = self.db.execute(
            "SELECT pos, data FROM writes WHERE pos >= ? AND pos < ? ORDER BY pos",
            (position(height, 0), position(height + 1, 0)),
        ).fetchall()
        return [(int(pos), _blob(data)) for pos, data in rows]

    def state_rows(self) -> set[tuple[Any, ...]]:
        """Every live key's ``(key, position, offset, length)`` as stored (``verify`` compares them raw)."""
        return set(self.db.execute("SELECT key, pos, off, len FROM state"))

    def write_set_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM writes").fetchone()[0])

    def deletions(self) -> set[tuple[Any, ...]]:
        """Every deleted key's ``(key, position of its deletion)`` as stored."""
        return set(self.db.execute("SELECT key, pos FROM deleted"))

    # ------------------------------------------------------------------ the one write path

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
        """Write one whole block atomically."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO txs (height, idx, tx_id, envelope, tx_type, submitter, valid, code, message,"
                " result, events) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                tx_rows,
            )
            if midway is not None:
                midway(height)
            db.executemany("INSERT OR REPLACE INTO state (key, pos, off, len) VALUES (?,?,?,?)", upserts)
            if deletes:
                db.executemany("DELETE FROM state WHERE key = ?", [(key,) for key, _pos in deletes])
                db.executemany("INSERT OR REPLACE INTO deleted (key, pos) VALUES (?,?)", deletes)
            db.executemany("INSERT INTO writes (pos, data) VALUES (?,?)", write_sets)
            if meta:
                db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?,?)", meta)
            db.execute(
                "INSERT INTO blocks (height, hash, header, signature, effects_root, state_root_after)"
                " VALUES (?,?,?,?,?,?)",
                (height, block_hash, header, signature, effects_root, state_root_after),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if self.checkpointer is not None:
            self.checkpointer.poke()
