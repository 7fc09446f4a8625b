"""Paillier key pairs: generation, raw integer encryption and CRT decryption, compact serialisation.

Written by hand because the key material is the product's own (the DJN generator ``h_s`` lives in the
public key so that any party can encrypt with fixed-base precomputation); the arithmetic is delegated to
GMP through ``gmpy2``.

Scheme: ``g = n + 1`` so ``g^m = 1 + m*n (mod n^2)``, and the randomiser follows Damgård–Jurik–Nielsen
(DJN, "A generalization of Paillier's public-key system", PKC 2001, section 4.2): with ``h = -y^2 mod n``
for a random ``y`` and ``h_s = h^n mod n^2``, the randomiser is ``h_s^x`` for a random *short* exponent
``x`` of ``short_exponent_bits`` bits (default: half the modulus, as DJN propose; see docs/protocols.md).
``h_s^x = (h^x)^n`` is an n-th power, so decryption is unchanged; semantic security rests on the
decisional composite residuosity assumption plus the hardness of telling ``h^x`` (short ``x``) from a
random element of ``<h>``.

Decryption uses the Chinese remainder theorem over ``p^2`` and ``q^2`` (two half-size exponentiations).
Keys are refused below 2048 bits unless ``allow_small_key=True`` is passed (tests only).
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import gmpy2

from pledgenet.errors import KeyMismatch, PrivacyError, ProtocolError, WeakParameters

DEFAULT_KEY_BITS = 2048
"""112-bit security (NIST SP 800-57); use 3072 for 128-bit security."""

MIN_KEY_BITS = 2048
_PUBLIC_MAGIC = b"PNPK1"
_PRIVATE_MAGIC = b"PNSK1"


def _int_to_bytes(value: Any, width: int) -> bytes:
    return int(value).to_bytes(width, "big")


def _random_below(bound: Any) -> Any:
    return gmpy2.mpz(secrets.randbelow(int(bound)))


@dataclass(frozen=True, eq=False)
class PaillierPublicKey:
    """The public half: the modulus ``n`` and the DJN fixed base ``h_s``.

    Anyone holding it can encrypt and compute on ciphertexts. ``fingerprint`` (SHA-256 over the
    serialised key) travels with every ciphertext vector so that mixing keys is caught.
    """

    n: Any
    h_s: Any
    short_exponent_bits: int
    n_square: Any = field(init=False)
    max_int: Any = field(init=False)
    key_bits: int = field(init=False)
    fingerprint: bytes = field(init=False)

    def __post_init__(self) -> None:
        n = gmpy2.mpz(self.n)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "h_s", gmpy2.mpz(self.h_s))
        object.__setattr__(self, "n_square", n * n)
        # Plaintexts in [0, max_int] are positive, in [n - max_int, n) negative, the middle is overflow.
        object.__setattr__(self, "max_int", n // 3 - 1)
        object.__setattr__(self, "key_bits", int(n.bit_length()))
        object.__setattr__(self, "fingerprint", hashlib.sha256(self.to_bytes()).digest()[:16])

    @property
    def n_bytes(self) -> int:
        return (self.key_bits + 7) // 8

    @property
    def ciphertext_bytes(self) -> int:
        """Width of one serialised ciphertext (fixed, big-endian)."""
        return 2 * self.n_bytes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PaillierPublicKey) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def check_same(self, other: PaillierPublicKey) -> None:
        """Raise ``KeyMismatch`` unless ``other`` is this key."""
        if self.fingerprint != other.fingerprint:
            raise KeyMismatch(
                f"ciphertexts under key {other.fingerprint.hex()[:12]} used with key "
                f"{self.fingerprint.hex()[:12]}"
            )

    def raw_encrypt(self, plaintext: int, obfuscator: Any) -> Any:
        """Encrypt an integer already reduced mod n with a given obfuscator ``r^n`` (no checks)."""
        return (1 + gmpy2.mpz(plaintext) * self.n) * obfuscator % self.n_square

    def to_bytes(self) -> bytes:
        """``magic | key_bits:u32 | short_exponent_bits:u32 | n | h_s`` (fixed-width big-endian)."""
        width = self.n_bytes
        return (
            _PUBLIC_MAGIC
            + struct.pack(">II", self.key_bits, self.short_exponent_bits)
            + _int_to_bytes(self.n, width)
            + _int_to_bytes(self.h_s, 2 * width)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PaillierPublicKey:
        header = len(_PUBLIC_MAGIC) + 8
        if len(data) < header or not data.startswith(_PUBLIC_MAGIC):
            raise ProtocolError("not a serialised Paillier public key")
        key_bits, short_bits = struct.unpack(">II", data[len(_PUBLIC_MAGIC) : header])
        width = (key_bits + 7) // 8
        if len(data) != header + 3 * width:
            raise ProtocolError("serialised Paillier public key has the wrong length")
        n = gmpy2.mpz(int.from_bytes(data[header : header + width], "big"))
        h_s = gmpy2.mpz(int.from_bytes(data[header + width :], "big"))
        if n.bit_length() != key_bits or not 0 < h_s < n * n or short_bits < 1:
            raise ProtocolError("serialised Paillier public key is inconsistent")
        return cls(n=n, h_s=h_s, short_exponent_bits=short_bits)


@dataclass(frozen=True, eq=False)
class PaillierPrivateKey:
    """The secret primes with the CRT constants for decryption."""

    public_key: PaillierPublicKey
    p: Any
    q: Any
    p_square: Any = field(init=False)
    q_square: Any = field(init=False)
    h_p: Any = field(init=False)
    h_q: Any = field(init=False)
    q_inverse: Any = field(init=False)

    def __post_init__(self) -> None:
        p, q = gmpy2.mpz(min(self.p, self.q)), gmpy2.mpz(max(self.p, self.q))
        if p * q != self.public_key.n:
            raise PrivacyError("the primes do not match the public modulus", code="bad_private_key")
        n = self.public_key.n
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "p_square", p * p)
        object.__setattr__(self, "q_square", q * q)
        object.__setattr__(self, "h_p", self._h_function(p, p * p, n))
        object.__setattr__(self, "h_q", self._h_function(q, q * q, n))
        object.__setattr__(self, "q_inverse", gmpy2.invert(q, p))

    @staticmethod
    def _h_function(prime: Any, prime_square: Any, n: Any) -> Any:
        g_power = gmpy2.powmod(n + 1, prime - 1, prime_square)
        return gmpy2.invert((g_power - 1) // prime, prime)

    def raw_decrypt(self, ciphertext: Any) -> Any:
        """Decrypt one ciphertext to its plaintext residue in ``[0, n)`` (CRT)."""
        p, q = self.p, self.q
        m_p = (gmpy2.powmod(ciphertext, p - 1, self.p_square) - 1) // p * self.h_p % p
        m_q = (gmpy2.powmod(ciphertext, q - 1, self.q_square) - 1) // q * self.h_q % q
        return self.crt(m_p, m_q)

    def crt(self, m_p: Any, m_q: Any) -> Any:
        """Combine residues mod p and mod q into the residue mod n (Garner)."""
        return m_q + (m_p - m_q) * self.q_inverse % self.p * self.q

    def to_bytes(self) -> bytes:
        """``magic | public key bytes | p`` (q follows from n); keep it secret."""
        width = self.public_key.n_bytes
        return _PRIVATE_MAGIC + self.public_key.to_bytes() + _int_to_bytes(self.p, width)

    @classmethod
    def from_bytes(cls, data: bytes) -> PaillierPrivateKey:
        if not data.startswith(_PRIVATE_MAGIC):
            raise ProtocolError("not a serialised Paillier private key")
        body = data[len(_PRIVATE_MAGIC) :]
        key_bits = struct.unpack(">I", body[len(_PUBLIC_MAGIC) : len(_PUBLIC_MAGIC) + 4])[0]
        width = (key_bits + 7) // 8
        public_key = PaillierPublicKey.from_bytes(body[:-width])
        p = gmpy2.mpz(int.from_bytes(body[-width:], "big"))
        if p < 2 or public_key.n % p != 0:
            raise ProtocolError("serialised Paillier private key is inconsistent")
        return cls(public_key=public_key, p=p, q=public_key.n // p)


@dataclass(frozen=True)
class PaillierKeypair:
    public_key: PaillierPublicKey
    private_key: PaillierPrivateKey


def _blum_prime(bits: int) -> Any:
    """A random prime of exactly ``bits`` bits, top two bits set, congruent to 3 mod 4."""
    while True:
        candidate = gmpy2.mpz(secrets.randbits(bits)) | (3 << (bits - 2)) | 3
        prime = gmpy2.next_prime(candidate)
        while prime % 4 != 3:
            prime = gmpy2.next_prime(prime)
        if prime.bit_length() == bits and gmpy2.is_strong_bpsw_prp(prime):
            return prime


def generate_keypair(
    key_bits: int = DEFAULT_KEY_BITS,
    *,
    short_exponent_bits: int | None = None,
    allow_small_key: bool = False,
) -> PaillierKeypair:
    """Generate a Paillier key pair with a modulus of exactly ``key_bits`` bits.

    ``short_exponent_bits`` is the DJN randomiser length (default ``key_bits // 2``, never below 224).
    Keys under 2048 bits are refused unless ``allow_small_key`` (tests only: they are not secure).
    """
    if key_bits < MIN_KEY_BITS and not allow_small_key:
        raise WeakParameters(f"Paillier keys under {MIN_KEY_BITS} bits are not secure (asked for {key_bits})")
    if key_bits < 256 or key_bits % 2:
        raise WeakParameters(f"key size {key_bits} is not an even number of bits >= 256")
    exponent_bits = key_bits // 2 if short_exponent_bits is None else short_exponent_bits
    if exponent_bits < min(224, key_bits // 2):
        raise WeakParameters(f"short exponent of {exponent_bits} bits is too short (>= 224 bits)")
    half = key_bits // 2
    while True:
        p, q = _blum_prime(half), _blum_prime(half)
        n = p * q
        # |p - q| must be large (Fermat factoring) and n exactly key_bits long.
        if p != q and n.bit_length() == key_bits and abs(p - q).bit_length() > half - 16:
            break
    y = _random_below(n - 2) + 2
    h = (-(y * y)) % n
    h_s = gmpy2.powmod(h, n, n * n)
    public_key = PaillierPublicKey(n=n, h_s=h_s, short_exponent_bits=exponent_bits)
    return PaillierKeypair(public_key, PaillierPrivateKey(public_key=public_key, p=p, q=q))
