"""Encrypt numpy arrays into ``EncryptedVector`` and decrypt them back (batched, over all cores).

Encryption costs one modular multiplication per value once the obfuscators exist; obfuscators come from
an ``ObfuscatorPool`` (worker processes, computed ahead of need) or, without a pool, from a fixed-base
table in this process. The party that owns the key passes ``private_key=`` (or a pool built with it):
its obfuscators are then computed by CRT mod ``p^2`` and ``q^2``, the same values as the public path
gives, about 1.5x faster. Decryption (``decryption``) uses CRT, or a verified single-prime path when the
declared bound of a vector keeps its plaintexts below ``p/2``; ``gmpy2.powmod_base_list`` releases the
GIL, so a batch is split over threads, one per core.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from pledgenet.crypto.paillier.decryption import decrypt_residues
from pledgenet.crypto.paillier.encoding import FixedPointCodec, decode_integers, from_residue
from pledgenet.crypto.paillier.keys import PaillierPrivateKey, PaillierPublicKey
from pledgenet.crypto.paillier.obfuscator import ObfuscatorPool, owner_table_for, table_for
from pledgenet.crypto.paillier.packing import PackingLayout
from pledgenet.crypto.paillier.vector import CompressedVector, EncryptedVector
from pledgenet.errors import EncodingOverflow


def _check_keys(
    public_key: PaillierPublicKey, pool: ObfuscatorPool | None, private_key: PaillierPrivateKey | None
) -> None:
    if private_key is not None:
        public_key.check_same(private_key.public_key)
    if pool is not None:
        public_key.check_same(pool.public_key)


def _obfuscators(
    public_key: PaillierPublicKey,
    count: int,
    pool: ObfuscatorPool | None,
    private_key: PaillierPrivateKey | None,
) -> list[Any]:
    if pool is not None:
        return pool.take(count)
    if private_key is not None:
        return owner_table_for(private_key).random_powers(count)
    return table_for(public_key).random_powers(count)


def encrypt_integers(
    public_key: PaillierPublicKey,
    integers: list[int],
    *,
    exponent: int = 0,
    bound_bits: int,
    layout: PackingLayout | None = None,
    pool: ObfuscatorPool | None = None,
    private_key: PaillierPrivateKey | None = None,
) -> EncryptedVector:
    """Encrypt signed integers with ``|v| < 2^bound_bits`` (already scaled by ``2^exponent``).

    ``private_key`` (the encrypting party owns the key) selects the faster CRT obfuscators; a pool, when
    given, supplies the obfuscators (built with ``private_key=`` it is the owner's fast pool too).
    """
    _check_keys(public_key, pool, private_key)
    limit = public_key.max_int
    vector_bound = 1 << bound_bits
    if any(not -vector_bound < v < vector_bound for v in integers):
        raise EncodingOverflow(f"a value exceeds the declared bound 2^{bound_bits}")
    n, n_square = public_key.n, public_key.n_square
    residues = []
    for value in integers:
        if not -limit <= value <= limit:
            raise EncodingOverflow("value exceeds the Paillier plaintext space")
        residues.append(value % n)
    obfuscators = _obfuscators(public_key, len(residues), pool, private_key)
    ciphertexts = [(1 + m * n) * r % n_square for m, r in zip(residues, obfuscators, strict=True)]
    return EncryptedVector(public_key, ciphertexts, exponent=exponent, bound_bits=bound_bits, layout=layout)


def encrypt(
    public_key: PaillierPublicKey,
    values: Any,
    *,
    codec: FixedPointCodec | None = None,
    pool: ObfuscatorPool | None = None,
    private_key: PaillierPrivateKey | None = None,
) -> EncryptedVector:
    """Encrypt a 1-D array of reals (or integers), one ciphertext per value.

    The codec (default ``FixedPointCodec()``: 32 fractional bits, ``|x| < 2^32``) sets precision and the
    declared range; values outside it raise ``EncodingOverflow`` and nothing is encrypted. The key owner
    passes ``private_key`` (faster obfuscators, identical ciphertext distribution); a private key of
    another key pair raises ``KeyMismatch``.
    """
    codec = codec or FixedPointCodec()
    array = np.asarray(values)
    if array.ndim != 1:
        raise EncodingOverflow(f"encrypt takes a 1-D array, got shape {array.shape}", code="bad_shape")
    return encrypt_integers(
        public_key,
        codec.encode(array),
        exponent=codec.frac_bits,
        bound_bits=codec.value_bits,
        pool=pool,
        private_key=private_key,
    )


def encrypt_packed(
    public_key: PaillierPublicKey,
    rows: Any,
    *,
    codec: FixedPointCodec | None = None,
    max_terms: int = 1,
    pool: ObfuscatorPool | None = None,
    private_key: PaillierPrivateKey | None = None,
) -> EncryptedVector:
    """Encrypt an ``(m, k)`` array as ``m`` ciphertexts of ``k`` slots (e.g. ``k = 2``: gradient, hessian).

    ``max_terms`` is how many of these ciphertexts the receiver may add into one (for SecureBoost: the
    number of samples); slot widths leave that much headroom, and ``sum_by_groups`` refuses more.
    """
    codec = codec or FixedPointCodec()
    array = np.asarray(rows)
    if array.ndim != 2:
        raise EncodingOverflow(f"encrypt_packed takes a 2-D array, got shape {array.shape}", code="bad_shape")
    layout = PackingLayout.plan(
        public_key.key_bits, value_bits=codec.value_bits, max_terms=max_terms, slots=array.shape[1]
    )
    encoded = codec.encode(array)
    width = array.shape[1]
    packed = [layout.pack(encoded[i : i + width]) for i in range(0, len(encoded), width)]
    vector = encrypt_integers(
        public_key,
        packed,
        exponent=codec.frac_bits,
        bound_bits=layout.total_bits,
        pool=pool,
        private_key=private_key,
    )
    return EncryptedVector(
        public_key, vector.ciphertexts, exponent=codec.frac_bits, bound_bits=codec.value_bits, layout=layout
    )


def decrypt_integers(
    private_key: PaillierPrivateKey, vector: EncryptedVector, *, workers: int | None = None
) -> list[int] | list[list[int]]:
    """Signed plaintext integers (scaled by ``2^vector.exponent``); per slot lists for packed vectors."""
    private_key.public_key.check_same(vector.public_key)
    threads = workers if workers is not None else (os.cpu_count() or 1)
    public_key = private_key.public_key
    plaintext_bits = vector.bound_bits if vector.layout is None else vector.layout.total_bits
    residues = decrypt_residues(
        private_key, vector.ciphertexts, plaintext_bits=plaintext_bits, workers=threads
    )
    integers = [from_residue(m, public_key.n, public_key.max_int) for m in residues]
    if vector.layout is None:
        return integers
    rows = [vector.layout.unpack(v) for v in integers]
    if isinstance(vector, CompressedVector):
        return [[v for row in rows for v in row][: vector.length]]
    return rows


def decrypt(
    private_key: PaillierPrivateKey, vector: EncryptedVector, *, workers: int | None = None
) -> np.ndarray:
    """Decrypt to float64: shape ``(len,)``, or ``(len, slots)`` for a packed vector.

    A compressed vector (``EncryptedVector.compress``) decrypts to its original ``(length,)`` values.
    Raises ``KeyMismatch`` for another key's vector and ``EncodingOverflow`` if a value overflowed.
    """
    integers = decrypt_integers(private_key, vector, workers=workers)
    if vector.layout is None:
        return decode_integers(integers, vector.exponent)  # type: ignore[arg-type]
    if isinstance(vector, CompressedVector):
        return decode_integers(integers[0], vector.exponent)  # type: ignore[arg-type]
    rows = [decode_integers(row, vector.exponent) for row in integers]  # type: ignore[arg-type]
    return np.array(rows, dtype=np.float64).reshape(len(vector), vector.layout.slots)
