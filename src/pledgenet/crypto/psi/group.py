"""The group operations of pledgenet's PSI: X25519 (Curve25519 Montgomery ladder) from libsodium.

Why this group: libsodium's ``crypto_scalarmult`` (X25519) is the cheapest sound prime-order-subgroup
operation it offers (about 1.5x faster than ristretto255 here). Items are hashed onto the *main* curve by
try-and-increment (SHA-512 to a field element ``u``, kept when ``u^3 + 486662 u^2 + u`` is a square mod
``p``), so every hashed point has order dividing ``8*l``. X25519 clamps scalars to multiples of 8, which
clears the cofactor: after one multiplication every point lies in the prime-order subgroup of order ``l``.

Blinding and unblinding (the OPRF ``F_b(x) = [b] H(x)``): the receiver picks a clamped scalar ``a`` whose
inverse modulo ``l`` also has a clamped representative ``s`` (``s = 0 mod 8``, ``2^254 <= s < 2^255``;
about half of all ``a`` qualify), so ``X25519(s, X25519(b, X25519(a, H))) = X25519(b, H)``.

Batches are plain byte strings of 32-byte values, so they cross process boundaries cheaply;
``BatchRunner`` spreads them over worker processes.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import gmpy2
from nacl.bindings import crypto_scalarmult
from nacl.exceptions import RuntimeError as NaclRuntimeError

from pledgenet.errors import ProtocolError

FIELD_PRIME = 2**255 - 19
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493
MONTGOMERY_A = 486662
POINT_BYTES = 32
TAG_BYTES = 16
_HASH_DOMAIN = b"pledgenet-psi-h2c-v1|"
_TAG_DOMAIN = b"pledgenet-psi-tag-v1|"
_KEY_DOMAIN = b"pledgenet-psi-key-v1|"


def hash_to_point(item: bytes) -> bytes:
    """Hash an item to the u-coordinate of a point of Curve25519 (not its twist), 32 bytes LE."""
    counter = 0
    while True:
        digest = hashlib.sha512(_HASH_DOMAIN + counter.to_bytes(2, "big") + item).digest()
        u = int.from_bytes(digest, "little") % FIELD_PRIME
        if u and gmpy2.legendre((u * u * u + MONTGOMERY_A * u * u + u) % FIELD_PRIME, FIELD_PRIME) == 1:
            return u.to_bytes(POINT_BYTES, "little")
        counter += 1


def _clamp(scalar: bytes) -> int:
    raw = bytearray(scalar)
    raw[0] &= 248
    raw[31] &= 127
    raw[31] |= 64
    return int.from_bytes(raw, "little")


def new_scalar() -> bytes:
    """A fresh secret X25519 scalar (32 bytes; clamped by X25519 itself)."""
    return secrets.token_bytes(32)


def new_blinding_pair() -> tuple[bytes, bytes]:
    """``(a, s)``: clamped scalars with ``s * a = 1 (mod l)``, to blind and then unblind."""
    inverse_of_eight = pow(8, -1, GROUP_ORDER)
    while True:
        blind = _clamp(secrets.token_bytes(32))
        unblind = 8 * (pow(blind, -1, GROUP_ORDER) * inverse_of_eight % GROUP_ORDER)
        if 2**254 <= unblind < 2**255:
            return blind.to_bytes(32, "little"), unblind.to_bytes(32, "little")


def _multiply(scalar: bytes, point: bytes) -> bytes:
    try:
        return crypto_scalarmult(scalar, point)
    except NaclRuntimeError:
        raise ProtocolError("received a small-order point") from None


def tag_of(prf_value: bytes) -> bytes:
    """The 16-byte tag compared in the intersection (a hash of ``F(x)``, never ``F(x)`` itself)."""
    return hashlib.sha256(_TAG_DOMAIN + prf_value).digest()[:TAG_BYTES]


def payload_key_of(prf_value: bytes) -> bytes:
    """The 32-byte key that encrypts the sender's payload for item ``x`` (from ``F(x)``)."""
    return hashlib.sha256(_KEY_DOMAIN + prf_value).digest()


def split_points(batch: bytes) -> list[bytes]:
    if len(batch) % POINT_BYTES:
        raise ProtocolError("a batch of points is not a whole number of 32-byte points")
    return [batch[i : i + POINT_BYTES] for i in range(0, len(batch), POINT_BYTES)]


# Batch operations (module-level so worker processes can run them).
def blind_items(job: tuple[Sequence[bytes], bytes]) -> bytes:
    """``[a] H(x)`` for each item."""
    items, scalar = job
    return b"".join(_multiply(scalar, hash_to_point(item)) for item in items)


def evaluate_points(job: tuple[bytes, bytes]) -> bytes:
    """``[b] P`` for each received point (the sender's OPRF evaluation)."""
    batch, scalar = job
    return b"".join(_multiply(scalar, point) for point in split_points(batch))


def unblind_tags(job: tuple[bytes, bytes, bool]) -> bytes:
    """Tags (and with ``with_keys`` the payload keys) of ``[s] P`` for each evaluated point."""
    batch, scalar, with_keys = job
    out = []
    for point in split_points(batch):
        value = _multiply(scalar, point)
        out.append(tag_of(value) + (payload_key_of(value) if with_keys else b""))
    return b"".join(out)


def item_tags(job: tuple[Sequence[bytes], bytes, bool]) -> bytes:
    """The sender's own tags ``tag([b] H(y))`` (and payload keys) for each item."""
    items, scalar, with_keys = job
    out = []
    for item in items:
        value = _multiply(scalar, hash_to_point(item))
        out.append(tag_of(value) + (payload_key_of(value) if with_keys else b""))
    return b"".join(out)


class BatchRunner:
    """Runs batch operations in this process (``workers=1``) or over a pool of worker processes."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self._executor: ProcessPoolExecutor | None = None

    def map(self, function: Callable[[Any], bytes], jobs: Iterator[Any] | list[Any]) -> Iterator[bytes]:
        """Results in job order."""
        if self.workers == 1:
            return (function(job) for job in jobs)
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor.map(function, jobs)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> BatchRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
