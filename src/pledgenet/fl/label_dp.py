"""Label differential privacy for the gradients hetero LR opens to hosts.

A host must learn its own gradient ``g_h = X_hᵀ·d`` to update its weights, and ``d = σ̂(z) − y`` carries the
guest's labels: with a batch of no more rows than the host has features it solves ``X_hᵀ·d = g_h`` for the
residuals, and the sign of a residual is the label. So the guest adds Gaussian noise to *its* share of each
host's gradient before the host reconstructs it (the Gaussian mechanism, label-DP): the host learns only
``X_hᵀ·d + N(0, (m·C_h)²·I)``.

Sensitivity: two label vectors that differ in one row change ``d`` in that row by exactly 1 (the predictor
``z`` of the batch does not depend on the batch's labels), so ``g_h`` moves by that row of ``X_h``, whose L2
norm is at most ``C_h``. The host reports ``C_h`` as its largest row norm rounded up to three significant
bits (``row_norm_bound``: the guest learns the largest norm to within 12.5%, nothing finer), and the host's
features are
fixed between neighbouring label vectors, so ``C_h`` bounds the sensitivity without clipping any row.

Accounting (``epsilon``): every row sits in exactly one batch per epoch (full batches only: the partial last
batch is dropped), so each label is released ``epochs`` times to each host, each release a Gaussian
mechanism with noise multiplier ``m``: Rényi DP ``ε(α) = epochs·α / (2m²)`` (Mironov 2017, Prop. 7 and
composition), turned into ``(ε, δ)`` by ``ε = min_α ε(α) + log(1/δ)/(α − 1)`` (Prop. 3). No amplification by
sampling is claimed (the batches are a shuffle, not Poisson sampling), so the figure is conservative. The
budget is per host; hosts that pool what they received spend it once each (add their ε). Noise draws are
truncated at ``TAIL`` standard deviations so the fixed-point sum cannot wrap (probability below 1e-57).
"""

from __future__ import annotations

import math

import numpy as np

from pledgenet.errors import DataError

#: noise draws are truncated at this many standard deviations (the ring must hold them)
TAIL = 16.0
_ORDERS = np.concatenate([np.linspace(1.01, 2.0, 100), np.linspace(2.0, 512.0, 5000)])


def row_norm_bound(features: np.ndarray) -> float:
    """The largest row L2 norm of ``features`` rounded up to three significant bits (at least 1): the
    smallest multiple of ``2^(e-3)`` at or above it, ``2^e`` the power of two at or above it.

    Computed with the rows scaled by their largest absolute value, so huge finite values do not overflow;
    a bound past 2^60 is refused (such features cannot be fixed-point encoded anyway)."""
    if not features.size:
        return 1.0
    values = np.abs(features.astype(np.float64))
    peak = float(values.max())
    largest = peak * float(np.sqrt(((values / peak) ** 2).sum(axis=1)).max()) if peak > 0 else 0.0
    if not math.isfinite(largest) or largest > 2.0**60:
        raise DataError("feature values are too large for fixed point: standardise them")
    if largest <= 1.0:
        return 1.0
    step = 2.0 ** (math.ceil(math.log2(largest)) - 3)
    return float(math.ceil(largest / step) * step)


def epsilon(noise_multiplier: float, releases: int, delta: float) -> float:
    """``(ε, δ)``-label-DP of ``releases`` Gaussian releases with noise multiplier ``noise_multiplier``."""
    if releases <= 0:
        return 0.0
    rdp = releases * _ORDERS / (2.0 * noise_multiplier**2)
    return float(np.min(rdp + math.log(1.0 / delta) / (_ORDERS - 1.0)))


def gaussian_noise(rng: np.random.Generator, scale: float, size: int) -> np.ndarray:
    """``size`` draws of N(0, scale²), truncated at ``TAIL`` standard deviations."""
    return np.clip(rng.normal(0.0, scale, size), -TAIL * scale, TAIL * scale)
