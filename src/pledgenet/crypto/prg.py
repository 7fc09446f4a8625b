"""A cryptographic pseudo-random generator for masks and shuffles: ChaCha20 (RFC 8439) keystream.

Secure aggregation needs both parties of a pair to expand one shared 32-byte seed into the same long
mask; shuffles need permutations nobody can predict. numpy's generators (Mersenne Twister, PCG) are not
cryptographic and must never be used for either. The keystream comes from ``cryptography`` (OpenSSL);
this module only fixes the layout: a 32-byte seed, a 12-byte stream label (nonce) and a 32-bit block
counter starting at 0, so that one seed can feed several independent streams (one per round or tensor).
"""

from __future__ import annotations

import hashlib
import secrets
import struct

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from pledgenet.errors import PrivacyError

SEED_BYTES = 32


def chacha20_keystream(key: bytes, nonce: bytes, counter: int, length: int) -> bytes:
    """Raw ChaCha20 keystream (RFC 8439 layout: 32-bit little-endian counter, 96-bit nonce)."""
    if len(key) != 32 or len(nonce) != 12 or not 0 <= counter < 2**32:
        raise PrivacyError(
            "ChaCha20 needs a 32-byte key, a 12-byte nonce and a 32-bit counter", code="bad_prg"
        )
    cipher = Cipher(algorithms.ChaCha20(key, struct.pack("<I", counter) + nonce), mode=None)
    return cipher.encryptor().update(bytes(length))


class Prg:
    """Deterministic random stream from a secret 32-byte ``seed`` and a public ``label``.

    The same seed and label always give the same stream (both ends of a pairwise mask agree); different
    labels give independent streams. ``Prg.fresh()`` draws a seed from the operating system.
    """

    def __init__(self, seed: bytes, label: bytes = b"") -> None:
        if len(seed) != SEED_BYTES:
            raise PrivacyError(f"a PRG seed is {SEED_BYTES} bytes, got {len(seed)}", code="bad_prg")
        self._key = seed
        self._nonce = hashlib.sha256(b"pledgenet-prg-label|" + label).digest()[:12]
        self._cipher = Cipher(algorithms.ChaCha20(seed, bytes(4) + self._nonce), mode=None).encryptor()
        self._used = 0

    @classmethod
    def fresh(cls, label: bytes = b"") -> Prg:
        return cls(secrets.token_bytes(SEED_BYTES), label)

    def random_bytes(self, length: int) -> bytes:
        """The next ``length`` bytes of the stream."""
        self._used += length
        if self._used > 64 * 2**32:
            raise PrivacyError("PRG stream exhausted (256 GiB); use another label", code="bad_prg")
        return self._cipher.update(bytes(length))

    def uint64(self, count: int) -> np.ndarray:
        """``count`` uniform 64-bit unsigned integers (masks in the ring Z_2^64)."""
        return np.frombuffer(self.random_bytes(8 * count), dtype="<u8").astype(np.uint64)

    def ring_mask(self, count: int, bits: int) -> np.ndarray:
        """``count`` uniform integers modulo ``2^bits`` (``bits <= 64``), as uint64."""
        if not 1 <= bits <= 64:
            raise PrivacyError("ring masks have 1 to 64 bits", code="bad_prg")
        values = self.uint64(count)
        return values if bits == 64 else values & np.uint64((1 << bits) - 1)

    def below(self, count: int, modulus: int) -> list[int]:
        """``count`` uniform integers in ``[0, modulus)`` (rejection sampling: no modulo bias)."""
        if modulus < 1:
            raise PrivacyError("modulus must be positive", code="bad_prg")
        bits = max(1, (modulus - 1).bit_length())
        width = (bits + 7) // 8
        excess = 8 * width - bits
        values: list[int] = []
        while len(values) < count:
            chunk = self.random_bytes(width * max(16, 2 * (count - len(values))))
            for start in range(0, len(chunk), width):
                candidate = int.from_bytes(chunk[start : start + width], "big") >> excess
                if candidate < modulus:
                    values.append(candidate)
                    if len(values) == count:
                        break
        return values

    def permutation(self, size: int) -> np.ndarray:
        """A uniformly random permutation of ``range(size)`` (sorting by 128 random bits)."""
        high = self.uint64(size)
        low = self.uint64(size)
        return np.lexsort((low, high)).astype(np.int64)
