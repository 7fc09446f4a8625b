"""Shamir secret sharing over a prime field, with threshold reconstruction.

Secure aggregation shares each party's mask seed so that the server can remove the masks of parties
that drop out, provided at least ``threshold`` others answer. Written by hand because it is a dozen
lines of field arithmetic that the protocol owns; randomness comes from ``secrets``. The default field is
GF(2^521 - 1), a Mersenne prime larger than any 64-byte secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from pledgenet.errors import ShareError

DEFAULT_PRIME = 2**521 - 1


@dataclass(frozen=True)
class Share:
    """Point ``(x, y)`` of the sharing polynomial; ``x`` is the holder's index (1-based, never 0)."""

    x: int
    y: int


def split_secret(secret: int, *, threshold: int, holders: int, prime: int = DEFAULT_PRIME) -> list[Share]:
    """``holders`` shares of ``secret``; any ``threshold`` of them rebuild it, fewer reveal nothing."""
    if not 1 <= threshold <= holders:
        raise ShareError(f"threshold {threshold} must be between 1 and the {holders} holders")
    if holders >= prime:
        raise ShareError("more holders than field elements")
    if not 0 <= secret < prime:
        raise ShareError("secret must be an integer in [0, prime)")
    coefficients = [secret] + [secrets.randbelow(prime) for _ in range(threshold - 1)]
    shares = []
    for x in range(1, holders + 1):
        y = 0
        for coefficient in reversed(coefficients):
            y = (y * x + coefficient) % prime
        shares.append(Share(x, y))
    return shares


def reconstruct_secret(shares: Sequence[Share], *, threshold: int, prime: int = DEFAULT_PRIME) -> int:
    """Lagrange interpolation at 0 from the first ``threshold`` shares given."""
    if len(shares) < threshold:
        raise ShareError(f"{len(shares)} shares given, {threshold} needed")
    chosen = list(shares)[:threshold]
    xs = [share.x % prime for share in chosen]
    if len(set(xs)) != len(xs) or 0 in xs:
        raise ShareError("shares must have distinct, non-zero indices")
    secret = 0
    for i, share in enumerate(chosen):
        numerator, denominator = 1, 1
        for j, x_j in enumerate(xs):
            if i != j:
                numerator = numerator * (-x_j) % prime
                denominator = denominator * (xs[i] - x_j) % prime
        secret = (secret + share.y * numerator * pow(denominator, -1, prime)) % prime
    return secret


def split_bytes(secret: bytes, *, threshold: int, holders: int) -> list[Share]:
    """Share a byte string of at most 64 bytes (a PRG seed or key)."""
    if len(secret) > 64:
        raise ShareError("at most 64 bytes can be shared in the default field")
    return split_secret(int.from_bytes(b"\x01" + secret, "big"), threshold=threshold, holders=holders)


def reconstruct_bytes(shares: Sequence[Share], *, threshold: int) -> bytes:
    """Inverse of ``split_bytes``."""
    value = reconstruct_secret(shares, threshold=threshold)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    if not raw or raw[0] != 1:
        raise ShareError("reconstructed value is not a shared byte string (wrong or corrupt shares)")
    return raw[1:]
