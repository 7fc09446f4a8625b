"""Shamir secret sharing: threshold reconstruction and refusals."""

from __future__ import annotations

import pytest

from pledgenet.crypto.shamir import reconstruct_bytes, reconstruct_secret, split_bytes, split_secret
from pledgenet.errors import ShareError


def test_any_threshold_subset_reconstructs() -> None:
    shares = split_secret(123456789, threshold=3, holders=5)
    assert reconstruct_secret([shares[0], shares[2], shares[4]], threshold=3) == 123456789
    assert reconstruct_secret(shares[1:4], threshold=3) == 123456789


def test_fewer_shares_are_refused_and_wrong_subset_gives_another_value() -> None:
    shares = split_secret(42, threshold=3, holders=5)
    with pytest.raises(ShareError):
        reconstruct_secret(shares[:2], threshold=3)
    assert reconstruct_secret(shares[:2], threshold=2) != 42


def test_seed_bytes_round_trip_and_bad_parameters() -> None:
    seed = bytes(range(32))
    shares = split_bytes(seed, threshold=2, holders=3)
    assert reconstruct_bytes(shares[1:], threshold=2) == seed
    with pytest.raises(ShareError):
        split_secret(1, threshold=4, holders=3)
    with pytest.raises(ShareError):
        reconstruct_secret([shares[0], shares[0]], threshold=2)
