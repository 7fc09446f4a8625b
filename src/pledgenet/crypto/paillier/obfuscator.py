"""Obfuscators ``r^n mod n^2`` made fast: DJN short exponents, a fixed-base table, and a process pool.

Written by hand because no maintained Python library offers DJN fixed-base randomisers; the modular
arithmetic itself is GMP's (``gmpy2``).

An obfuscator is ``h_s^x mod n^2`` for a fresh random ``x`` of ``short_exponent_bits`` bits (see
``keys``). Because the base ``h_s`` is fixed per key, we precompute, for every ``window_bits``-bit digit
position ``i`` of ``x`` and every digit value ``d``, the power ``h_s^(d * 2^(window_bits*i))``. One
obfuscator is then the product of one table entry per digit: with 1024-bit exponents and 8-bit windows,
127 modular multiplications instead of a ~1,500-multiplication exponentiation. The table for a 2048-bit
key and 8-bit windows holds 128 x 256 residues (about 17 MB).

``ObfuscatorPool`` spreads this work over worker processes (one table per worker) and keeps a stock of
obfuscators computed ahead of need, so that encryption in the caller costs one multiplication.
Each obfuscator is handed out once and then dropped: reusing one would link two ciphertexts.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import gmpy2

from pledgenet.crypto.paillier.keys import PaillierPublicKey

DEFAULT_WINDOW_BITS = 8
TASK_SIZE = 256


class FixedBaseTable:
    """Powers of one base ``h_s`` for windowed fixed-base exponentiation modulo ``n^2``."""

    def __init__(self, base: Any, modulus: Any, exponent_bits: int, window_bits: int = DEFAULT_WINDOW_BITS):
        if not 1 <= window_bits <= 12:
            raise ValueError("window_bits must be between 1 and 12")
        self.modulus = gmpy2.mpz(modulus)
        self.exponent_bits = exponent_bits
        self.window_bits = window_bits
        self.windows = -(-exponent_bits // window_bits)
        size = 1 << window_bits
        rows: list[list[Any]] = []
        row_base = gmpy2.mpz(base) % self.modulus
        for _ in range(self.windows):
            row = [gmpy2.mpz(1), row_base]
            for _ in range(size - 2):
                row.append(row[-1] * row_base % self.modulus)
            rows.append(row)
            row_base = row[-1] * row_base % self.modulus  # base^(2^window_bits) for the next digit
        self.rows = rows

    def power(self, exponent: int) -> Any:
        """``base^exponent mod modulus`` for ``0 <= exponent < 2^exponent_bits``."""
        mask = (1 << self.window_bits) - 1
        modulus = self.modulus
        result = gmpy2.mpz(1)
        for row in self.rows:
            digit = exponent & mask
            if digit:
                result = result * row[digit] % modulus
            exponent >>= self.window_bits
        return result

    def random_powers(self, count: int) -> list[Any]:
        """``count`` obfuscators ``base^x`` with fresh uniformly random ``x`` of ``exponent_bits`` bits."""
        return [self.power(secrets.randbits(self.exponent_bits)) for _ in range(count)]


_TABLE_CACHE: dict[tuple[bytes, int], FixedBaseTable] = {}


def table_for(public_key: PaillierPublicKey, window_bits: int = DEFAULT_WINDOW_BITS) -> FixedBaseTable:
    """The fixed-base table of a key, built once per process and cached (a few tenths of a second)."""
    cache_key = (public_key.fingerprint, window_bits)
    table = _TABLE_CACHE.get(cache_key)
    if table is None:
        if len(_TABLE_CACHE) >= 4:
            _TABLE_CACHE.pop(next(iter(_TABLE_CACHE)))
        table = FixedBaseTable(
            public_key.h_s, public_key.n_square, public_key.short_exponent_bits, window_bits
        )
        _TABLE_CACHE[cache_key] = table
    return table


_WORKER_TABLE: FixedBaseTable | None = None


def _worker_init(h_s: int, n_square: int, exponent_bits: int, window_bits: int) -> None:
    global _WORKER_TABLE
    _WORKER_TABLE = FixedBaseTable(h_s, n_square, exponent_bits, window_bits)


def _worker_make(count: int) -> list[Any]:
    assert _WORKER_TABLE is not None, "worker table not initialised"
    return _WORKER_TABLE.random_powers(count)


class ObfuscatorPool:
    """A stock of fresh obfuscators for one public key, refilled in worker processes ahead of need.

    ``workers=1`` computes in the calling process (no subprocesses). Use as a context manager or call
    ``close()``. ``take(k)`` returns ``k`` never-used obfuscators; ``refill(k)`` asks the workers to
    prepare ``k`` more in the background while the caller does other work.
    """

    def __init__(
        self,
        public_key: PaillierPublicKey,
        *,
        workers: int | None = None,
        window_bits: int = DEFAULT_WINDOW_BITS,
        stock: int = 0,
    ) -> None:
        self.public_key = public_key
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.window_bits = window_bits
        self._ready: deque[Any] = deque()
        self._pending: deque[Future[list[Any]]] = deque()
        self._executor: ProcessPoolExecutor | None = None
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(
                    int(public_key.h_s),
                    int(public_key.n_square),
                    public_key.short_exponent_bits,
                    window_bits,
                ),
            )
        if stock:
            self.refill(stock)

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

    def refill(self, count: int) -> None:
        """Start computing ``count`` more obfuscators in the background (in-process: right away)."""
        if self._executor is None:
            self._ready.extend(table_for(self.public_key, self.window_bits).random_powers(count))
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
