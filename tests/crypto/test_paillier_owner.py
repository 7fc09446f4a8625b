"""Paillier key-owner fast paths: CRT obfuscators (encryption) and verified single-prime decryption."""

from __future__ import annotations

import math
from typing import Any, cast

import gmpy2
import numpy as np
import pytest

from pledgenet.crypto import paillier
from pledgenet.crypto.paillier import decryption
from pledgenet.errors import EncodingOverflow, KeyMismatch


@pytest.fixture(scope="module")
def keypair() -> paillier.PaillierKeypair:
    return paillier.generate_keypair(1024, allow_small_key=True)


@pytest.fixture(scope="module")
def other_keypair() -> paillier.PaillierKeypair:
    return paillier.generate_keypair(1024, allow_small_key=True)


def _encrypt_raw(public_key: paillier.PaillierPublicKey, plaintexts: list[int]) -> list[Any]:
    """Ciphertexts of arbitrary signed integers, as a dishonest peer could make them."""
    table = paillier.obfuscator.table_for(public_key)
    obfuscators = table.random_powers(len(plaintexts))
    return [public_key.raw_encrypt(m % public_key.n, r) for m, r in zip(plaintexts, obfuscators, strict=True)]


def _received(public_key: paillier.PaillierPublicKey, ciphertexts: list[Any], bound_bits: int) -> Any:
    """What the key owner parses from a peer that declared ``bound_bits`` in the wire header."""
    vector = paillier.EncryptedVector(public_key, ciphertexts, exponent=0, bound_bits=bound_bits)
    return paillier.EncryptedVector.from_bytes(public_key, vector.to_bytes())


def test_owner_obfuscator_is_the_public_one_for_the_same_exponent(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    public_key, private_key = keypair.public_key, keypair.private_key
    bits = public_key.short_exponent_bits
    exponents = [0, 1, 255, 256, (1 << bits) - 1, int(gmpy2.mpz(7) ** 150 % (1 << bits))]
    # Execute
    owner = paillier.obfuscator.owner_table_for(private_key)
    public = paillier.obfuscator.table_for(public_key)
    # Assert: same function of x, hence the same distribution of ciphertexts
    for x in exponents:
        expected = gmpy2.powmod(public_key.h_s, x, public_key.n_square)
        assert owner.power(x) == public.power(x) == expected


def test_random_exponents_are_uniform_over_the_full_width() -> None:
    # Prepare
    table = paillier.FixedBaseTable(3, 1009 * 1013, exponent_bits=13, window_bits=8)
    # Execute
    exponents = [digits[0] + (digits[1] << 8) for digits in table.random_digits(400)]
    # Assert: below 2^13, and the top bit is set about half of the time (not truncated, not fixed)
    assert all(0 <= x < 1 << 13 for x in exponents)
    assert 100 < sum(x >> 12 for x in exponents) < 300
    assert len(set(exponents)) > 350


def test_owner_encryption_decrypts_like_public_and_looks_the_same(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    public_key, private_key = keypair.public_key, keypair.private_key
    values = np.array([0.0, 1.5, -2.25, 1e-6, -123456.5, 2.0**31])
    # Execute
    public = paillier.encrypt(public_key, values)
    owned = paillier.encrypt(public_key, values, private_key=private_key)
    again = paillier.encrypt(public_key, values, private_key=private_key)
    wire = paillier.EncryptedVector.from_bytes(public_key, owned.to_bytes())
    # Assert
    assert np.array_equal(paillier.decrypt(private_key, wire), paillier.decrypt(private_key, public))
    assert np.allclose(paillier.decrypt(private_key, owned), values, rtol=0, atol=2**-31)
    assert len(owned.to_bytes()) == len(public.to_bytes())
    assert all(
        0 < c < public_key.n_square and math.gcd(int(c), int(public_key.n)) == 1 for c in owned.ciphertexts
    )
    assert not set(owned.ciphertexts) & set(again.ciphertexts)
    assert len(set(owned.ciphertexts)) == len(values)


def test_owner_packed_encryption_sums_like_public(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    rng = np.random.default_rng(5)
    rows = np.stack([rng.normal(0, 1, 40), rng.uniform(0, 0.25, 40)], axis=1)
    groups = rng.integers(0, 4, 40)
    # Execute
    packed = paillier.encrypt_packed(keypair.public_key, rows, max_terms=40, private_key=keypair.private_key)
    sums = paillier.decrypt(keypair.private_key, packed.sum_by_groups(groups, 4))
    # Assert
    assert np.allclose(sums[:, 0], np.bincount(groups, rows[:, 0], 4), atol=1e-6)
    assert np.allclose(sums[:, 1], np.bincount(groups, rows[:, 1], 4), atol=1e-6)


@pytest.mark.parametrize("workers", [1, 2])
def test_owner_pool_hands_out_fresh_encryptions_of_zero(
    keypair: paillier.PaillierKeypair, workers: int
) -> None:
    # Prepare
    values = np.array([1.0, -2.0, 3.0, 4.5])
    # Execute
    with paillier.ObfuscatorPool(
        keypair.public_key, private_key=keypair.private_key, workers=workers, stock=8
    ) as pool:
        encrypted = paillier.encrypt(keypair.public_key, values, pool=pool)
        obfuscators = pool.take(6)
        owner = pool.key_owner
    # Assert: every obfuscator is a fresh n-th residue (an encryption of zero)
    assert owner
    assert np.allclose(paillier.decrypt(keypair.private_key, encrypted), values)
    assert len(set(obfuscators)) == 6
    assert all(keypair.private_key.raw_decrypt(r) == 0 for r in obfuscators)


def test_private_key_of_another_pair_is_refused(
    keypair: paillier.PaillierKeypair, other_keypair: paillier.PaillierKeypair
) -> None:
    # Prepare
    values = np.array([1.0, 2.0])
    # Execute / Assert
    with pytest.raises(KeyMismatch):
        paillier.encrypt(keypair.public_key, values, private_key=other_keypair.private_key)
    with pytest.raises(KeyMismatch):
        paillier.encrypt_packed(keypair.public_key, np.ones((2, 2)), private_key=other_keypair.private_key)
    with pytest.raises(KeyMismatch):
        paillier.ObfuscatorPool(keypair.public_key, private_key=other_keypair.private_key, workers=2)


def test_fast_decryption_equals_full_crt_on_honest_vectors(keypair: paillier.PaillierKeypair) -> None:
    # Prepare
    rng = np.random.default_rng(6)
    values = rng.normal(0, 1000, 80)
    vector = paillier.encrypt(keypair.public_key, values)
    masked, mask = vector.random_mask()
    private_key = keypair.private_key
    # Execute
    fast = decryption.decrypt_residues(
        private_key, masked.ciphertexts, plaintext_bits=masked.bound_bits, workers=2
    )
    full = decryption.decrypt_residues_crt(private_key, masked.ciphertexts, workers=1)
    seen = cast(list[int], paillier.decrypt_integers(private_key, masked, workers=1))
    # Assert
    assert fast == full
    unmasked = np.array([(s - m) / 2**32 for s, m in zip(seen, mask, strict=True)])
    assert np.allclose(unmasked, values, atol=2**-31)


@pytest.mark.parametrize("workers", [1, 2])
def test_forged_small_bound_cannot_make_the_key_owner_reveal_m_mod_p(
    keypair: paillier.PaillierKeypair, workers: int
) -> None:
    # Prepare: a peer declares 64-bit plaintexts but hides one large plaintext among 70 honest ones;
    # p + 5 and 3p - 1 are the dangerous ones: their residues mod p (5, -1) look honest
    public_key, private_key = keypair.public_key, keypair.private_key
    p = int(private_key.p)
    honest = list(range(-35, 35))
    forged = [p + 5, 3 * p - 1, -(2 * p) + 3, 2**700 + 7, -(2**700) - 11, 2**100]
    # Execute
    decrypted = []
    for large in forged:
        received = _received(public_key, _encrypt_raw(public_key, [*honest, large]), bound_bits=64)
        decrypted.append(paillier.decrypt_integers(private_key, received, workers=workers))
    # Assert: the true plaintexts, never their residues mod p (which would give away p)
    assert decrypted == [[*honest, large] for large in forged]


def test_forged_bound_over_a_middle_third_plaintext_still_overflows(
    keypair: paillier.PaillierKeypair,
) -> None:
    # Prepare
    public_key = keypair.public_key
    plaintexts = [1, 2, 3, 4, 5, 6, 7, int(public_key.n) // 2]
    received = _received(public_key, _encrypt_raw(public_key, plaintexts), bound_bits=64)
    # Execute / Assert
    with pytest.raises(EncodingOverflow):
        paillier.decrypt_integers(keypair.private_key, received, workers=1)


def test_decryption_path_depends_on_the_declared_bound_never_on_p(
    keypair: paillier.PaillierKeypair, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prepare: count full-CRT fallbacks (the only timing difference a peer could observe)
    fallbacks: list[int] = []
    real = decryption._residues_mod_q

    def counting(private_key: paillier.PaillierPrivateKey, ciphertexts: list[Any]) -> list[Any]:
        fallbacks.append(len(ciphertexts))
        return real(private_key, ciphertexts)

    monkeypatch.setattr(decryption, "_residues_mod_q", counting)
    public_key, private_key = keypair.public_key, keypair.private_key
    half_p = int(private_key.p) // 2
    honest = list(range(10))
    cases = {
        "within bound": [*honest, 2**63],
        "beyond bound, below p/2": [*honest, 2**100],
        "just below p/2": [*honest, half_p - 1],
        "beyond p/2": [*honest, half_p + 1],
    }
    # Execute
    taken = {}
    for label, plaintexts in cases.items():
        fallbacks.clear()
        received = _received(public_key, _encrypt_raw(public_key, plaintexts), bound_bits=64)
        assert paillier.decrypt_integers(private_key, received, workers=1) == plaintexts
        taken[label] = bool(fallbacks)
    # Assert: only the declared bound decides; whether m is below p/2 does not show
    assert taken == {
        "within bound": False,
        "beyond bound, below p/2": True,
        "just below p/2": True,
        "beyond p/2": True,
    }
