"""n-party additive secret sharing in Z_2^64 with a trusted dealer: the arithmetic under hetero LR.

Every value is split into one share per data party (guest = party 0, hosts = 1..n−1): additive shares mod
2^64 for numbers, XOR shares for bits. Linear operations are local; products and comparisons consume
correlated randomness that a dealer (the coordinator) prepares without ever seeing data:

* AND triples for boolean gates;
* masks ``r`` shared both additively and bit by bit, for comparisons;
* daBits (one random bit ``t`` shared both ways) with shares of ``t·β``, to turn a shared bit ``b`` into a
  shared number and multiply it by a shared ``z`` without another round;
* matrix triples for the gradient's cross products ``X_mᵀ·d_v`` (SecureML: each party's feature matrix is
  masked ONCE, ``E_m = X_m − A_m`` is sent at setup, and each batch uses fresh ``b`` and shares of
  ``A_m[batch]ᵀ·b``).

Why written here: the protocol is the product (SecureML with a dealer; comparisons as ABY's boolean
circuits); there is no maintained Python library for n-party shares over our authenticated
:class:`~pledgenet.fl.net.channel.Channel`. Every opened value is masked by fresh uniform randomness, so an
opening teaches nothing: ``z + r`` (``r`` uniform), ``x ⊕ a`` (``a`` uniform), ``b ⊕ t`` (``t`` a uniform
bit), ``z − β``, ``X − A`` and ``d − b`` (``A``, ``b`` uniform).

Comparison (:meth:`Ring.at_least`) runs in the sub-ring Z_2^32 (shares reduced mod 2^32, a divisor of
2^64): exact whenever ``|z − k| < 2^31`` in ring units, which each party enforces on its own part of
``z`` (:attr:`Ring.compare_limit`). Open ``c = z + r``; then ``z − k = (c − k) − r``, whose sign bit is
``msb(c') ⊕ msb(r) ⊕ [low31(c') < low31(r)]``; the last term is a carry-lookahead tree over XOR-shared
bit planes (bit-sliced: plane ``j`` packs bit ``j`` of every element, 8 per byte), 5 rounds, 61 ANDs.

The correlated randomness is expanded with AES-256-CTR (``cryptography``, AES-NI), ~4× faster here than
the ChaCha20 of :mod:`pledgenet.crypto.prg`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pledgenet.errors import PrivacyError, ProtocolError
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.sharing.compare import WINDOW_MONOMIALS, WORD_BITS, at_least, unplanes, window_monomials

Shares = dict[int, np.ndarray]


class Stream:
    """A party's stream of uniform words: AES-256-CTR keyed by its 32-byte seed, IV from a public label."""

    def __init__(self, seed: bytes, label: bytes) -> None:
        if len(seed) != 32:
            raise PrivacyError("a randomness seed is 32 bytes", code="bad_prg")
        iv = hashlib.sha256(b"pledgenet-ss-stream|" + label).digest()[:16]
        self._cipher = Cipher(algorithms.AES(seed), modes.CTR(iv)).encryptor()

    def words(self, shape: Any, dtype: Any) -> np.ndarray:
        count = int(np.prod(shape))
        size = count * np.dtype(dtype).itemsize
        out = bytearray(size + 15)
        self._cipher.update_into(bytes(size), out)
        return np.frombuffer(out, dtype=dtype, count=count).reshape(shape)


class Tape:
    """Correlated randomness of one party, or of every party at the dealer.

    Each party draws its shares of every object from its own stream (seeded by the dealer). The one
    component that makes an object consistent (the product share of a triple, the additive share of a mask
    or daBit) is drawn by nobody: the dealer, replaying every party's stream, computes it for one party and
    sends it. The same code runs at a party (``corrections`` = what the dealer sent, consumed in order)
    and at the dealer (``dealer=True``: ``produced[p]`` collects what party ``p`` must be sent).
    """

    def __init__(self, streams: dict[int, Stream], *, dealer: bool = False) -> None:
        self.streams = streams
        self.dealer = dealer
        self.corrections: list[np.ndarray] = []
        self.produced: dict[int, list[np.ndarray]] = {p: [] for p in streams}
        self.matrix_masks: dict[int, np.ndarray] = {}

    def _draw(
        self, shape: Any, dtype: Any = np.uint64, only: int | None = None, skip: int | None = None
    ) -> Shares:
        return {
            p: stream.words(shape, dtype)
            for p, stream in self.streams.items()
            if (only is None or p == only) and p != skip
        }

    def _complete(
        self,
        shares: Shares,
        owner: int,
        target: Callable[[], np.ndarray],
        shape: Any,
        *,
        xor: bool = False,
        dtype: Any = np.uint64,
    ) -> None:
        """Give ``owner`` the share that makes ``shares`` add (or XOR) up to ``target()``."""
        if self.dealer:
            value = target().copy()
            for p, share in shares.items():
                if p != owner:
                    value = value ^ share if xor else value - share
            shares[owner] = value
            self.produced[owner].append(value)
        elif owner in self.streams:
            if not self.corrections:
                raise ProtocolError("the dealer sent too little correlated randomness")
            value = self.corrections.pop(0)
            expected = tuple(int(v) for v in np.atleast_1d(shape))
            if not isinstance(value, np.ndarray) or value.shape != expected or value.dtype != dtype:
                raise ProtocolError("the dealer's correlated randomness has the wrong shape")
            shares[owner] = value

    def arith_triple(self, shape: Any) -> tuple[Shares, Shares, Shares]:
        a, b, c = self._draw(shape), self._draw(shape), self._draw(shape, skip=0)
        self._complete(c, 0, lambda: _sum(a) * _sum(b), shape)
        return a, b, c

    def and_triple(self, shape: Any, outputs: int) -> tuple[Shares, list[Shares], list[Shares]]:
        """``a`` and ``outputs`` pairs ``(b_k, c_k = a & b_k)`` of packed bits (one left operand, k ANDs)."""
        a = self._draw(shape, np.uint8)
        bs = [self._draw(shape, np.uint8) for _ in range(outputs)]
        cs = [self._draw(shape, np.uint8, skip=0) for _ in range(outputs)]
        for b, c in zip(bs, cs, strict=True):
            self._complete(c, 0, _and_of(a, b), shape, xor=True, dtype=np.uint8)
        return a, bs, cs

    def mask(self, count: int) -> tuple[Shares, Shares, Shares]:
        """A uniform ``r`` mod 2^32: XOR shares of its bit planes, additive (uint32) shares, and XOR shares
        of the products of its bits within each 4-bit window (``WINDOW_MONOMIALS``)."""
        width = -(-count // 8)
        bits = self._draw((WORD_BITS, width), np.uint8)
        value = self._draw(count, np.uint32, skip=0)
        self._complete(value, 0, lambda: unplanes(_xor(bits), count), count, dtype=np.uint32)
        shape = (WORD_BITS // 4, len(WINDOW_MONOMIALS), width)
        products = self._draw(shape, np.uint8, skip=0)
        self._complete(products, 0, lambda: window_monomials(_xor(bits)), shape, xor=True, dtype=np.uint8)
        return bits, value, products

    def dabit_products(self, shape: tuple[int, int]) -> tuple[Shares, Shares, Shares, Shares]:
        """Uniform bits ``t`` (K, n): XOR shares packed along the last axis and additive Z_2^64 shares; a
        uniform ``β`` (n) and additive shares of ``t·β``, so a shared ``z`` times ``t`` costs only the
        opening of ``z − β``."""
        bits = self._draw((shape[0], -(-shape[1] // 8)), np.uint8)
        value = self._draw(shape, skip=0)
        target = lambda: np.unpackbits(_xor(bits), axis=-1, count=shape[1]).astype(np.uint64)  # noqa: E731
        self._complete(value, 0, target, shape)
        beta, product = self._draw(shape[1]), self._draw(shape, skip=0)
        self._complete(product, 0, lambda: _sum(value) * _sum(beta)[None, :], shape)
        return bits, value, beta, product

    def draw_matrix_masks(self, dims: list[int], rows: int) -> None:
        """Setup: each party's mask ``A_p`` (rows × dims[p]) of its encoded features."""
        for p in range(len(dims)):
            self.matrix_masks.update(self._draw((rows, dims[p]), only=p))

    def matrix_triple(self, owner: int, holder: int, batch: np.ndarray, dims: int) -> tuple[Shares, Shares]:
        """Fresh ``b`` at ``holder``; ``A_owner[batch]ᵀ·b`` split between ``owner`` and ``holder``."""
        vector = self._draw(len(batch), only=holder)
        product = self._draw(dims, only=holder)
        target = lambda: self.matrix_masks[owner][batch].T @ vector[holder]  # noqa: E731
        self._complete(product, owner, target, dims)
        return vector, product

    def matrix_triples(self, me: int | None, batch: np.ndarray, dims: list[int]) -> dict[int, Any]:
        """Triples for every ordered pair, in one fixed order; for party ``me``: ``{other: (b, u_owner,
        u_holder)}`` (``b`` masks ``me``'s residual for ``other``'s product)."""
        out: dict[int, Any] = {}
        for low in range(len(dims)):
            for high in range(low + 1, len(dims)):
                forward = self.matrix_triple(low, high, batch, dims[low])
                backward = self.matrix_triple(high, low, batch, dims[high])
                if me in (low, high):
                    other = high if me == low else low
                    mine, theirs = (forward, backward) if me == low else (backward, forward)
                    out[other] = (theirs[0][me], mine[1][me], theirs[1][me])
        return out


def _and_of(left: Shares, right: Shares) -> Callable[[], np.ndarray]:
    return lambda: _xor(left) & _xor(right)


def _sum(shares: Shares) -> np.ndarray:
    values = list(shares.values())
    total = values[0].copy()
    for share in values[1:]:
        total += share
    return total


def _xor(shares: Shares) -> np.ndarray:
    values = list(shares.values())
    total = values[0].copy()
    for share in values[1:]:
        total ^= share
    return total


class Ring:
    """One data party's end of the shared computation: openings and the gates built on them."""

    def __init__(self, channel: Channel, parties: list[str], index: int, tape: Tape, dims: list[int]) -> None:
        self.channel, self.parties, self.index, self.tape = channel, parties, index, tape
        self.dims = dims
        self.peers = [(i, p) for i, p in enumerate(parties) if i != index]
        self.masked_features: dict[int, np.ndarray] = {}

    @property
    def leader(self) -> bool:
        """Party 0 adds the public constants (any fixed party would do)."""
        return self.index == 0

    @property
    def compare_limit(self) -> int:
        """Bound on each party's part of a compared value, so that the sum stays below 2^31 − 2^29."""
        return (1 << 31) // (len(self.parties) + 1)

    def _open(self, tag: str, shares: list[np.ndarray], xor: bool) -> list[np.ndarray]:
        """Everyone sends its shares to everyone; returns the sums (or XORs). Dtypes are kept."""
        for _, peer in self.peers:
            self.channel.send(peer, tag, {"shares": shares})
        opened = [s.copy() for s in shares]
        for _, peer in self.peers:
            theirs = self.channel.recv(peer, tag)["shares"]
            if not isinstance(theirs, list) or len(theirs) != len(opened):
                raise ProtocolError(f"{peer} opened the wrong number of values ({tag})")
            for mine, other in zip(opened, theirs, strict=True):
                if (
                    not isinstance(other, np.ndarray)
                    or other.shape != mine.shape
                    or other.dtype != mine.dtype
                ):
                    raise ProtocolError(f"{peer} opened values of the wrong shape or type ({tag})")
                if xor:
                    mine ^= other
                else:
                    mine += other
        return opened

    def and_many(self, left: np.ndarray, rights: list[np.ndarray]) -> list[np.ndarray]:
        """Shares of ``left & right`` for each right operand (packed bits), in one round."""
        a, bs, cs = self.tape.and_triple(left.shape, len(rights))
        me = self.index
        opened = self._open(
            "ss.and", [left ^ a[me]] + [y ^ b[me] for y, b in zip(rights, bs, strict=True)], True
        )
        d = opened[0]
        out = []
        for e, b, c in zip(opened[1:], bs, cs, strict=True):
            share = c[me] ^ (d & b[me]) ^ (e & a[me])
            out.append(share ^ (d & e) if self.leader else share)
        return out

    def hinge_terms(self, z: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Additive shares of ``b_k = [z ≥ t_k]`` and of ``b_k·z`` for every ring-encoded threshold (K, n).

        Rounds: open ``c = z + r`` and ``z − β``; 5 rounds of ANDs give XOR shares of ``b_k``; open
        ``e = b_k ⊕ t_k`` (daBit). Then ``b = e + t − 2et`` and ``b·z = e·z + (1 − 2e)·(γ + (z − β)·t)``
        with ``γ = t·β`` from the dealer: all local.
        """
        count, me = len(z), self.index
        mask_bits, mask_value, mask_products = (s[me] for s in self.tape.mask(count))
        t_bits, t_value, beta, product = (s[me] for s in self.tape.dabit_products((len(thresholds), count)))
        opened, epsilon = self._open("ss.cmp", [z.astype(np.uint32) + mask_value, z - beta], xor=False)
        packed = at_least(self, opened, mask_bits, mask_products, thresholds)
        (flips,) = self._open("ss.b2a", [packed ^ t_bits], xor=True)
        e = np.unpackbits(flips, axis=-1, count=count).astype(np.uint64)
        sign = np.uint64(1) - (e << np.uint64(1))  # 1 − 2e mod 2^64
        bit = sign * t_value
        bit_times_z = e * z[None, :] + sign * (product + epsilon[None, :] * t_value)
        return (bit + e, bit_times_z) if self.leader else (bit, bit_times_z)

    def share_features(self, features: np.ndarray) -> None:
        """Setup: send ``E = X − A`` (this party's encoded features under its one-time mask) to every peer."""
        for _, peer in self.peers:
            self.channel.send(peer, "ss.features", {"masked": features - self.tape.matrix_masks[self.index]})
        for other, peer in self.peers:
            masked = self.channel.recv(peer, "ss.features")["masked"]
            if not isinstance(masked, np.ndarray) or masked.shape != (len(features), self.dims[other]):
                raise ProtocolError(f"{peer} sent masked features of the wrong shape")
            self.masked_features[other] = masked

    def cross_products(
        self,
        features: np.ndarray,
        vector: np.ndarray,
        batch: np.ndarray,
        noise: dict[int, np.ndarray] | None = None,
    ) -> np.ndarray:
        """This party's ``X_ownᵀ·d`` (ring) for the ``batch`` rows, ``d`` shared among all parties.

        ``X_ownᵀ·d_own`` is local. For each other party ``v``, one message each way: ``d − b`` and the
        sender's share of the other's product ``E_v[batch]ᵀ·b' + u`` (masked by its triple share ``u``),
        plus ``noise[v]`` when given (ring-encoded at the scale of ``v``'s product): ``v`` then reconstructs
        its product plus that noise and never the exact value.
        """
        triples = self.tape.matrix_triples(self.index, batch, self.dims)
        for other, peer in self.peers:
            vector_mask, _, holder_share = triples[other]
            share = self.masked_features[other][batch].T @ vector_mask + holder_share
            if noise is not None and other in noise:
                share = share + noise[other]
            self.channel.send(peer, "ss.cross", {"vec": vector - vector_mask, "share": share})
        total = features.T @ vector
        for other, peer in self.peers:
            got = self.channel.recv(peer, "ss.cross")
            masked, share = got.get("vec"), got.get("share")
            if np.shape(masked) != (len(batch),) or np.shape(share) != total.shape:
                raise ProtocolError(f"{peer} sent a cross product of the wrong shape")
            total += features.T @ np.asarray(masked, dtype=np.uint64) + triples[other][1]
            total += np.asarray(share, dtype=np.uint64)
        return total
