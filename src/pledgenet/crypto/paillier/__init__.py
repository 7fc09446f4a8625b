"""Paillier homomorphic encryption for federated learning: fast, packed, vectorised, safe by default.

Usage (key owner = active party; the other party holds only the public key)::

    import numpy as np
    from pledgenet.crypto import paillier

    keypair = paillier.generate_keypair()                  # 2048 bits; 3072 for 128-bit security
    public_key, private_key = keypair.public_key, keypair.private_key
    # the key owner encrypts under its own key: CRT obfuscators (same ciphertexts' distribution, faster)
    with paillier.ObfuscatorPool(public_key, private_key=private_key, stock=4096) as pool:  # all cores
        residual = paillier.encrypt(public_key, np.array([0.5, -1.25, 2.0]), pool=pool)
    # without a pool: paillier.encrypt(public_key, values, private_key=private_key)
    wire = residual.to_bytes()                             # compact: header + 512-byte ciphertexts

    # passive party: only the public key
    received = paillier.EncryptedVector.from_bytes(public_key, wire)
    features = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    gradient = received.dot(features)                      # X^T [[r]], two ciphertexts
    masked, mask = gradient.random_mask()                  # hide it from the key owner

    # key owner
    values = paillier.decrypt(private_key, gradient)       # array([6.75, 8.  ])

    # SecureBoost: gradient and hessian packed in one ciphertext, summed per bin
    gh = paillier.encrypt_packed(public_key, np.stack([g, h], axis=1), max_terms=len(g))
    sums = gh.sum_by_groups(bin_of_sample, n_bins)         # decrypts to an (n_bins, 2) array

Modules: ``keys`` (key pairs, CRT decryption, serialisation), ``encoding`` (fixed point), ``packing``
(slots with declared headroom), ``fixed_base`` (DJN fixed-base tables: public, and the key owner's CRT
one), ``obfuscator`` (table caches and worker pool), ``multiexp`` (Pippenger), ``decryption`` (CRT and
verified single-prime batch decryption), ``vector`` (``EncryptedVector`` arithmetic and wire format),
``api`` (encrypt/decrypt).
Security parameters and what each party learns: docs/protocols.md.
"""

from pledgenet.crypto.paillier.api import (
    decrypt,
    decrypt_integers,
    encrypt,
    encrypt_integers,
    encrypt_packed,
)
from pledgenet.crypto.paillier.encoding import FixedPointCodec
from pledgenet.crypto.paillier.fixed_base import CrtFixedBaseTable, FixedBaseTable
from pledgenet.crypto.paillier.keys import (
    DEFAULT_KEY_BITS,
    PaillierKeypair,
    PaillierPrivateKey,
    PaillierPublicKey,
    generate_keypair,
)
from pledgenet.crypto.paillier.obfuscator import ObfuscatorPool
from pledgenet.crypto.paillier.packing import PackingLayout
from pledgenet.crypto.paillier.vector import CompressedVector, EncryptedVector

__all__ = [
    "DEFAULT_KEY_BITS",
    "CompressedVector",
    "CrtFixedBaseTable",
    "EncryptedVector",
    "FixedBaseTable",
    "FixedPointCodec",
    "ObfuscatorPool",
    "PackingLayout",
    "PaillierKeypair",
    "PaillierPrivateKey",
    "PaillierPublicKey",
    "decrypt",
    "decrypt_integers",
    "encrypt",
    "encrypt_integers",
    "encrypt_packed",
    "generate_keypair",
]
