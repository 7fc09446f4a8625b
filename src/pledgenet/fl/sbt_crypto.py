"""SecureBoost's encrypted layout: k rows per ciphertext, bin sums aligned, junk masked, bins packed.

Everything cryptographic comes from :mod:`pledgenet.crypto.paillier` (``encrypt_integers`` with the key
owner's CRT obfuscator pool, ``EncryptedVector`` wire format, ``add_integers`` masks, ``rerandomised``,
``decrypt_integers``, ``PackingLayout``); this module only fixes SecureBoost's integer layouts.

* **Row value** (guest): a row's gradient ``g`` and hessian ``h`` as fixed-point integers (``FRACTION_BITS``,
  exact for float64) packed as ``v = h + g·2^S`` (``pair`` layout); ``S`` leaves headroom for the sum over
  every row, so bin sums never carry from ``h`` into ``g``.
* **Two rows per ciphertext** (guest): the plaintext of pair ``p`` is ``v_2p + v_2p+1 · 2^W`` (``rows``
  layout, ``W = POSITION_BITS``): a tree costs ``rows / 2`` encryptions instead of ``rows``.
* **Host bin products**: for bin ``b`` the host multiplies the ciphertexts of pairs whose *first* row is in
  ``b`` (``A_b``: the bin's sum in position 0, a "junk" sum of partner rows in position 1) and, separately,
  those whose *second* row is in ``b`` (``B_b``: junk in position 0, the bin's sum in position 1).
* **Aligned compression** (host): the bins of a reply are combined by Horner's rule into one ciphertext,
  ``B_b0 · A_b0^(2^W) · B_b1^(2^2W) · A_b1^(2^3W) ...``, so position ``2j+1`` holds ``A``'s and ``B``'s
  halves of bin ``j``'s sum, added (the exact bin sum), and the even positions hold junk. Junk would tell
  the guest sums of gradients grouped by the host's bins of *another* row, so the host adds a fresh uniform
  mask ``STATISTICAL_BITS`` wider than the junk to every even position (statistical distance
  ``2^-STATISTICAL_BITS``), then re-randomises the ciphertext. ``bins_per_reply`` bins (5 at 2048 bits) go
  in one ciphertext, so the guest decrypts few.
* **Decoding** (guest): decrypt, split into positions (balanced digits), keep the odd ones, unpack ``(h, g)``.
"""

from __future__ import annotations

import secrets
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
"""Rows packed per ciphertext: the guest's encryptions fall k-fold, the hosts' folding grows ~k-fold;
3 is the cheapest total at depth 3 on default_credit (2: ~20% slower per tree, 4: no faster)."""
SAFETY_BITS = 3  # as PackingLayout: the packed integer stays below max_int = n/3


class GradientCodec:
    """The integer layouts of one SecureBoost run (``key_bits`` modulus, at most ``max_rows`` rows)."""

    def __init__(self, key_bits: int, max_rows: int, rows_per_ciphertext: int = ROWS_PER_CIPHERTEXT) -> None:
        k = rows_per_ciphertext
        # |g| < 1 and 0 <= h <= 1/4: a sum over max_rows rows stays within a slot of the pair layout.
        self.pair = PackingLayout.plan(key_bits, value_bits=FRACTION_BITS, max_terms=max_rows, slots=2)
        # |a row value| and |a sum of row values| < 2^sum_bits; a junk position adds up to 2(k-1) sums
        self.sum_bits = self.pair.total_bits
        junk_bits = self.sum_bits + max(0, 2 * k - 3).bit_length()
        # junk spans 2^(junk_bits+1) values: a uniform mask 2^STATISTICAL_BITS times wider hides it
        self.mask_bits = junk_bits + 1 + STATISTICAL_BITS
        # a masked junk position lies in (-2^junk_bits, 2^mask_bits + 2^junk_bits): one more bit, plus the
        # sign bit of balanced digits
        self.position_bits = self.mask_bits + 2
        self.rows_per_ciphertext = k
        self.rows = PackingLayout(slot_bits=self.position_bits, slots=k)
        positions = (key_bits - SAFETY_BITS) // self.position_bits
        self.bins_per_reply = (positions - (k - 1)) // k
        if k < 1 or self.bins_per_reply < 1:
            raise EncodingOverflow(f"a {key_bits}-bit key is too small for {k} rows per ciphertext")
        self.reply = PackingLayout(slot_bits=self.position_bits, slots=k * self.bins_per_reply + k - 1)
        self.key_bits = key_bits
        self.max_rows = max_rows

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
        masks = []
        for _ in combined:
            mask = 0
            for position in junk:
                mask += secrets.randbits(self.mask_bits) << (position * self.position_bits)
            masks.append(mask)
        vector = EncryptedVector(public_key, combined, exponent=0, bound_bits=self.reply_bound_bits - 1)
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
        integers = decrypt_integers(private_key, vector)
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
