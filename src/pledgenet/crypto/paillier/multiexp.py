"""Products of powers ``prod b_i^(e_i) mod N`` with Pippenger's bucket method.

Written by hand because it is the inner loop of "encrypted vector times plaintext matrix" (hetero LR
gradients) and no Python library offers it for big-integer moduli. With ``N`` terms of ``B``-bit exponents
and ``w``-bit windows it costs about ``B/w * (N + 2^(w+1))`` modular multiplications instead of
``1.5 * B * N`` for separate exponentiations. Negative exponents are handled by one inversion of the
product of the negative part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gmpy2

_SMALL = 4


def _best_window(terms: int, bits: int) -> int:
    best, best_cost = 1, float("inf")
    for window in range(1, 17):
        cost = -(-bits // window) * (terms + (2 << window)) + bits
        if cost < best_cost:
            best, best_cost = window, cost
    return best


def _multi_power_positive(bases: Sequence[Any], exponents: Sequence[int], modulus: Any) -> Any:
    if len(bases) <= _SMALL:
        product = gmpy2.mpz(1)
        for base, exponent in zip(bases, exponents, strict=True):
            product = product * gmpy2.powmod(base, exponent, modulus) % modulus
        return product
    bits = max(int(e).bit_length() for e in exponents)
    window = _best_window(len(bases), bits)
    mask = (1 << window) - 1
    windows = -(-bits // window)
    result: Any = None
    for index in reversed(range(windows)):
        shift = index * window
        buckets: list[Any] = [None] * (mask + 1)
        for base, exponent in zip(bases, exponents, strict=True):
            digit = (exponent >> shift) & mask
            if digit:
                bucket = buckets[digit]
                buckets[digit] = base if bucket is None else bucket * base % modulus
        running: Any = None
        window_total: Any = None
        for digit in range(mask, 0, -1):
            bucket = buckets[digit]
            if bucket is not None:
                running = bucket if running is None else running * bucket % modulus
            if running is not None:
                window_total = running if window_total is None else window_total * running % modulus
        if result is not None:
            result = gmpy2.powmod(result, 1 << window, modulus)
        if window_total is not None:
            result = window_total if result is None else result * window_total % modulus
    return gmpy2.mpz(1) if result is None else result


def multi_power(bases: Sequence[Any], exponents: Sequence[int], modulus: Any) -> Any:
    """``prod bases[i]^exponents[i] mod modulus``; exponents may be negative (bases must be invertible)."""
    positive_bases, positive_exponents, negative_bases, negative_exponents = [], [], [], []
    for base, exponent in zip(bases, exponents, strict=True):
        if exponent > 0:
            positive_bases.append(base)
            positive_exponents.append(int(exponent))
        elif exponent < 0:
            negative_bases.append(base)
            negative_exponents.append(-int(exponent))
    result = gmpy2.mpz(1)
    if positive_bases:
        result = _multi_power_positive(positive_bases, positive_exponents, modulus)
    if negative_bases:
        negative = _multi_power_positive(negative_bases, negative_exponents, modulus)
        result = result * gmpy2.invert(negative, modulus) % modulus
    return result
