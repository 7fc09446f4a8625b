"""The shared fixed-point gates of hetero LR's default mode, three parties against plaintext."""

from __future__ import annotations

import secrets

import numpy as np

from pledgenet.fl.net.channel import MemoryHub
from pledgenet.fl.sharing import fixed
from pledgenet.fl.sharing.ring import Ring, Stream, Tape

PARTIES = ["p0", "p1", "p2"]


def _split(rng: np.random.Generator, value: np.ndarray) -> list[np.ndarray]:
    shares = [
        np.frombuffer(rng.bytes(8 * value.size), dtype=np.uint64).reshape(value.shape) for _ in range(2)
    ]
    return [*shares, value - shares[0] - shares[1]]


def test_truncation_is_floor_or_one_more_over_the_whole_range(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: values up to ±2^61 (signed), extremes included, shifts from 0 to 40
    rng = np.random.default_rng(3)
    values = np.concatenate([[2**61, -(2**61), 0, -1, 1], rng.integers(-(2**61), 2**61, 495)])
    shifts = np.concatenate([[40, 40, 0, 5, 5], rng.integers(0, 41, 495)])
    shares = _split(rng, values.astype(np.int64).view(np.uint64))
    seeds = [secrets.token_bytes(32) for _ in PARTIES]
    dealer = Tape({i: Stream(s, b"t") for i, s in enumerate(seeds)}, dealer=True)
    dealer.truncation_pair(shifts)
    hub = MemoryHub(PARTIES)

    def party(i):  # type: ignore[no-untyped-def]
        tape = Tape({i: Stream(seeds[i], b"t")})
        tape.corrections = list(dealer.produced[i])
        ring = Ring(hub.channel(PARTIES[i]), PARTIES, i, tape, [1, 1, 1])
        return lambda: fixed.truncate(ring, shares[i], shifts)

    # Execute
    out = run({p: party(i) for i, p in enumerate(PARTIES)})
    # Assert
    result = sum(out[p] for p in PARTIES).view(np.int64)
    error = result - np.floor_divide(values, 2 ** shifts.astype(np.int64))
    assert set(np.unique(error)) <= {0, 1}


def test_products_with_private_matrices_equal_plaintext(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: each party's private matrix; a shared vector per party (weights) and one shared residual
    rng = np.random.default_rng(4)
    dims, rows = [3, 2, 4], 20
    matrices = [rng.integers(-1000, 1000, (rows, d)).view(np.uint64) for d in dims]
    weights = [rng.integers(-1000, 1000, d).view(np.uint64) for d in dims]
    residual = rng.integers(-1000, 1000, rows).view(np.uint64)
    batch = np.sort(rng.choice(rows, 8, replace=False))
    weight_shares = [_split(rng, w) for w in weights]
    residual_shares = _split(rng, residual)
    seeds = [secrets.token_bytes(32) for _ in PARTIES]
    dealer = Tape({i: Stream(s, b"p") for i, s in enumerate(seeds)}, dealer=True)
    dealer.draw_matrix_masks(dims, rows)
    dealer.weight_triples(None, batch, dims)
    dealer.matrix_triples(None, batch, dims)
    hub = MemoryHub(PARTIES)

    def party(i):  # type: ignore[no-untyped-def]
        tape = Tape({i: Stream(seeds[i], b"p")})
        tape.draw_matrix_masks(dims, rows)
        tape.corrections = list(dealer.produced[i])
        ring = Ring(hub.channel(PARTIES[i]), PARTIES, i, tape, dims)

        def work():  # type: ignore[no-untyped-def]
            ring.share_features(matrices[i])
            mine = {m: weight_shares[m][i] for m in range(3)}
            z = fixed.weight_products(ring, matrices[i][batch], mine, batch)
            g = fixed.gradient_products(ring, matrices[i][batch], residual_shares[i][batch], batch)
            return z, g

        return work

    # Execute
    out = run({p: party(i) for i, p in enumerate(PARTIES)})
    # Assert
    for m in range(3):
        z = sum(out[p][0][m] for p in PARTIES)
        g = sum(out[p][1][m] for p in PARTIES)
        np.testing.assert_array_equal(z, matrices[m][batch] @ weights[m])
        np.testing.assert_array_equal(g, matrices[m][batch].T @ residual[batch])
