"""Fixed-point encoding of real numbers (and negative numbers) into Paillier plaintexts.

A real ``x`` becomes the integer ``round(x * 2^frac_bits)``; a negative integer ``v`` is stored as the
residue ``v mod n``. Residues above ``max_int`` and below ``n - max_int`` mean an overflow, never a value.

The codec *declares* a range: ``|x| < 2^int_bits``. Encrypted vectors carry that declared bound (not the
data's real maximum, which would leak), and every homomorphic operation checks, before computing, that
the bound of its result still fits the plaintext space or the packing slot: overflow is refused, never
silent. Precision: an encoded value differs from ``x`` by at most ``2^-(frac_bits+1)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pledgenet.errors import EncodingOverflow

DEFAULT_FRAC_BITS = 32
DEFAULT_INT_BITS = 32


@dataclass(frozen=True)
class FixedPointCodec:
    """Scale ``2^frac_bits`` and declared magnitude ``|x| < 2^int_bits`` of the values it encodes."""

    frac_bits: int = DEFAULT_FRAC_BITS
    int_bits: int = DEFAULT_INT_BITS

    def __post_init__(self) -> None:
        if self.frac_bits < 0 or self.int_bits < 1:
            raise EncodingOverflow("frac_bits must be >= 0 and int_bits >= 1", code="bad_codec")

    @property
    def value_bits(self) -> int:
        """Every encoded integer ``v`` satisfies ``|v| < 2^value_bits``."""
        return self.int_bits + self.frac_bits

    @property
    def precision(self) -> float:
        """Smallest step the encoding distinguishes (``2^-frac_bits``)."""
        return float(2.0**-self.frac_bits)

    def encode(self, values: Any) -> list[int]:
        """Encode an array-like of reals (or integers) into signed Python integers.

        Raises ``EncodingOverflow`` for NaN, infinities, and values at or beyond ``2^int_bits``.
        """
        array = np.asarray(values)
        if array.dtype.kind in "iub":
            return self._encode_integers(array.ravel().tolist())
        if array.dtype.kind != "f":
            array = array.astype(np.float64)
        flat = array.astype(np.float64, copy=False).ravel()
        if flat.size and not np.isfinite(flat).all():
            raise EncodingOverflow("cannot encode NaN or infinite values")
        limit = float(2.0**self.int_bits)
        if flat.size and float(np.abs(flat).max()) >= limit:
            raise EncodingOverflow(
                f"value {float(np.abs(flat).max()):.6g} is outside the declared range |x| < 2^{self.int_bits}"
            )
        scaled = np.rint(np.ldexp(flat, self.frac_bits))
        if self.value_bits <= 62:
            return [int(v) for v in scaled.astype(np.int64).tolist()]
        return [int(v) for v in scaled.tolist()]

    def _encode_integers(self, values: Sequence[int]) -> list[int]:
        limit = 1 << self.int_bits
        for value in values:
            if not -limit < value < limit:
                raise EncodingOverflow(f"value {value} is outside the declared range |x| < 2^{self.int_bits}")
        shift = self.frac_bits
        return [int(v) << shift for v in values]

    def decode(self, integers: Iterable[int], exponent: int | None = None) -> np.ndarray:
        """Turn signed integers carrying ``exponent`` fractional bits (default ``frac_bits``) into floats."""
        scale_bits = self.frac_bits if exponent is None else exponent
        return decode_integers(integers, scale_bits)


def decode_integers(integers: Iterable[int], exponent: int) -> np.ndarray:
    """Signed integers scaled by ``2^exponent`` to float64 (correctly rounded, even for huge integers)."""
    divisor = 1 << exponent
    return np.array([int(v) / divisor for v in integers], dtype=np.float64)


def to_residue(value: int, n: Any, max_int: Any) -> int:
    """Signed integer to a plaintext residue mod ``n``; refuses magnitudes above ``max_int``."""
    if not -max_int <= value <= max_int:
        raise EncodingOverflow("value exceeds the Paillier plaintext space")
    return value % int(n)


def from_residue(residue: Any, n: Any, max_int: Any) -> int:
    """Plaintext residue mod ``n`` back to a signed integer; the middle third means overflow."""
    if residue <= max_int:
        return int(residue)
    if residue >= n - max_int:
        return int(residue - n)
    raise EncodingOverflow("decrypted value overflowed the plaintext space")
