"""Hetero LR's exact, label-private mode (``privacy="shared"``, the default): weights and gradients stay
secret-shared from the first batch to the last, as in SecretFlow's SS-LR.

Per batch, with every party's weights ``w_m`` additively shared among all data parties (``WEIGHT_BITS``
fractional bits) and the gates of :mod:`pledgenet.fl.sharing.fixed`:

1. ``[z_m] = X_m[batch]·[w_m]`` for each party (matrix triples), truncated to ``Z_BITS`` and summed: ``[z]``;
2. ``[d] = σ̂([z]) − y`` as in the label-DP mode (secure comparisons at six knots, ``_residual``);
3. ``[g_m] = X_m[batch]ᵀ·[d]`` for each party (matrix triples), truncated by ``GRADIENT_DROP`` bits;
4. plain SGD on shares: ``[w_m] −= trunc(η̃·[g_m] + q_m·[w_m])`` with ``η = lr / batch`` as a 16-bit mantissa
   ``η̃`` and a shift, ``q_m`` the L2 term (0 on the intercept); one truncation.

Nothing is opened but uniformly masked values, until the end: each party then receives the other parties'
shares of ITS OWN weights only (guest: its weights and the intercept; host: its weights). Why SGD, not
Adam: Adam divides by a root of the squared gradient, which on shares costs a division circuit per weight
per batch; SGD's update is linear. L1 (a soft threshold on shares) and early stopping (the change of the
weights would be opened) are left to the label-DP mode. Fixed-point error: one unit in the last place per
truncation (2^-20 on a weight per step), so the weights track the plaintext rule to ~1e-5.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.lr_sigmoid import RESIDUAL_BITS, Z_BITS, dealer_residual, decode
from pledgenet.fl.sharing import fixed
from pledgenet.fl.sharing.ring import Ring, Tape

Residual = Callable[[Ring, np.ndarray, "np.ndarray | None"], np.ndarray]

WEIGHT_BITS = 20  # fractional bits of a shared weight
GRADIENT_DROP = 16  # bits dropped from X_mᵀ·d before the step (it is below 2^61, so then below 2^45)


def shifts(dims: list[int], bits: list[int], rate: float, batch_size: int, l2: float) -> dict[str, Any]:
    """Public per-element shifts and the step's integers, the same at every party and at the dealer."""
    eta = rate / batch_size
    exponent = 15 - math.floor(math.log2(eta))
    mantissa = round(eta * 2.0**exponent)  # in [2^15, 2^16]
    steps = [exponent + b + RESIDUAL_BITS - GRADIENT_DROP - WEIGHT_BITS for b in bits]
    if min(steps) < 1 or max(steps) > 62:
        raise DataError(f"learning_rate {rate} is out of range for batch {batch_size}")
    penalties = []
    for m, (dim, step) in enumerate(zip(dims, steps, strict=True)):
        penalty = np.full(dim, round(rate * l2 * 2.0**step), dtype=np.int64)
        if m == 0:
            penalty[-1] = 0  # the guest's intercept is not penalised
        penalties.append(penalty.view(np.uint64))
    rows = batch_size
    return {
        "z": np.concatenate([np.full(rows, b + WEIGHT_BITS - Z_BITS) for b in bits]),
        "gradient": np.full(sum(dims), GRADIENT_DROP),
        "step": np.concatenate([np.full(d, s) for d, s in zip(dims, steps, strict=True)]),
        "mantissa": np.uint64(mantissa),
        "penalty": np.concatenate(penalties),
    }


def dealer_batch(tape: Tape, batch: np.ndarray, dims: list[int], plan: dict[str, Any]) -> None:
    """The dealer's draws for one batch, in the order :func:`train` consumes them."""
    tape.weight_triples(None, batch, dims)
    tape.truncation_pair(plan["z"])
    dealer_residual(tape, len(batch))
    tape.matrix_triples(None, batch, dims)
    tape.truncation_pair(plan["gradient"])
    tape.truncation_pair(plan["step"])


def _split(vector: np.ndarray, sizes: list[int]) -> dict[int, np.ndarray]:
    edges = np.cumsum([0, *sizes])
    return {m: vector[edges[m] : edges[m + 1]] for m in range(len(sizes))}


def train(
    ring: Ring,
    dealer: str,
    encoded: np.ndarray,
    labels: np.ndarray | None,
    plan: dict[str, Any],
    batches: list[list[np.ndarray]],
    residual: Residual,
) -> np.ndarray:
    """Run every epoch's batches on shares; returns this party's own weights (opened to it alone).
    ``residual`` computes this party's share of ``σ̂(z) − y`` (:func:`lr_sigmoid.residual`)."""
    channel, dims = ring.channel, ring.dims
    weights = {m: np.zeros(d, dtype=np.uint64) for m, d in enumerate(dims)}
    for epoch in batches:
        for batch in epoch:
            ring.tape.corrections = list(channel.recv(dealer, "sslr.corr")["values"])
            parts = fixed.weight_products(ring, encoded[batch], weights, batch)
            z_parts = fixed.truncate(ring, np.concatenate([parts[m] for m in range(len(dims))]), plan["z"])
            z = z_parts.reshape(len(dims), len(batch)).sum(axis=0, dtype=np.uint64)
            d = residual(ring, z, None if labels is None else labels[batch])
            products = fixed.gradient_products(ring, encoded[batch], d, batch)
            gradient = np.concatenate([products[m] for m in range(len(dims))])
            gradient = fixed.truncate(ring, gradient, plan["gradient"])
            flat = np.concatenate([weights[m] for m in range(len(dims))])
            step = fixed.truncate(ring, plan["mantissa"] * gradient + plan["penalty"] * flat, plan["step"])
            weights = _split(flat - step, dims)
            if ring.tape.corrections:
                raise ProtocolError("the dealer sent more correlated randomness than a batch uses")
    return decode(_open_own(ring, weights), WEIGHT_BITS)


def _open_own(ring: Ring, weights: dict[int, np.ndarray]) -> np.ndarray:
    """Each party sends its shares of the others' weights to their owners; returns this party's weights."""
    for other, peer in ring.peers:
        ring.channel.send(peer, "sslr.weights", {"share": weights[other]})
    own = weights[ring.index].copy()
    for _other, peer in ring.peers:
        share = ring.channel.recv(peer, "sslr.weights").get("share")
        if not isinstance(share, np.ndarray) or share.shape != own.shape or share.dtype != own.dtype:
            raise ProtocolError(f"{peer} sent a weight share of the wrong shape")
        own += share
    return own
