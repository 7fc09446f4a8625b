"""Obfuscators ``h_s^x mod n^2`` made fast: DJN short exponents, fixed-base tables, and a process pool.

An obfuscator is ``h_s^x mod n^2`` for a fresh random ``x`` of ``short_exponent_bits`` bits (see ``keys``).
The tables live in ``fixed_base``: ``table_for`` gives the public one (anyone holding the public key) and
``owner_table_for`` the key owner's CRT one (same values, about 1.5x faster; needs the private key). The
table for a 2048-bit key and 8-bit windows holds 128 x 256 residues (about 17 MB); the owner's two
half-size tables together take the same.

``ObfuscatorPool`` spreads this work over worker processes (one table per worker) and keeps a stock of
obfuscators computed ahead of need, so that encryption in the caller costs one multiplication. Built with
``private_key=`` (the party encrypting under its own key, e.g. the guest of vertical federated learning)
its workers use the owner's CRT table; then ``p`` and ``q`` are sent to the worker processes (local,
spawned by this process). Each obfuscator is handed out once and then dropped: reusing one would link
two ciphertexts.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from pledgenet.crypto.paillier.fixed_base import DEFAULT_WINDOW_BITS, CrtFixedBaseTable, FixedBaseTable
from pledgenet.crypto.paillier.keys import PaillierPrivateKey, PaillierPublicKey

__all__ = [
    "DEFAULT_WINDOW_BITS",
    "CrtFixedBaseTable",
    "FixedBaseTable",
    "ObfuscatorPool",
    "owner_table_for",
    "table_for",
]

TASK_SIZE = 256
_CACHE_SIZE = 4

_TABLE_CACHE: dict[tuple[bytes, int], FixedBaseTable] = {}
_OWNER_CACHE: dict[tuple[bytes, int], CrtFixedBaseTable] = {}


def table_for(public_key: PaillierPublicKey, window_bits: int = DEFAULT_WINDOW_BITS) -> FixedBaseTable:
    """The fixed-base table of a key, built once per process and cached (a few tenths of a second)."""
    cache_key = (public_key.fingerprint, window_bits)
    table = _TABLE_CACHE.get(cache_key)
    if table is None:
        if len(_TABLE_CACHE) >= _CACHE_SIZE:
            _TABLE_CACHE.pop(next(iter(_TABLE_CACHE)))
        table = FixedBaseTable(
            public_key.h_s, public_key.n_square, public_key.short_exponent_bits, window_bits
        )
        _TABLE_CACHE[cache_key] = table
    return table


def owner_table_for(
    private_key: PaillierPrivateKey, window_bits: int = DEFAULT_WINDOW_BITS
) -> CrtFixedBaseTable:
    """The key owner's CRT table (mod ``p^2`` and ``q^2``), built once per process and cached."""
    public_key = private_key.public_key
    cache_key = (public_key.fingerprint, window_bits)
    table = _OWNER_CACHE.get(cache_key)
    if table is None:
        if len(_OWNER_CACHE) >= _CACHE_SIZE:
            _OWNER_CACHE.pop(next(iter(_OWNER_CACHE)))
        table = CrtFixedBaseTable(
            public_key.h_s, private_key.p, private_key.q, public_key.short_exponent_bits, window_bits
        )
        _OWNER_CACHE[cache_key] = table
    return table


_WORKER_TABLE: FixedBaseTable | CrtFixedBaseTable | None = None


def _worker_init(h_s: int, n_square: int, exponent_bits: int, window_bits: int) -> None:
    global _WORKER_TABLE
    _WORKER_TABLE = FixedBaseTable(h_s, n_square, exponent_bits, window_bits)


def _owner_worker_init(h_s: int, p: int, q: int, exponent_bits: int, window_bits: int) -> None:
    global _WORKER_TABLE
    _WORKER_TABLE = CrtFixedBaseTable(h_s, p, q, exponent_bits, window_bits)


def _worker_make(count: int) -> list[Any]:
    assert _WORKER_TABLE is not None, "worker table not initialised"
    return _WORKER_TABLE.random_powers(count)


class ObfuscatorPool:
    """A stock of fresh obfuscators for one public key, refilled in worker processes ahead of need.

    ``workers=1`` computes in the calling process (no subprocesses). Use as a context manager or call
    ``close()``. ``take(k)`` returns ``k`` never-used obfuscators; ``refill(k)`` asks the workers to
    prepare ``k`` more in the background while the caller does other work. Pass ``private_key`` when the
    caller owns the key: the obfuscators are then computed by CRT (same values, faster); a private key of
    another key pair raises ``KeyMismatch`` before anything starts.
    """

    def __init__(
        self,
        public_key: PaillierPublicKey,
        *,
        private_key: PaillierPrivateKey | None = None,
        workers: int | None = None,
        window_bits: int = DEFAULT_WINDOW_BITS,
        stock: int = 0,
    ) -> None:
        if private_key is not None:
            public_key.check_same(private_key.public_key)
        self.public_key = public_key
        self._private_key = private_key
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.window_bits = window_bits
        self._ready: deque[Any] = deque()
        self._pending: deque[Future[list[Any]]] = deque()
        self._executor: ProcessPoolExecutor | None = None
        if self.workers > 1:
            context = multiprocessing.get_context("spawn")
            exponent_bits = public_key.short_exponent_bits
            if private_key is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_worker_init,
                    initargs=(int(public_key.h_s), int(public_key.n_square), exponent_bits, window_bits),
                )
            else:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_owner_worker_init,
                    initargs=(
                        int(public_key.h_s),
                        int(private_key.p),
                        int(private_key.q),
                        exponent_bits,
                        window_bits,
                    ),
                )
        if stock:
            self.refill(stock)

    @property
    def key_owner(self) -> bool:
        """Whether obfuscators come from the key owner's CRT table."""
        return self._private_key is not None

    def __enter__(self) -> ObfuscatorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers and forget every unused obfuscator."""
        if self._executor is not None:
            for future in self._pending:
                future.cancel()
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._pending.clear()
        self._ready.clear()

    @property
    def available(self) -> int:
        """Obfuscators ready now (not counting those still being computed)."""
        return len(self._ready)

    def _local_table(self) -> FixedBaseTable | CrtFixedBaseTable:
        if self._private_key is not None:
            return owner_table_for(self._private_key, self.window_bits)
        return table_for(self.public_key, self.window_bits)

    def refill(self, count: int) -> None:
        """Start computing ``count`` more obfuscators in the background (in-process: right away)."""
        if self._executor is None:
            self._ready.extend(self._local_table().random_powers(count))
            return
        while count > 0:
            size = min(TASK_SIZE, max(1, -(-count // self.workers)))
            self._pending.append(self._executor.submit(_worker_make, size))
            count -= size

    def take(self, count: int) -> list[Any]:
        """``count`` fresh obfuscators, each handed out once."""
        while len(self._ready) < count and self._pending:
            self._ready.extend(self._pending.popleft().result())
        missing = count - len(self._ready)
        if missing > 0:
            self.refill(missing)
            while self._pending:
                self._ready.extend(self._pending.popleft().result())
        return [self._ready.popleft() for _ in range(count)]
