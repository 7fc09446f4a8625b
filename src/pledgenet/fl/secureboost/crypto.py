"""SecureBoost's encrypted layout: k rows per ciphertext, bin sums aligned, junk masked, bins packed.

Everything cryptographic comes from :mod:`pledgenet.crypto.paillier` (``encrypt_integers`` with the key
owner's CRT obfuscator pool, ``EncryptedVector`` wire format, ``add_integers`` masks, ``rerandomised``,
``decrypt_integers``, ``PackingLayout``); this module only fixes SecureBoost's integer layouts.

* **Row value** (guest): a row's gradient ``g`` and hessian ``h`` as fixed-point integers (``FRACTION_BITS``,
  exact for float64) packed as ``v = h + g·2^S`` (``pair`` layout); ``S`` leaves headroom for the sum over
  every row, so bin sums never carry from ``h`` into ``g``.
* **k rows per ciphertext** (guest): the plaintext of group ``p`` is ``v_kp + v_kp+1·2^W + ...``
  (``rows`` layout, ``W = position_bits``, ``k = ROWS_PER_CIPHERTEXT``): a tree costs ``rows / k``
  encryptions instead of ``rows``.
* **Host bin products**: ``P_{b,s}`` multiplies the ciphertexts whose row in slot ``s`` is in bin ``b``:
  position ``s`` of its plaintext is the bin's partial sum, the other positions are "junk" (sums of the
  partner rows).
* **Aligned folding** (host, ``horner``): a reply ciphertext is ``prod_j prod_s P_{b_j,s}^(2^((kj+k-1-s)W))``,
  so the ``k`` partial sums of bin ``j`` land on position ``kj+k-1`` and add up to the exact bin sum; every
  other position holds junk. Junk would tell the guest sums of gradients grouped by the host's bins of
  *other* rows, so the host adds a fresh uniform mask ``2^STATISTICAL_BITS`` times wider than the junk's
  range to every junk position (statistical distance ``2^-STATISTICAL_BITS``), then re-randomises.
  ``bins_per_reply`` bins share one ciphertext (3 at 2048 bits with k = 3), so the guest decrypts few.
* **Decoding** (guest): decrypt, split into positions (balanced digits), keep the sum positions, unpack
  ``(h, g)``.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import gmpy2
import numpy as np

from pledgenet.crypto.paillier import (
    EncryptedVector,
    ObfuscatorPool,
    PackingLayout,
    PaillierPrivateKey,
    PaillierPublicKey,
    decrypt_integers,
    encrypt_integers,
)
from pledgenet.errors import EncodingOverflow, ProtocolError

FRACTION_BITS = 53  # float64 gradients are exact to ~2^-53: same splits as plaintext boosting
STATISTICAL_BITS = 40  # masks on junk positions: statistical distance 2^-40
ROWS_PER_CIPHERTEXT = 3
"""Rows packed per ciphertext for large training sets: the guest's encryptions fall k-fold while the hosts'
folding grows ~k-fold; 3 is the cheapest total at depth 3 on default_credit (21,000 rows, ~100 host bins)."""
MULTI_ROW_MIN_ROWS = 4096
"""Below this many rows folding (per bin) outweighs encryption (per row): one row per ciphertext."""
SAFETY_BITS = 3  # as PackingLayout: the packed integer stays below max_int = n/3


class GradientCodec:
    """The integer layouts of one SecureBoost run (``key_bits`` modulus, at most ``max_rows`` rows)."""

    def __init__(self, key_bits: int, max_rows: int, rows_per_ciphertext: int = 1) -> None:
        k = rows_per_ciphertext
        if not 1 <= k <= 8:
            raise EncodingOverflow(f"{k} rows per ciphertext is outside 1..8")
        # |g| < 1 and 0 <= h <= 1/4: a sum over max_rows rows stays within a slot of the pair layout.
        self.pair = PackingLayout.plan(key_bits, value_bits=FRACTION_BITS, max_terms=max_rows, slots=2)
        # |a row value| and |a sum of row values| < 2^sum_bits; a junk position adds up to 2(k-1) sums
        self.sum_bits = self.pair.total_bits
        junk_bits = self.sum_bits + max(0, 2 * k - 3).bit_length()
        # junk spans 2^(junk_bits+1) values: a uniform mask 2^STATISTICAL_BITS times wider hides it
        self.mask_bits = junk_bits + 1 + STATISTICAL_BITS if k > 1 else 0
        # a masked junk position lies in (-2^junk_bits, 2^mask_bits + 2^junk_bits): one more bit, plus the
        # sign bit of balanced digits; with one row per ciphertext there is no junk, only sums
        self.position_bits = self.mask_bits + 2 if k > 1 else self.sum_bits + 1
        self.rows_per_ciphertext = k
        self.rows = PackingLayout(slot_bits=self.position_bits, slots=k)
        positions = (key_bits - SAFETY_BITS) // self.position_bits
        self.bins_per_reply = (positions - (k - 1)) // k
        if k < 1 or self.bins_per_reply < 1:
            raise EncodingOverflow(f"a {key_bits}-bit key is too small for {k} rows per ciphertext")
        self.reply = PackingLayout(slot_bits=self.position_bits, slots=k * self.bins_per_reply + k - 1)
        self.key_bits = key_bits
        self.max_rows = max_rows

    @classmethod
    def for_training(cls, key_bits: int, rows: int) -> GradientCodec:
        """The guest's choice: ``ROWS_PER_CIPHERTEXT`` rows per ciphertext for large sets, else one."""
        if rows >= MULTI_ROW_MIN_ROWS:
            try:
                return cls(key_bits, rows, ROWS_PER_CIPHERTEXT)
            except EncodingOverflow:
                pass  # the key is too small for the multi-row layout
        return cls(key_bits, rows, 1)

    @property
    def row_bound_bits(self) -> int:
        """Declared bound of a k-row plaintext (``|v| < 2^row_bound_bits``)."""
        return self.rows.total_bits

    @property
    def reply_bound_bits(self) -> int:
        """Declared bound of one reply ciphertext's plaintext, masks included."""
        return self.reply.total_bits

    def is_sum_position(self, position: int) -> bool:
        """Whether a reply position holds a bin sum (else it holds masked junk)."""
        k = self.rows_per_ciphertext
        return position % k == k - 1 and position < k * self.bins_per_reply

    # ------------------------------------------------------------------ guest: encryption
    def pack_rows(self, gradients: np.ndarray, hessians: np.ndarray) -> list[int]:
        """One integer per k rows: ``v_kp + v_kp+1 · 2^W + ...`` (zero rows pad the last one)."""
        if len(gradients) > self.max_rows:
            raise EncodingOverflow(f"{len(gradients)} rows, the codec was planned for {self.max_rows}")
        scale = float(1 << FRACTION_BITS)
        g_fixed = np.rint(gradients * scale).astype(np.int64).tolist()
        h_fixed = np.rint(hessians * scale).astype(np.int64).tolist()
        shift = self.pair.slot_bits
        values = [h + (g << shift) for g, h in zip(g_fixed, h_fixed, strict=True)]
        k, position = self.rows_per_ciphertext, self.position_bits
        values += [0] * (-len(values) % k)
        packed = []
        for start in range(0, len(values), k):
            total = 0
            for value in reversed(values[start : start + k]):
                total = (total << position) + value
            packed.append(total)
        return packed

    def encrypt_rows(
        self, public_key: PaillierPublicKey, packed: list[int], pool: ObfuscatorPool
    ) -> EncryptedVector:
        """Encrypt packed rows with obfuscators from ``pool`` (the guest's key-owner pool)."""
        return encrypt_integers(public_key, packed, bound_bits=self.row_bound_bits, pool=pool)

    # ------------------------------------------------------------------ host: masking a reply
    def mask_reply(self, public_key: PaillierPublicKey, combined: list[Any]) -> EncryptedVector:
        """Add fresh masks to every junk position of the combined ciphertexts, then re-randomise."""
        junk = [p for p in range(self.reply.slots) if not self.is_sum_position(p)]
        vector = EncryptedVector(public_key, combined, exponent=0, bound_bits=self.reply_bound_bits - 1)
        if not junk:
            return vector.rerandomised()
        masks = []
        for _ in combined:
            mask = 0
            for position in junk:
                mask += secrets.randbits(self.mask_bits) << (position * self.position_bits)
            masks.append(mask)
        top = (self.reply.slots - 1) * self.position_bits + self.mask_bits + 1
        return vector.add_integers(masks, bound_bits=top).rerandomised()

    # ------------------------------------------------------------------ guest: decoding a reply
    def decrypt_reply(
        self, private_key: PaillierPrivateKey, reply: bytes, bin_count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Decrypt one node's reply into per-bin (G, H) float arrays of ``bin_count`` bins."""
        vector = EncryptedVector.from_bytes(private_key.public_key, reply)
        if len(vector) != -(-bin_count // self.bins_per_reply):
            raise ProtocolError(f"a histogram of {bin_count} bins came in {len(vector)} ciphertexts")
        # two threads (gmpy2 releases the GIL): a reply is a few dozen ciphertexts, under the package's
        # own threading threshold
        half = -(-len(vector) // 2)
        with ThreadPoolExecutor(max_workers=2) as threads:
            parts = threads.map(
                lambda part: decrypt_integers(private_key, part, workers=1), [vector[:half], vector[half:]]
            )
            integers = [value for part in parts for value in part]
        sums: list[int] = []
        for value in integers:
            positions = self.reply.unpack(value)  # type: ignore[arg-type]
            sums.extend(v for p, v in enumerate(positions) if self.is_sum_position(p))
        scale = float(1 << FRACTION_BITS)
        sums_g = np.empty(bin_count)
        sums_h = np.empty(bin_count)
        for k, value in enumerate(sums[:bin_count]):
            h_sum, g_sum = self.pair.unpack(value)
            sums_g[k] = g_sum / scale
            sums_h[k] = h_sum / scale
        return sums_g, sums_h


def horner(contributions: list[Any], position_bits: int, n_square: Any) -> Any:
    """``c_0 · c_1^(2^W) · c_2^(2^2W) ...`` mod ``n^2``: contribution ``i`` lands at position ``i``."""
    shift = gmpy2.mpz(1) << position_bits
    packed = contributions[-1]
    for ciphertext in reversed(contributions[:-1]):
        packed = gmpy2.powmod(packed, shift, n_square) * ciphertext % n_square
    return packed


def reply_groups(per_slot: list[list[Any]], bins_per_reply: int) -> list[list[Any]]:
    """Horner inputs of a reply: per bin, its products for row slot ``k-1`` down to ``0``.

    ``per_slot[s][b]`` is the product of the ciphertexts whose row in slot ``s`` is in bin ``b`` (``None``:
    no row, i.e. the ciphertext 1); bin ``j`` of a reply then has its sum at position ``k·j + k-1``.
    """
    one = gmpy2.mpz(1)
    bins = len(per_slot[0])
    groups = []
    for start in range(0, bins, bins_per_reply):
        group: list[Any] = []
        for b in range(start, min(bins, start + bins_per_reply)):
            group += [one if products[b] is None else products[b] for products in reversed(per_slot)]
        groups.append(group)
    return groups
