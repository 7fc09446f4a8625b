"""Fixed-point arithmetic that stays shared: products with a party's private matrix, and truncation.

Hetero LR's exact mode (:mod:`pledgenet.fl.hetero_lr_shared`) keeps every weight and every gradient
additively shared among the data parties; these are the gates it needs on top of :class:`Ring`:

* :func:`weight_products`: shares of ``X_m[batch]·w_m`` for every party ``m``, ``X_m`` private to ``m`` and
  ``w_m`` shared. For each other party ``v``: ``v`` sends ``w_m^(v) − b`` to ``m`` (``b`` a fresh uniform
  vector of ``v``'s), ``m`` keeps ``X_m·(w_m^(v) − b) + u_m``, ``v`` keeps ``E_m·b + u_v`` where ``E_m = X_m −
  A_m`` is ``m``'s masked matrix from setup and ``u_m + u_v = A_m·b`` is the dealer's matrix triple.
  The shares sum to ``X_m·w_m^(v)``.
* :func:`gradient_products`: shares of ``X_mᵀ·d`` for every ``m``, ``d`` shared: the same with ``d`` (the
  residual) in place of ``w`` (SecureML's triples, as :meth:`Ring.cross_products`, but nobody reconstructs).
* :func:`truncate`: ``[x] → [⌊x / 2^s⌋ + e]``, ``e ∈ {0, 1}``, for ``|x| < 2^62`` (probabilistic truncation
  with a dealer's pair, Escudero et al. 2020, "Improved primitives for MPC over mixed arithmetic-binary
  circuits", adapted to Z_2^64): open ``c = x + 2^62 + r`` (``r`` uniform mod 2^64, so ``c`` is uniform);
  with ``b = msb(c) ⊕ msb(r)`` (the carry out of the low 63 bits), ``x + 2^62 = (c mod 2^63) − (r mod 2^63) +
  b·2^63``, so ``(c mod 2^63) >> s − [(r mod 2^63) >> s] + [b]·2^(63−s) − 2^(62−s)`` is the result up to
  one unit in the last place. The dealer deals ``[r]``, ``[msb(r)]`` and ``[(r mod 2^63) >> s]``.

Every value sent is masked by fresh uniform randomness: ``w − b``, ``d − b``, ``c``.
"""

from __future__ import annotations

import numpy as np

from pledgenet.errors import ProtocolError
from pledgenet.fl.sharing.ring import Ring

_LOW63 = np.uint64((1 << 63) - 1)
_OFFSET = np.uint64(1 << 62)


def truncate(ring: Ring, value: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """This party's share of ``value >> shifts`` (per element, arithmetic shift, ±1 in the last place)."""
    me, shifts = ring.index, shifts.astype(np.uint64)
    r, top, low = (s[me] for s in ring.tape.truncation_pair(shifts))
    masked = value + r + (_OFFSET if ring.leader else np.uint64(0))
    (opened,) = ring._open("ss.trunc", [masked], xor=False)
    carry_public = opened >> np.uint64(63)
    carry = top * (np.uint64(1) - (carry_public << np.uint64(1)))  # [msb(r) ⊕ msb(c)], public part below
    share = carry << (np.uint64(63) - shifts)
    share = share - low
    if ring.leader:
        share += (carry_public << (np.uint64(63) - shifts)) + ((opened & _LOW63) >> shifts)
        share -= _OFFSET >> shifts
    return share


def weight_products(
    ring: Ring, features: np.ndarray, weights: dict[int, np.ndarray], batch: np.ndarray
) -> dict[int, np.ndarray]:
    """This party's shares of ``X_m[batch]·w_m`` for every ``m`` (``weights[m]``: its share of ``w_m``)."""
    triples = ring.tape.weight_triples(ring.index, batch, ring.dims)
    out: dict[int, np.ndarray] = {}
    for other, peer in ring.peers:
        vector_mask, _, holder_share = triples[other]
        ring.channel.send(peer, "ss.weights", {"vec": weights[other] - vector_mask})
        out[other] = ring.masked_features[other][batch] @ vector_mask + holder_share
    own = features @ weights[ring.index]
    for other, peer in ring.peers:
        masked = ring.channel.recv(peer, "ss.weights").get("vec")
        if not isinstance(masked, np.ndarray) or masked.shape != (ring.dims[ring.index],):
            raise ProtocolError(f"{peer} sent a masked weight share of the wrong shape")
        own += features @ masked.astype(np.uint64) + triples[other][1]
    out[ring.index] = own
    return out


def gradient_products(
    ring: Ring, features: np.ndarray, residual: np.ndarray, batch: np.ndarray
) -> dict[int, np.ndarray]:
    """This party's shares of ``X_m[batch]ᵀ·d`` for every party ``m`` (``residual``: its share of ``d``)."""
    triples = ring.tape.matrix_triples(ring.index, batch, ring.dims)
    out: dict[int, np.ndarray] = {}
    for other, peer in ring.peers:
        vector_mask, _, holder_share = triples[other]
        ring.channel.send(peer, "ss.residual", {"vec": residual - vector_mask})
        out[other] = ring.masked_features[other][batch].T @ vector_mask + holder_share
    own = features.T @ residual
    for other, peer in ring.peers:
        masked = ring.channel.recv(peer, "ss.residual").get("vec")
        if not isinstance(masked, np.ndarray) or masked.shape != (len(batch),):
            raise ProtocolError(f"{peer} sent a masked residual share of the wrong shape")
        own += features.T @ masked.astype(np.uint64) + triples[other][1]
    out[ring.index] = own
    return out
