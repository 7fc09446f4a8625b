"""WAL checkpoints on a background thread, so a block's commit never waits for one.

In WAL mode a commit appends the changed pages to the write-ahead log; a *checkpoint* later copies them
into the database file. SQLite runs one automatically inside the commit that crosses its threshold, and
with the register's random writes (a holding here, a registration there, every page of a B-tree touched
once) that checkpoint copies thousands of pages while the peer waits: measured here, about as long as
executing the block's transactions. ``Checkpointer`` moves that copy to a thread with its own connection.
SQLite releases the GIL while it works, so on a machine with a second core the copy runs beside the
execution of the next block.

Guarantees are SQLite's and unchanged: a checkpoint never touches uncommitted data, never blocks the
writer (``PASSIVE``), and a crash in the middle of one is repaired from the log at the next open. The
writer's own automatic checkpoint stays on at a high threshold (``BACKSTOP_PAGES``) as a backstop, so the
log cannot grow without bound if this thread falls behind.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

#: the writer's own automatic checkpoint, only reached when the background thread falls far behind
BACKSTOP_PAGES = 65_536


class Checkpointer:
    """One thread per writable database; ``poke`` after each commit, ``close`` before closing the store."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._progress = threading.Condition()
        self._requested = 0
        self._done = 0
        #: checkpoints run and the last error met (a failed checkpoint only delays the copy)
        self.runs = 0
        self.last_error: str | None = None

    def poke(self) -> None:
        """A block was committed: start the thread on first use, then let it copy the new pages."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pledgenet-checkpoint", daemon=True)
            self._thread.start()
        with self._progress:
            self._requested += 1
        self._wake.set()

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until every commit poked so far has been checkpointed (benchmarks charge the copy here)."""
        if self._thread is None:
            return
        with self._progress:
            target = self._requested
            self._progress.wait_for(lambda: self._done >= target or self._stop, timeout)

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=True)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                with self._progress:
                    target = self._requested
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.runs += 1
                except sqlite3.Error as exc:  # busy or I/O: the next commit pokes again
                    self.last_error = str(exc)
                with self._progress:
                    self._done = target
                    self._progress.notify_all()
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    def close(self) -> None:
        if self._thread is not None:
            with self._progress:
                self._stop = True
                self._progress.notify_all()
            self._wake.set()
            self._thread.join()
            self._thread = None
