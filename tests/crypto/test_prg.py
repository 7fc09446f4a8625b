"""ChaCha20 PRG: RFC 8439 known answer, determinism, independence of labels, uniformity helpers."""

from __future__ import annotations

import numpy as np

from pledgenet.crypto.prg import Prg, chacha20_keystream


def test_rfc8439_block_function_known_answer() -> None:
    # RFC 8439 section 2.3.2
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a00000000")
    expected = bytes.fromhex(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
    )
    assert chacha20_keystream(key, nonce, 1, 64) == expected


def test_same_seed_and_label_agree_other_labels_differ() -> None:
    seed = bytes(range(32))
    first, second = Prg(seed, b"round-1"), Prg(seed, b"round-1")
    assert np.array_equal(first.uint64(100), second.uint64(100))
    assert not np.array_equal(Prg(seed, b"round-1").uint64(4), Prg(seed, b"round-2").uint64(4))


def test_ring_masks_below_and_permutation() -> None:
    prg = Prg.fresh()
    masks = prg.ring_mask(1000, 20)
    values = prg.below(2000, 7)
    permutation = prg.permutation(500)
    assert masks.max() < 2**20 and masks.dtype == np.uint64
    assert set(values) == set(range(7))
    assert sorted(permutation.tolist()) == list(range(500))
    assert permutation.tolist() != list(range(500))
