"""The encrypted arithmetic of SecureBoost: packed gradient/hessian, ciphertext histograms, bin packing.

Built on :mod:`pledgenet.crypto.paillier` (keys, DJN obfuscator pool, :class:`PackingLayout`); only the
SecureBoost-specific steps are here:

* :class:`GradientCodec` (guest): each row's gradient ``g`` and hessian ``h`` become fixed-point integers
  (``FRACTION_BITS``) packed into ONE plaintext ``h + g · 2^S``, so a tree costs one encryption per row;
  ``S`` leaves room for the sum over every row, so bin sums never carry between the two slots.
* :func:`histogram_ciphertexts` (host): the per-bin products of the rows' ciphertexts for a node (the
  encrypted per-bin sums of g and h), computed in worker processes over both cores.
* :func:`compress` (host): ``k`` bin sums shifted into one ciphertext (``c_0 · c_1^(2^W) · …``) and
  re-randomised with a fresh obfuscator, so the guest decrypts ~14× fewer ciphertexts and cannot link a
  returned ciphertext to the rows it came from.
* :meth:`GradientCodec.decrypt_histogram` (guest): decrypt, unpack the bins, unpack (G, H) of each bin.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import gmpy2
import numpy as np

from pledgenet.crypto.paillier.encoding import from_residue
from pledgenet.crypto.paillier.keys import PaillierPrivateKey, PaillierPublicKey
from pledgenet.crypto.paillier.obfuscator import ObfuscatorPool, table_for
from pledgenet.crypto.paillier.packing import PackingLayout
from pledgenet.errors import EncodingOverflow

FRACTION_BITS = 53  # float64 gradients are exact to ~2^-53: same splits as plaintext boosting


class GradientCodec:
    """Fixed-point packing of (g, h) per row and of bin sums per ciphertext, for ``max_rows`` rows."""

    def __init__(self, key_bits: int, max_rows: int) -> None:
        row_bits = max(1, int(max_rows).bit_length())
        # |g| < 1 and 0 <= h <= 1/4: a sum over max_rows rows stays below 2^(FRACTION_BITS + row_bits).
        self.pair = PackingLayout.plan(key_bits, value_bits=FRACTION_BITS, max_terms=max_rows, slots=2)
        if self.pair.slot_limit_bits < FRACTION_BITS + row_bits:
            raise EncodingOverflow("gradient packing has no headroom for this many rows")
        self.bins = PackingLayout.plan(key_bits, value_bits=self.pair.total_bits, max_terms=1)
        self.key_bits = key_bits

    @property
    def bins_per_ciphertext(self) -> int:
        return self.bins.slots

    def pack_rows(self, gradients: np.ndarray, hessians: np.ndarray) -> list[int]:
        scale = float(1 << FRACTION_BITS)
        g_fixed = np.rint(gradients * scale).astype(object)
        h_fixed = np.rint(hessians * scale).astype(object)
        shift = self.pair.slot_bits
        return [int(h) + (int(g) << shift) for g, h in zip(g_fixed, h_fixed, strict=True)]

    def encrypt_rows(
        self, public_key: PaillierPublicKey, pool: ObfuscatorPool, gradients: np.ndarray, hessians: np.ndarray
    ) -> list[Any]:
        """One ciphertext per row holding its packed (g, h)."""
        packed = self.pack_rows(gradients, hessians)
        obfuscators = pool.take(len(packed))
        n, n_square = public_key.n, public_key.n_square
        return [(1 + (m % n) * n) * r % n_square for m, r in zip(packed, obfuscators, strict=True)]

    def decrypt_histogram(
        self, private_key: PaillierPrivateKey, packed: list[Any], bin_count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Decrypt compressed histogram ciphertexts into per-bin (G, H) float arrays of ``bin_count``."""
        public_key = private_key.public_key
        values: list[int] = []
        for ciphertext in packed:
            plain = from_residue(private_key.raw_decrypt(ciphertext), public_key.n, public_key.max_int)
            values.extend(self.bins.unpack(plain))
        values = values[:bin_count]
        scale = float(1 << FRACTION_BITS)
        sums_g = np.empty(bin_count)
        sums_h = np.empty(bin_count)
        for k, value in enumerate(values):
            h_sum, g_sum = self.pair.unpack(value)
            sums_g[k] = g_sum / scale
            sums_h[k] = h_sum / scale
        return sums_g, sums_h


# ------------------------------------------------------------------ host side (worker processes)
_ROWS: list[Any] = []
_BINNED: np.ndarray | None = None
_N_SQUARE: Any = None


def _bin_products(rows: np.ndarray, features: list[int], bins_of: list[int]) -> list[list[Any]]:
    assert _BINNED is not None
    ciphertexts, n_square = _ROWS, _N_SQUARE
    out = []
    for feature, bins in zip(features, bins_of, strict=True):
        column = _BINNED[rows, feature]
        order = np.argsort(column, kind="stable")
        bounds = np.searchsorted(column[order], np.arange(bins + 1))
        sorted_rows = rows[order]
        sums = []
        for b in range(bins):
            product = gmpy2.mpz(1)
            for row in sorted_rows[bounds[b] : bounds[b + 1]]:
                product = product * ciphertexts[row] % n_square
            sums.append(product)
        out.append(sums)
    return out


def _compress_chunk(chunk: list[Any], slot_bits: int) -> Any:
    n_square = _N_SQUARE
    shift = gmpy2.mpz(1) << slot_bits
    packed = chunk[-1]
    for ciphertext in reversed(chunk[:-1]):
        packed = gmpy2.powmod(packed, shift, n_square) * ciphertext % n_square
    return packed


class HistogramEngine:
    """A host's encrypted-histogram workers for one tree (fork-started, sharing the row ciphertexts)."""

    def __init__(self, ciphertexts: list[Any], binned: np.ndarray, public_key: PaillierPublicKey) -> None:
        global _ROWS, _BINNED, _N_SQUARE
        _ROWS, _BINNED, _N_SQUARE = ciphertexts, binned, public_key.n_square
        self.public_key = public_key
        self.workers = max(1, min(os.cpu_count() or 1, binned.shape[1]))
        self._executor: ProcessPoolExecutor | None = None
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def histogram(self, rows: np.ndarray, features: list[int], bins_of: list[int]) -> list[Any]:
        """Per-bin encrypted sums over ``rows``, flattened in the given feature order."""
        if self._executor is None:
            parts = [_bin_products(rows, features, bins_of)]
        else:
            share = -(-len(features) // self.workers)
            futures = [
                self._executor.submit(_bin_products, rows, features[i : i + share], bins_of[i : i + share])
                for i in range(0, len(features), share)
            ]
            parts = [future.result() for future in futures]
        return [c for part in parts for feature_sums in part for c in feature_sums]

    def compress(self, sums: list[Any], codec: GradientCodec) -> list[Any]:
        """Pack ``bins_per_ciphertext`` sums per ciphertext, then re-randomise each packed ciphertext."""
        per = codec.bins_per_ciphertext
        chunks = [sums[i : i + per] for i in range(0, len(sums), per)]
        if self._executor is None:
            packed = [_compress_chunk(chunk, codec.bins.slot_bits) for chunk in chunks]
        else:
            packed = list(self._executor.map(_compress_chunk, chunks, [codec.bins.slot_bits] * len(chunks)))
        fresh = table_for(self.public_key).random_powers(len(packed))
        n_square = self.public_key.n_square
        return [c * r % n_square for c, r in zip(packed, fresh, strict=True)]
