"""The piecewise-linear logistic function hetero LR computes on shares, and its fixed-point encoding.

Shared by both privacy modes (:mod:`pledgenet.fl.hetero_lr`, :mod:`pledgenet.fl.hetero_lr_shared`); the
construction is described in :mod:`pledgenet.fl.hetero_lr`.
"""

from __future__ import annotations

import numpy as np

from pledgenet.fl.sharing.ring import Ring, Tape

Z_BITS = 16  # fractional bits of the linear predictor
SLOPE_BITS = 6  # slopes of the interpolated σ are multiples of 2^-6
RESIDUAL_BITS = Z_BITS + SLOPE_BITS
KNOTS = (-5.0, -2.5, -1.0, 1.0, 2.5, 5.0)


def _sigmoid_segments() -> tuple[np.ndarray, float]:
    """Slope changes at each knot (integers, units of 2^-SLOPE_BITS) and the value left of the first."""
    knots = np.array(KNOTS)
    values = 1.0 / (1.0 + np.exp(-knots))
    slopes = np.rint(np.diff(values) / np.diff(knots) * (1 << SLOPE_BITS)).astype(np.int64)
    changes = np.diff(np.concatenate([[0], slopes, [0]]))
    below_zero = sum(
        slopes[i] * (min(knots[i + 1], 0.0) - knots[i]) for i in range(len(slopes)) if knots[i] < 0
    )
    return changes, 0.5 - below_zero / (1 << SLOPE_BITS)  # σ̂(0) = 1/2 exactly


SLOPE_CHANGES, SIGMOID_FLOOR = _sigmoid_segments()


def approx_sigmoid(z: np.ndarray) -> np.ndarray:
    """The σ̂ the protocol computes on shares, in plaintext (reference for tests and docs)."""
    z = np.asarray(z, dtype=np.float64)
    hinge = np.maximum(z[None, :] - np.array(KNOTS)[:, None], 0.0)
    return SIGMOID_FLOOR + (SLOPE_CHANGES[:, None] * hinge).sum(axis=0) / (1 << SLOPE_BITS)


def encode(values: np.ndarray, bits: int) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=np.float64) * float(1 << bits)).astype(np.int64).view(np.uint64)


def decode(values: np.ndarray, bits: int) -> np.ndarray:
    return values.view(np.int64).astype(np.float64) / float(1 << bits)


def dealer_residual(tape: Tape, rows: int) -> None:
    """The dealer's draws for :func:`_residual` on ``rows`` values, in the order the parties make them."""
    knots = len(KNOTS)
    tape.mask(rows)
    tape.dabit_products((knots, rows))
    for planes in (4, 2, 1):
        tape.and_triple((planes, knots, -(-rows // 8)), 2 if planes > 1 else 1)


def residual(ring: Ring, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """This party's share of d = σ̂(z) − y (``RESIDUAL_BITS`` fractional bits; labels only at the guest)."""
    knots = encode(np.array(KNOTS), Z_BITS)
    above, above_times_z = ring.hinge_terms(z, knots)  # [z ≥ k] and [z ≥ k]·z, (knots, rows)
    changes = SLOPE_CHANGES.astype(np.int64).view(np.uint64)
    hinges = above_times_z - knots[:, None] * above  # [z ≥ k]·(z − k)
    share = (changes[:, None] * hinges).sum(axis=0, dtype=np.uint64)
    if labels is not None:
        share += encode(np.full(len(z), SIGMOID_FLOOR), RESIDUAL_BITS) - encode(labels, RESIDUAL_BITS)
    return share
