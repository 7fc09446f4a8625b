"""Paillier: correctness across sign and scale, bounds, serialisation, wrong keys."""

from __future__ import annotations

import numpy as np
import pytest

from pledgenet.crypto import paillier
from pledgenet.errors import EncodingOverflow, KeyMismatch, ProtocolError, WeakParameters


@pytest.fixture(scope="module")
def keypair() -> paillier.PaillierKeypair:
    return paillier.generate_keypair(1024, allow_small_key=True)


@pytest.fixture(scope="module")
def other_keypair() -> paillier.PaillierKeypair:
    return paillier.generate_keypair(1024, allow_small_key=True)


def test_round_trip_across_sign_and_scale(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    values = np.array([0.0, 1e-6, -1e-6, 3.25, -7.5, 123456.789, -987654.321, 2.0**30])
    # Execute
    decrypted = paillier.decrypt(keypair.private_key, paillier.encrypt(keypair.public_key, values))
    # Assert
    assert np.allclose(decrypted, values, rtol=0, atol=2**-31)


def test_homomorphic_add_sub_mul_dot(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 5, 40), rng.normal(0, 5, 40)
    matrix = rng.normal(0, 2, (40, 3))
    ex, ey = paillier.encrypt(keypair.public_key, x), paillier.encrypt(keypair.public_key, y)
    sk = keypair.private_key
    # Execute / Assert
    assert np.allclose(paillier.decrypt(sk, ex + ey), x + y, atol=1e-8)
    assert np.allclose(paillier.decrypt(sk, ex - ey), x - y, atol=1e-8)
    assert np.allclose(paillier.decrypt(sk, ex + y), x + y, atol=1e-8)
    assert np.allclose(paillier.decrypt(sk, ex.mul(y)), x * y, atol=1e-6)
    assert np.allclose(paillier.decrypt(sk, ex.mul(np.arange(-20, 20))), x * np.arange(-20, 20), atol=1e-6)
    assert np.allclose(paillier.decrypt(sk, ex.dot(matrix)), x @ matrix, atol=1e-6)
    assert np.allclose(paillier.decrypt(sk, ex.sum()), [x.sum()], atol=1e-8)


def test_histogram_sums_by_group(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    rng = np.random.default_rng(2)
    gradient = rng.normal(0, 1, 300)
    bins = rng.integers(0, 6, (300, 2))
    encrypted = paillier.encrypt(keypair.public_key, gradient)
    # Execute
    sums = paillier.decrypt(keypair.private_key, encrypted.histogram(bins, 6))
    # Assert
    expected = np.concatenate([np.bincount(bins[:, f], gradient, 6) for f in range(2)])
    assert np.allclose(sums, expected, atol=1e-7)


def test_packed_gradient_hessian_sums_unpack_exactly(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    rng = np.random.default_rng(3)
    gradient, hessian = rng.normal(0, 1, 500), rng.uniform(0, 0.25, 500)
    groups = rng.integers(0, 10, 500)
    packed = paillier.encrypt_packed(keypair.public_key, np.stack([gradient, hessian], 1), max_terms=500)
    # Execute
    sums = paillier.decrypt(keypair.private_key, packed.sum_by_groups(groups, 10))
    # Assert
    assert len(packed) == 500 and sums.shape == (10, 2)
    assert np.allclose(sums[:, 0], np.bincount(groups, gradient, 10), atol=1e-6)
    assert np.allclose(sums[:, 1], np.bincount(groups, hessian, 10), atol=1e-6)


def test_packing_refuses_sums_beyond_declared_headroom(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    packed = paillier.encrypt_packed(keypair.public_key, np.ones((20, 2)), max_terms=4)
    # Execute / Assert
    with pytest.raises(EncodingOverflow):
        packed.sum_by_groups(np.zeros(20, dtype=np.int64), 1)
    with pytest.raises(EncodingOverflow):
        paillier.PackingLayout.plan(1024, value_bits=400, max_terms=10**6, slots=3)


def test_compressed_vector_decrypts_to_the_same_values(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    values = np.random.default_rng(4).normal(0, 100, 37)
    vector = paillier.encrypt(keypair.public_key, values)
    # Execute
    compressed = vector.compress()
    wire = paillier.EncryptedVector.from_bytes(keypair.public_key, compressed.to_bytes())
    # Assert
    assert len(compressed) < len(vector)
    assert np.allclose(paillier.decrypt(keypair.private_key, wire), values, atol=1e-8)


def test_overflow_is_refused_never_silent(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    codec = paillier.FixedPointCodec(frac_bits=16, int_bits=8)
    vector = paillier.encrypt(keypair.public_key, np.array([1.0, 2.0]), codec=codec)
    # Execute / Assert
    with pytest.raises(EncodingOverflow):
        paillier.encrypt(keypair.public_key, np.array([300.0]), codec=codec)
    with pytest.raises(EncodingOverflow):
        paillier.encrypt(keypair.public_key, np.array([np.nan]))
    big = paillier.FixedPointCodec(frac_bits=200, int_bits=300)
    with pytest.raises(EncodingOverflow):
        vector.mul(np.array([1.0, 1.0]), codec=big).mul(np.array([1.0, 1.0]), codec=big)


def test_serialisation_round_trips_and_wrong_key_is_refused(
    keypair: paillier.PaillierKeypair, other_keypair: paillier.PaillierKeypair
) -> None:
    # Prepare
    public_bytes = keypair.public_key.to_bytes()
    vector = paillier.encrypt(keypair.public_key, np.array([1.5, -2.5]))
    # Execute
    public_key = paillier.PaillierPublicKey.from_bytes(public_bytes)
    private_key = paillier.PaillierPrivateKey.from_bytes(keypair.private_key.to_bytes())
    received = paillier.EncryptedVector.from_bytes(public_key, vector.to_bytes())
    # Assert
    assert public_key == keypair.public_key
    assert len(vector.to_bytes()) < 40 + 2 * public_key.ciphertext_bytes
    assert np.allclose(paillier.decrypt(private_key, received + received), [3.0, -5.0])
    foreign = paillier.encrypt(other_keypair.public_key, np.array([1.0, 1.0]))
    with pytest.raises(KeyMismatch):
        vector + foreign
    with pytest.raises(KeyMismatch):
        paillier.decrypt(other_keypair.private_key, vector)
    with pytest.raises(KeyMismatch):
        paillier.EncryptedVector.from_bytes(other_keypair.public_key, vector.to_bytes())
    with pytest.raises(ProtocolError):
        paillier.EncryptedVector.from_bytes(public_key, vector.to_bytes()[:-3])


def test_ciphertexts_are_randomised_and_small_keys_refused(keypair: paillier.PaillierKeypair) -> None:
    # Prepare / Execute
    first = paillier.encrypt(keypair.public_key, np.array([5.0]))
    second = paillier.encrypt(keypair.public_key, np.array([5.0]))
    # Assert
    assert first.ciphertexts != second.ciphertexts
    with pytest.raises(WeakParameters):
        paillier.generate_keypair(1024)


def test_masking_hides_value_but_unmasks_exactly(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    vector = paillier.encrypt(keypair.public_key, np.array([0.25, -4.0]))
    # Execute
    masked, mask = vector.random_mask()
    seen = paillier.decrypt_integers(keypair.private_key, masked)
    # Assert
    assert [(s - m) / 2**32 for s, m in zip(seen, mask, strict=True)] == [0.25, -4.0]
    assert all(abs(s) > 2**64 for s in seen)  # type: ignore[arg-type]


def test_pool_over_worker_processes_gives_valid_fresh_obfuscators(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    values = np.array([1.0, -2.0, 3.0, 4.5])
    # Execute
    with paillier.ObfuscatorPool(keypair.public_key, workers=2, stock=8) as pool:
        encrypted = paillier.encrypt(keypair.public_key, values, pool=pool)
        obfuscators = pool.take(6)
    # Assert
    assert np.allclose(paillier.decrypt(keypair.private_key, encrypted), values)
    assert len(set(obfuscators)) == 6


def test_results_sent_back_are_rerandomised(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    vector = paillier.encrypt(keypair.public_key, np.array([2.0, 3.0]))
    product = vector.mul(np.array([5, 7]))
    # Execute
    fresh = product.rerandomised()
    sums = vector.sum_by_groups(np.array([0, 0]), 3)
    # Assert: the key owner cannot recognise c^m, nor spot empty bins by a constant ciphertext
    assert all(a != b for a, b in zip(fresh.ciphertexts, product.ciphertexts, strict=True))
    assert np.allclose(paillier.decrypt(keypair.private_key, fresh), [10.0, 21.0])
    assert 1 not in sums.ciphertexts[1:]
    assert np.allclose(paillier.decrypt(keypair.private_key, sums), [5.0, 0.0, 0.0])
