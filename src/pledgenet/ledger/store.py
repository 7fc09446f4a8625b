"""A peer's block store and world state in one SQLite database.

Tables::

    meta     (name, value)                        alliance id, genesis hash
    blocks   (height, hash, header, signature, effects_root, state_root_after)
    txs      (height, idx, tx_id, envelope, tx_type, submitter, valid, code, message, result, events)
    state    (key, value, height, idx)            current value of each live key and the tx that wrote it
    history  (key, height, idx, value)            every write, nonces included (value NULL = deleted)

Each block is written in ONE SQLite transaction (``BEGIN IMMEDIATE`` .. ``COMMIT``): after a crash, even a
``kill -9`` in the middle of a block, the database holds either the whole block or none of it. The
database runs in WAL mode; ``durability="process"`` (synchronous=NORMAL) survives process crashes,
``durability="power"`` (synchronous=FULL) also survives power loss at the cost of an fsync per block.

Layout choices for write cost: ``history`` is an ordinary rowid table, so a block's rows are appended at
the end of the file rather than scattered through a B-tree ordered by key (rows carry whole values, up to
a few KiB, which SQLite stores badly in a ``WITHOUT ROWID`` tree); two small indexes serve the lookups
(by key for ``history(key)``, by height for ``verify``). Databases created before this layout keep their
``WITHOUT ROWID`` history table: every query here works on both. The page cache is raised to
``CACHE_KIB``, and WAL checkpoints run on a background thread (``ledger.checkpoint``) instead of inside
the commit that crosses SQLite's threshold; neither changes what a commit guarantees.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from pledgenet.errors import ConfigError, IntegrityError
from pledgenet.ledger.checkpoint import BACKSTOP_PAGES, Checkpointer

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    height INTEGER PRIMARY KEY, hash TEXT NOT NULL, header BLOB NOT NULL, signature BLOB NOT NULL,
    effects_root BLOB NOT NULL, state_root_after BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
    height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_id TEXT NOT NULL, envelope BLOB NOT NULL,
    tx_type TEXT NOT NULL, submitter TEXT NOT NULL, valid INTEGER NOT NULL, code TEXT NOT NULL,
    message TEXT NOT NULL, result BLOB, events BLOB, PRIMARY KEY (height, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS txs_by_id ON txs (tx_id);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY, value BLOB NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    key TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL, value BLOB);
CREATE INDEX IF NOT EXISTS history_by_height ON history (height);
"""
#: for rowid history tables only (an older WITHOUT ROWID table is already ordered by key)
HISTORY_KEY_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS history_by_key ON history (key, height, idx)"

DURABILITY = {"process": "NORMAL", "power": "FULL"}
#: SQLite page cache per connection, KiB (the default is 2,000)
CACHE_KIB = 65_536


def _blob(value: Any) -> bytes:
    """Column value as bytes (a tampered row may hold TEXT where BLOB was written; verify must see it)."""
    return value.encode() if isinstance(value, str) else bytes(value)


def prefix_upper(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix``."""
    return prefix + "\U0010ffff"


class BlockStore:
    """SQLite access for one peer. Only ``commit_block`` writes; everything else reads."""

    def __init__(self, path: Path | str, *, durability: str = "process", read_only: bool = False) -> None:
        if durability not in DURABILITY:
            raise ConfigError(f"durability must be one of {sorted(DURABILITY)}")
        self.path = str(path)
        self.checkpointer: Checkpointer | None = None
        try:
            if read_only:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
            else:
                self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                mode = self.db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                self.db.execute(f"PRAGMA synchronous={DURABILITY[durability]}")
                if str(mode).lower() == "wal":  # not for ":memory:" databases
                    self.db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
                    self.checkpointer = Checkpointer(self.path)
                self.db.executescript(SCHEMA)
                if not self._history_without_rowid():
                    self.db.execute(HISTORY_KEY_INDEX)
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        except sqlite3.DatabaseError as exc:
            raise IntegrityError(f"cannot open the peer database {self.path}: {exc}") from None

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.db.close()

    def _history_without_rowid(self) -> bool:
        row = self.db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'history'"
        ).fetchone()
        return row is not None and "WITHOUT ROWID" in str(row[0]).upper()

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
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else _blob(row[0])

    def get_versioned(self, key: str) -> tuple[bytes, int, int] | None:
        row = self.db.execute("SELECT value, height, idx FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else (_blob(row[0]), int(row[1]), int(row[2]))

    def range(self, prefix: str) -> list[tuple[str, bytes]]:
        rows = self.db.execute(
            "SELECT key, value FROM state WHERE key >= ? AND key < ? ORDER BY key",
            (prefix, prefix_upper(prefix)),
        ).fetchall()
        return [(str(key), _blob(value)) for key, value in rows]

    def history(self, key: str) -> list[tuple[int, int, str, bytes | None]]:
        rows = self.db.execute(
            "SELECT h.height, h.idx, t.tx_id, h.value FROM history h JOIN txs t"
            " ON t.height = h.height AND t.idx = h.idx WHERE h.key = ? ORDER BY h.height, h.idx",
            (key,),
        ).fetchall()
        return [(int(h), int(i), str(t), None if v is None else _blob(v)) for h, i, t, v in rows]

    def block_row(self, height: int) -> tuple[bytes, bytes, bytes, bytes] | None:
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

    def block_writes(self, height: int) -> list[tuple[str, int, bytes | None]]:
        rows = self.db.execute("SELECT key, idx, value FROM history WHERE height = ?", (height,)).fetchall()
        return [(str(k), int(i), None if v is None else _blob(v)) for k, i, v in rows]

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
        upserts: list[tuple[str, bytes, int, int]],
        deletes: list[tuple[str]],
        history_rows: list[tuple[str, int, int, bytes | None]],
        meta: list[tuple[str, str]] | None = None,
        midway: Any = None,
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
            db.executemany("INSERT OR REPLACE INTO state (key, value, height, idx) VALUES (?,?,?,?)", upserts)
            db.executemany("DELETE FROM state WHERE key = ?", deletes)
            db.executemany("INSERT INTO history (key, height, idx, value) VALUES (?,?,?,?)", history_rows)
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
