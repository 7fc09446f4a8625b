"""A peer's block store and world state in a PostgreSQL database (``psycopg`` 3), beside SQLite.

Same tables and columns as the SQLite backend (``ledger.store.sqlite``), with PostgreSQL types (``BYTEA``,
``BIGINT``) and the keys of ``state`` and ``deleted`` in the ``"C"`` collation, so keys sort by their
UTF-8 bytes exactly as SQLite's ``TEXT`` does and a prefix scan yields the same sequence on both.

Guarantees, as SQLite's: each block is written in ONE database transaction (``commit_block``); if the
peer process dies in the middle (``kill -9``), the server sees the connection drop and rolls the
transaction back, so the database holds the whole block or none of it. ``durability="process"`` commits
with ``synchronous_commit = off`` (a crash of the *server* may lose the last few committed blocks, never
half of one: the peer then fetches them again), ``"power"`` with ``synchronous_commit = on`` (a commit
returns after the server's WAL flush). One database serves one peer: a writable store holds a session
advisory lock, and a second writer is refused with a clear error.

The location is a libpq URL (``postgresql://user@host:port/dbname``); the password, if any, comes from
the environment (``PGPASSWORD``) or a ``.pgpass`` file, never from pledgenet's files.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import psycopg

from pledgenet.errors import ConfigError, IntegrityError
from pledgenet.ledger.store.base import BlockRow, Store, prefix_upper
from pledgenet.ledger.writeset import NO_POSITION, height_of, index_of, position

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS blocks (height BIGINT PRIMARY KEY, hash TEXT NOT NULL, header BYTEA NOT NULL,"
    " signature BYTEA NOT NULL, effects_root BYTEA NOT NULL, state_root_after BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS txs (height BIGINT NOT NULL, idx INTEGER NOT NULL, tx_id TEXT NOT NULL,"
    " envelope BYTEA NOT NULL, tx_type TEXT NOT NULL, submitter TEXT NOT NULL, valid INTEGER NOT NULL,"
    " code TEXT NOT NULL, message TEXT NOT NULL, result BYTEA, events BYTEA, PRIMARY KEY (height, idx))",
    "CREATE INDEX IF NOT EXISTS txs_by_id ON txs (tx_id)",
    'CREATE TABLE IF NOT EXISTS state (key TEXT COLLATE "C" PRIMARY KEY, pos BIGINT NOT NULL,'
    " off INTEGER NOT NULL, len INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS writes (pos BIGINT PRIMARY KEY, data BYTEA NOT NULL)",
    'CREATE TABLE IF NOT EXISTS deleted (key TEXT COLLATE "C" PRIMARY KEY, pos BIGINT NOT NULL)',
]
_VALUE = "substring(w.data FROM s.off + 1 FOR s.len)"
_LIVE = "state s JOIN writes w ON w.pos = s.pos"
_ENTRY = (
    f"SELECT {_VALUE}, s.pos, 0 AS pref FROM {_LIVE} WHERE s.key = %(k)s"
    " UNION ALL SELECT NULL, pos, 1 FROM deleted WHERE key = %(k)s ORDER BY pref LIMIT 1"
)
DURABILITY = {"process": "off", "power": "on"}
#: the session advisory lock that makes one peer the only writer of its database ("pledgenet" in ASCII)
WRITER_LOCK = 0x706C65646765


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def _redacted(url: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    user, host, port, name = (info.get(part, "") for part in ("user", "host", "port", "dbname"))
    return f"postgresql://{user}@{host}:{port}/{name}"


class PostgresStore(Store):
    """PostgreSQL access for one peer. Only ``commit_block`` writes; everything else reads."""

    def __init__(self, url: str, *, durability: str = "process", read_only: bool = False) -> None:
        if durability not in DURABILITY:
            raise ConfigError(f"durability must be one of {sorted(DURABILITY)}")
        self.path = _redacted(url)
        try:
            self.db = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise IntegrityError(f"cannot open the peer database {self.path}: {exc}") from None
        try:
            if read_only:
                self.db.execute("SET default_transaction_read_only = on")
            else:
                locked = self.db.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK,)).fetchone()
                if not (locked and locked[0]):
                    raise ConfigError(f"{self.path} is already open for writing by another peer")
                self.db.execute(f"SET synchronous_commit = {DURABILITY[durability]}")
                with self.db.transaction():
                    for statement in SCHEMA:
                        self.db.execute(statement)
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.db.close()

    def _all(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Any = ()) -> tuple[Any, ...] | None:
        return self.db.execute(sql, params).fetchone()

    # ------------------------------------------------------------------ reads

    def meta(self, name: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE name = %s", (name,))
        return None if row is None else str(row[0])

    def tip(self) -> tuple[int, str, bytes, int] | None:
        row = self._one(
            "SELECT height, hash, state_root_after, header FROM blocks ORDER BY height DESC LIMIT 1"
        )
        if row is None:
            return None
        return int(row[0]), str(row[1]), bytes(row[2]), int(json.loads(bytes(row[3]))["timestamp"])

    def heights(self) -> list[int]:
        return [int(row[0]) for row in self._all("SELECT height FROM blocks ORDER BY height")]

    def block_hash(self, height: int) -> str | None:
        row = self._one("SELECT hash FROM blocks WHERE height = %s", (height,))
        return None if row is None else str(row[0])

    def get(self, key: str) -> bytes | None:
        row = self._one(f"SELECT {_VALUE} FROM {_LIVE} WHERE s.key = %s", (key,))
        return None if row is None else bytes(row[0])

    def get_entry(self, key: str) -> tuple[bytes | None, int]:
        row = self._one(_ENTRY, {"k": key})
        if row is None:
            return None, NO_POSITION
        return (None if row[0] is None else bytes(row[0])), int(row[1])

    def range(self, prefix: str) -> list[tuple[str, bytes]]:
        rows = self._all(
            f"SELECT s.key, {_VALUE} FROM {_LIVE} WHERE s.key >= %s AND s.key < %s ORDER BY s.key",
            (prefix, prefix_upper(prefix)),
        )
        return [(str(key), bytes(value)) for key, value in rows]

    def version_row(self, pos: int) -> tuple[bytes, str] | None:
        row = self._one(
            "SELECT w.data, t.tx_id FROM writes w JOIN txs t ON t.height = %s AND t.idx = %s"
            " WHERE w.pos = %s",
            (height_of(pos), index_of(pos), pos),
        )
        return None if row is None else (bytes(row[0]), str(row[1]))

    def block_row(self, height: int) -> BlockRow | None:
        row = self._one(
            "SELECT header, signature, effects_root, state_root_after FROM blocks WHERE height = %s",
            (height,),
        )
        return None if row is None else (bytes(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3]))

    def headers(self, start: int, stop: int) -> list[tuple[bytes, bytes]]:
        rows = self._all(
            "SELECT header, signature FROM blocks WHERE height >= %s AND height < %s ORDER BY height",
            (start, stop),
        )
        return [(bytes(h), bytes(s)) for h, s in rows]

    def block_envelopes(self, height: int) -> list[bytes]:
        rows = self._all("SELECT envelope FROM txs WHERE height = %s ORDER BY idx", (height,))
        return [bytes(row[0]) for row in rows]

    def tx_rows(self, where: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        rows = self._all(
            "SELECT height, idx, tx_id, envelope, tx_type, submitter, valid, code, message, result, events"
            " FROM txs WHERE " + where.replace("?", "%s"),
            params,
        )
        return [
            (*row[:3], bytes(row[3]), *row[4:9], _maybe_bytes(row[9]), _maybe_bytes(row[10])) for row in rows
        ]

    def write_set_rows(self, height: int) -> list[tuple[int, bytes]]:
        rows = self._all(
            "SELECT pos, data FROM writes WHERE pos >= %s AND pos < %s ORDER BY pos",
            (position(height, 0), position(height + 1, 0)),
        )
        return [(int(pos), bytes(data)) for pos, data in rows]

    def state_rows(self) -> set[tuple[Any, ...]]:
        return set(self._all("SELECT key, pos, off, len FROM state"))

    def write_set_count(self) -> int:
        row = self._one("SELECT count(*) FROM writes")
        return 0 if row is None else int(row[0])

    def deletions(self) -> set[tuple[Any, ...]]:
        return set(self._all("SELECT key, pos FROM deleted"))

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
        """Write one whole block atomically: one PostgreSQL transaction."""
        with self.db.transaction(), self.db.cursor() as cur:
            cur.executemany(
                "INSERT INTO txs (height, idx, tx_id, envelope, tx_type, submitter, valid, code, message,"
                " result, events) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                tx_rows,
            )
            if midway is not None:
                midway(height)
            if upserts:
                cur.executemany(
                    "INSERT INTO state (key, pos, off, len) VALUES (%s,%s,%s,%s) ON CONFLICT (key) DO UPDATE"
                    " SET pos = EXCLUDED.pos, off = EXCLUDED.off, len = EXCLUDED.len",
                    upserts,
                )
            if deletes:
                cur.execute("DELETE FROM state WHERE key = ANY(%s)", ([key for key, _pos in deletes],))
                cur.executemany(
                    "INSERT INTO deleted (key, pos) VALUES (%s,%s) ON CONFLICT (key) DO UPDATE"
                    " SET pos = EXCLUDED.pos",
                    deletes,
                )
            if write_sets:
                cur.executemany("INSERT INTO writes (pos, data) VALUES (%s,%s)", write_sets)
            if meta:
                cur.executemany(
                    "INSERT INTO meta (name, value) VALUES (%s,%s) ON CONFLICT (name) DO UPDATE"
                    " SET value = EXCLUDED.value",
                    meta,
                )
            cur.execute(
                "INSERT INTO blocks (height, hash, header, signature, effects_root, state_root_after)"
                " VALUES (%s,%s,%s,%s,%s,%s)",
                (height, block_hash, header, signature, effects_root, state_root_after),
            )


def _maybe_bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)
