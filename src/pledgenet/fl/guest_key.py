"""Hosts check the guest's Paillier public key before computing anything under it.

A host re-randomises every ciphertext it sends back with the key's own DJN obfuscators ``h_s^x``. A guest
that chose ``h_s`` (or the exponent length) could make that a no-op: ``h_s = 1``, ``h_s`` of tiny order,
or one-bit exponents would hand the guest the host's products of its own ciphertexts, i.e. which rows sit
in which of the host's bins. :func:`check_guest_key` refuses such keys (``WeakParameters``):

* the modulus: at least 2048 bits (1024 only when the host's own job sets ``allow_small_key``), odd, not a
  prime or a perfect square;
* the exponent: at least half the modulus (the DJN length the key generator uses);
* the base: ``1 < h_s < n^2``, prime to ``n``, not ``1`` mod ``n`` (an encryption of a non-zero value
  would corrupt the host's results), and of order above ``SMALL_ORDER_BOUND``.

What it cannot check: a guest that builds ``n`` itself knows its factors and could choose a base whose
order is far smaller than the group's but above the bound (docs/protocols.md, "What remains").
"""

from __future__ import annotations

import gmpy2

from pledgenet.crypto.paillier import PaillierPublicKey
from pledgenet.errors import WeakParameters

MIN_KEY_BITS = 2048
SMALL_KEY_FLOOR = 1024  # never below this, even with allow_small_key
SMALL_ORDER_BOUND = 1024


def check_guest_key(key: PaillierPublicKey, *, allow_small_key: bool) -> None:
    """Refuse a guest key whose size, exponent length or base would weaken the hosts' re-randomisation."""
    bits = key.key_bits
    floor = SMALL_KEY_FLOOR if allow_small_key else MIN_KEY_BITS
    if bits < floor:
        hint = "" if allow_small_key else " (a smaller test key needs allow_small_key in this host's job)"
        raise WeakParameters(
            f"the guest's Paillier key has {bits} bits; this host accepts {floor} or more{hint}"
        )
    n, n_square, base = key.n, key.n_square, key.h_s
    if n % 2 == 0 or gmpy2.is_square(n) or gmpy2.is_prime(n):
        raise WeakParameters("the guest's Paillier modulus is not an RSA modulus")
    if key.short_exponent_bits < bits // 2:
        raise WeakParameters(
            f"the guest's obfuscator exponents have {key.short_exponent_bits} bits; hosts need at least "
            f"{bits // 2} (half the modulus)"
        )
    if not 1 < base < n_square or gmpy2.gcd(base, n) != 1 or base % n == 1:
        raise WeakParameters("the guest's obfuscator base is not a valid n-th residue")
    power = base
    for _ in range(SMALL_ORDER_BOUND):
        if power == 1:
            raise WeakParameters(
                "the guest's obfuscator base has a tiny order: re-randomising would hide nothing"
            )
        power = power * base % n_square
