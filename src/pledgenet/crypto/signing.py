"""Ed25519 signatures on transactions and blocks, verified in batches across cores.

Verification is the ledger's bottleneck (two signatures per typical transaction), so it goes through
libsodium (PyNaCl), about twice as fast as OpenSSL through ``cryptography`` here, and a block's signatures
are spread over a process pool: every signature of a block is packed into fixed-size 128-byte records
(public key 32, signature 64, signed digest 32) so a chunk crosses the process boundary as one ``bytes``
object, and each worker answers with one byte per record. Small batches are verified inline, where a
round trip to the pool would cost more than it saves.

Every signature is over a domain-separated message ``DOMAIN || digest`` so a transaction signature can
never be replayed as a block signature and vice versa.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor

import nacl.bindings as sodium
from nacl.exceptions import BadSignatureError

TX_DOMAIN = b"pledgenet/tx/v1\x00"
BLOCK_DOMAIN = b"pledgenet/block/v1\x00"
RECORD = 128
#: below this many signatures a batch is verified in the calling process
PARALLEL_THRESHOLD = 192
#: a block's batch is cut into about this many chunks per worker, so execution can start early
CHUNKS_PER_WORKER = 2
CHUNK_MIN = 96


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` under ``public_key``."""
    if len(signature) != 64 or len(public_key) != 32:
        return False
    try:
        sodium.crypto_sign_open(signature + message, public_key)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def pack(public_key: bytes, signature: bytes, digest: bytes) -> bytes:
    """One fixed-size record; malformed sizes are packed as a record that cannot verify."""
    if len(public_key) != 32 or len(signature) != 64 or len(digest) != 32:
        return bytes(RECORD)
    return public_key + signature + digest


def verify_packed(blob: bytes, domain: bytes) -> bytes:
    """Verify every record of ``blob``; one byte per record, 1 = valid. Runs in pool workers."""
    open_signed = sodium.crypto_sign_open
    out = bytearray(len(blob) // RECORD)
    view = memoryview(blob)
    for n in range(len(out)):
        base = n * RECORD
        public_key = bytes(view[base : base + 32])
        signed = bytes(view[base + 32 : base + 96]) + domain + bytes(view[base + 96 : base + 128])
        try:
            open_signed(signed, public_key)
            out[n] = 1
        except (BadSignatureError, ValueError, TypeError):
            out[n] = 0
    return bytes(out)


def chunk_bounds(count: int, workers: int) -> list[tuple[int, int]]:
    """Record ranges of a batch: a small first chunk, so the caller can start executing the first
    transactions almost at once, then about ``CHUNKS_PER_WORKER`` equal chunks per worker."""
    first = min(count, CHUNK_MIN)
    per_chunk = max(CHUNK_MIN, -(-(count - first) // (workers * CHUNKS_PER_WORKER)))
    bounds = [(0, first)] if first else []
    bounds.extend((start, min(count, start + per_chunk)) for start in range(first, count, per_chunk))
    return bounds


class PendingVerification:
    """A batch being verified in chunks; ``verdict(n)`` waits only for the chunk holding record ``n``,
    so the caller can execute the first transactions while the pool still verifies the later ones."""

    def __init__(self, futures: list[Future[bytes]] | None = None, inline: bytes | None = None) -> None:
        self._futures = list(futures or [])
        self._done = bytearray(inline or b"")
        self._next = 0

    def verdict(self, record: int) -> bool:
        while record >= len(self._done) and self._next < len(self._futures):
            self._done += self._futures[self._next].result()
            self._next += 1
        return self._done[record] == 1

    def result(self) -> bytes:
        while self._next < len(self._futures):
            self._done += self._futures[self._next].result()
            self._next += 1
        return bytes(self._done)


#: how much lower than the peer's own thread the workers are scheduled (``nice`` increment)
WORKER_NICENESS = 10


def _lower_priority() -> None:
    """Pool workers yield the CPU to the thread that executes blocks, the critical path: on a machine with
    fewer cores than workers plus one, the signatures are checked in that thread's gaps and ahead of it,
    instead of preempting it (measured by ``bench/register_tps.py``: a few per cent on two cores)."""
    with contextlib.suppress(OSError, AttributeError):  # not every platform lets a process renice itself
        os.nice(WORKER_NICENESS)
    _die_with_parent()


def _die_with_parent() -> None:
    """On Linux a worker gets SIGTERM when the process that forked it dies (even by ``kill -9``): no
    orphan keeps running, or keeps holding what it inherited (a node's listening socket)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class BatchVerifier:
    """Verifies packed batches, in a process pool when the batch is large enough."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else max(1, os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "fork" if sys.platform.startswith("linux") else "spawn"
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context(method), initializer=_lower_priority
            )
        return self._pool

    def start(self, records: bytes, domain: bytes = TX_DOMAIN) -> PendingVerification:
        count = len(records) // RECORD
        if self.workers <= 1 or count < PARALLEL_THRESHOLD:
            return PendingVerification(inline=verify_packed(records, domain))
        pool = self._executor()
        futures = [
            pool.submit(verify_packed, records[start * RECORD : stop * RECORD], domain)
            for start, stop in chunk_bounds(count, self.workers)
        ]
        return PendingVerification(futures=futures)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_shared: BatchVerifier | None = None


def shared_verifier() -> BatchVerifier:
    """The process-wide verifier (one pool, shared by every peer in this process)."""
    global _shared
    if _shared is None:
        _shared = BatchVerifier()
        atexit.register(_shared.close)
    return _shared
