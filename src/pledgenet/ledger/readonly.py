"""Opening a peer database read-only, also where nothing may be written (an auditor's read-only mount).

A peer database runs in WAL mode, and SQLite reads a WAL database through a shared-memory index in a
``-shm`` file beside it, which it must be able to create or write. On a read-only copy a plain
``mode=ro`` open therefore fails with "unable to open database file" although every byte is readable.
So, when that open fails for want of write access:

* without a ``-wal`` file (or with an empty one) every committed block is in the main file, and SQLite
  may read it as ``immutable=1``: no ``-shm``, no locks;
* with a non-empty ``-wal`` file (copied while a peer was running, or after a crash) the blocks it holds
  would be missed that way, so the database and its WAL are copied into a private temporary folder and
  read there; the copy is deleted on close.

``unreadable`` tells an I/O or access problem (the file cannot be read: permissions, a lock, a disk error)
from damage (the bytes are read and are not a database, or not ours): only damage says anything about the
ledger's integrity.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

#: primary SQLite result codes that say the file could not be read, not that its content is bad
_IO_CODES = {
    3: "SQLITE_PERM",
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    7: "SQLITE_NOMEM",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
    15: "SQLITE_PROTOCOL",
    23: "SQLITE_AUTH",
}


def unreadable(error: sqlite3.Error) -> bool:
    """True when ``error`` is an I/O or access problem rather than a damaged or foreign database."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _IO_CODES


class ReadOnlyDatabase:
    """A read-only connection to a database file, with the temporary copy it may need."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._copy_dir: str | None = None
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return _checked(f"{self.path.absolute().as_uri()}?mode=ro")
        except sqlite3.Error as error:
            if not unreadable(error) or not self.path.is_file():
                raise
        wal = Path(f"{self.path}-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            return _checked(f"{self.path.absolute().as_uri()}?mode=ro&immutable=1")
        self._copy_dir = tempfile.mkdtemp(prefix="pledgenet-read-")
        try:
            copy = Path(self._copy_dir) / self.path.name
            shutil.copyfile(self.path, copy)
            shutil.copyfile(wal, f"{copy}-wal")
            return _checked(f"{copy.absolute().as_uri()}?mode=ro")
        except BaseException:
            shutil.rmtree(self._copy_dir, ignore_errors=True)
            self._copy_dir = None
            raise

    def close(self) -> None:
        self.db.close()
        if self._copy_dir is not None:
            shutil.rmtree(self._copy_dir, ignore_errors=True)
            self._copy_dir = None


def _checked(uri: str) -> sqlite3.Connection:
    """Connect and read the schema (SQLite opens lazily: a file it cannot open fails only here)."""
    db = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        db.close()
        raise
    return db
