"""Secure comparison for :mod:`pledgenet.fl.sharing.ring`: ``[z ≥ t]`` for a shared ``z``, public ``t``.

Works in Z_2^32 (shares reduced mod 2^32). With ``c = z + r`` opened (``r`` the dealer's uniform mask),
``z − t = (c − t) − r`` and its sign bit is ``msb(c') ⊕ msb(r) ⊕ [low31(c') < low31(r)]`` with ``c' = c − t``.
The last term is a carry-lookahead tree over the XOR-shared bits of ``r`` against the public bits of
``c'``: each bit position gives (G = r_j·¬c_j: "greater here", E = r_j ⊕ ¬c_j: "equal here"), and pairs
combine as ``(G_hi ⊕ E_hi·G_lo, E_hi·E_lo)``.

Bit-sliced: plane ``j`` packs bit ``j`` of every element, 8 per byte, so one AND gate is one byte
operation per 8 comparisons. The first two levels of the tree (4-bit windows) cost no round: there a
window's (G, E) is a polynomial in the mask's 4 bits with public coefficients, and the dealer supplies
XOR shares of the 11 products of 2 or more of those bits. The remaining 8 windows take 3 rounds of ANDs.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class BitSharing(Protocol):
    """What the comparison needs of a party's share of the ring (``ring.Ring``): who leads, and ANDs."""

    @property
    def leader(self) -> bool: ...

    def and_many(self, left: np.ndarray, rights: list[np.ndarray]) -> list[np.ndarray]: ...


WORD_BITS = 32  # comparisons run mod 2^32
WINDOW_MONOMIALS = [m for m in range(16) if bin(m).count("1") >= 2]  # products of 2+ bits of 4
Poly = dict[int, np.ndarray]  # GF(2) polynomial in a window's 4 mask bits: monomial -> public coefficient


def window_monomials(bit_planes: np.ndarray) -> np.ndarray:
    """Planes (32, …) → (8, 11, …): AND of each 2+-subset of the bits of every 4-bit window."""
    windows = bit_planes.reshape((WORD_BITS // 4, 4, *bit_planes.shape[1:]))
    out = []
    for monomial in WINDOW_MONOMIALS:
        members = [j for j in range(4) if monomial >> j & 1]
        product = windows[:, members[0]].copy()
        for j in members[1:]:
            product &= windows[:, j]
        out.append(product)
    return np.stack(out, axis=1)


def _poly_mul(left: Poly, right: Poly) -> Poly:
    out: Poly = {}
    for s, a in left.items():
        for t, b in right.items():
            term = a & b
            out[s | t] = out[s | t] ^ term if (s | t) in out else term
    return out


def _poly_add(left: Poly, right: Poly) -> Poly:
    out = dict(left)
    for s, b in right.items():
        out[s] = out[s] ^ b if s in out else b
    return out


def planes(words: np.ndarray) -> np.ndarray:
    """Bit planes of uint32 ``words`` (…, n): shape (32, …, ceil(n/8)), bit ``j`` of every element packed."""
    shifts = np.arange(WORD_BITS, dtype=np.uint32).reshape((WORD_BITS,) + (1,) * words.ndim)
    return np.packbits(((words[None] >> shifts) & np.uint32(1)).astype(np.uint8), axis=-1)


def unplanes(packed: np.ndarray, count: int) -> np.ndarray:
    """Inverse of :func:`planes` for (32, count) words."""
    bits = np.unpackbits(packed, axis=-1, count=count).astype(np.uint32)
    return (bits << np.arange(WORD_BITS, dtype=np.uint32)[:, None]).sum(axis=0, dtype=np.uint32)


def at_least(
    ring: BitSharing, opened: np.ndarray, bits: np.ndarray, products: np.ndarray, thresholds: np.ndarray
) -> np.ndarray:
    """XOR shares (packed bits, (K, ceil(n/8))) of ``[z ≥ t]`` from the opened ``c = z + r`` mod 2^32.

    Exact while ``|z − t| < 2^31``; one mask ``r`` serves every threshold (``c − t`` is public). The
    first two levels of the tree (4-bit windows) are free: as polynomials in the mask's bits with public
    coefficients they only need the dealer's shares of the window monomials.
    """
    public = planes(opened[None, :] - thresholds.astype(np.uint32)[:, None])  # (32, K, bytes)
    windows = (~public).reshape((8, 4, *public.shape[1:]))  # ¬c, by window and position
    ones = np.full(windows.shape[:1] + windows.shape[2:], 0xFF, dtype=np.uint8)
    level: list[tuple[Poly, Poly]] = []
    for j in range(4):  # G_j = r_j·¬c_j, E_j = r_j ⊕ ¬c_j (plane 31: G = 0, E = 1)
        not_c = windows[:, j].copy()
        bit_coefficient = ones.copy()
        if j == 3:
            not_c[-1], bit_coefficient[-1] = 0xFF, 0
            level.append(({1 << j: windows[:, j] & bit_coefficient}, {0: not_c, 1 << j: bit_coefficient}))
        else:
            level.append(({1 << j: not_c}, {0: not_c, 1 << j: ones}))
    while len(level) > 1:  # (G_hi ⊕ E_hi·G_lo, E_hi·E_lo)
        level = [
            (_poly_add(hi[0], _poly_mul(hi[1], lo[0])), _poly_mul(hi[1], lo[1]))
            for lo, hi in zip(level[0::2], level[1::2], strict=True)
        ]
    generate = _poly_share(ring.leader, level[0][0], bits, products)
    equal = _poly_share(ring.leader, level[0][1], bits, products)
    while len(generate) > 1:  # carry-lookahead over the 8 windows: 3 rounds of ANDs
        if len(generate) > 2:
            g_part, e_part = ring.and_many(equal[1::2], [generate[0::2], equal[0::2]])
            generate, equal = generate[1::2] ^ g_part, e_part
        else:
            generate = generate[1::2] ^ ring.and_many(equal[1::2], [generate[0::2]])[0]
    sign = generate[0] ^ bits[-1][None, :]  # [low31 c' < low31 r] ⊕ msb(r)
    return sign ^ public[-1] ^ 0xFF if ring.leader else sign  # [z ≥ t] = 1 ⊕ msb(z − t)


def _poly_share(leader: bool, poly: Poly, bits: np.ndarray, products: np.ndarray) -> np.ndarray:
    """This party's XOR share of a window polynomial (coefficients public, monomials shared)."""
    windows = bits.reshape(8, 4, 1, bits.shape[-1])
    total = np.zeros_like(next(iter(poly.values())))
    for monomial, coefficient in poly.items():
        if monomial == 0:
            if leader:
                total ^= coefficient
        elif bin(monomial).count("1") == 1:
            total ^= coefficient & windows[:, monomial.bit_length() - 1]
        else:
            total ^= coefficient & products[:, WINDOW_MONOMIALS.index(monomial)][:, None, :]
    return total
