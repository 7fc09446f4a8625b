"""Fixed-point encoding of model updates into the ring Z_2^bits, with declared bounds and overflow checks.

Secure aggregation sums integers modulo ``2^bits``; a sum that wraps around decodes to a wrong number
without any sign of it. So every encoding declares its bounds up front: each summand's coordinates lie in
``[-bound, bound]`` (after the client clipped them), at most ``parties`` summands are added, and the
distributed noise adds at most ``noise_bound`` ring units per coordinate in total. ``RingEncoding`` refuses
bounds whose worst-case sum does not fit the signed half of the ring (``WeakParameters``), refuses a value
past its bound at encoding (``EncodingOverflow``), and checks every decoded sum against the declared bound
(``EncodingOverflow``): a sum outside it means a wrap-around or a malformed contribution, never a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pledgenet.errors import EncodingOverflow, WeakParameters


@dataclass(frozen=True)
class RingEncoding:
    """Declared layout of one secure sum: ring size, fixed-point scale and bounds."""

    bound: float
    """Largest absolute value of one coordinate of one summand (clip before encoding)."""
    parties: int
    """Largest number of summands."""
    scale: float = 2.0**24
    """Ring units per 1.0."""
    bits: int = 64
    noise_bound: int = 0
    """Largest absolute total of the distributed noise per coordinate, in ring units."""

    def __post_init__(self) -> None:
        if not 8 <= self.bits <= 64:
            raise WeakParameters(f"ring of {self.bits} bits: use 8 to 64", code="bad_ring")
        if self.bound <= 0 or self.scale <= 0 or self.parties < 1 or self.noise_bound < 0:
            raise WeakParameters("ring bounds, scale and parties must be positive", code="bad_ring")
        if self.sum_bound >= 2 ** (self.bits - 1):
            raise WeakParameters(
                f"{self.parties} summands of |x| <= {self.bound} at scale {self.scale:g} plus noise "
                f"{self.noise_bound} need more than the {self.bits}-bit ring holds: lower the scale or "
                "the bound, or widen the ring",
                code="ring_too_small",
            )

    @property
    def unit_bound(self) -> int:
        """Largest absolute ring value of one encoded coordinate."""
        return math.ceil(self.bound * self.scale)

    @property
    def sum_bound(self) -> int:
        return self.parties * self.unit_bound + self.noise_bound

    @property
    def modulus_mask(self) -> np.uint64:
        return np.uint64((1 << self.bits) - 1) if self.bits < 64 else np.uint64(2**64 - 1)

    def to_ring(self, units: np.ndarray) -> np.ndarray:
        """Signed integers (int64) into ring elements (uint64, two's complement modulo 2^bits)."""
        return np.asarray(units, dtype=np.int64).view(np.uint64) & self.modulus_mask

    def encode(self, values: np.ndarray) -> np.ndarray:
        """Round ``values`` to ring units; ``EncodingOverflow`` if any is past the declared bound."""
        values = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise EncodingOverflow("an update holds NaN or infinity", code="ring_overflow")
        worst = float(np.max(np.abs(values))) if values.size else 0.0
        if worst > self.bound:
            raise EncodingOverflow(
                f"an update coordinate {worst:.6g} is past the declared bound {self.bound:g} "
                "(clip before encoding)",
                code="ring_overflow",
            )
        return self.to_ring(np.rint(values * self.scale).astype(np.int64))

    def signed(self, ring_values: np.ndarray, summands: int) -> np.ndarray:
        """Ring elements back to signed integers, checked against the bound of ``summands`` summands."""
        ring_values = np.asarray(ring_values, dtype=np.uint64) & self.modulus_mask
        half = np.uint64(1 << (self.bits - 1))
        as_int = ring_values.astype(np.int64) if self.bits < 64 else ring_values.view(np.int64)
        if self.bits < 64:
            as_int = np.where(ring_values >= half, as_int - (1 << self.bits), as_int)
        limit = summands * self.unit_bound + self.noise_bound
        if as_int.size and (int(as_int.max()) > limit or int(as_int.min()) < -limit):
            raise EncodingOverflow(
                f"the aggregate is outside the declared bound ({limit} ring units for {summands} summands): "
                "a contribution was malformed or the sum wrapped around; the round is refused",
                code="aggregate_out_of_bounds",
            )
        return as_int

    def decode_sum(self, ring_values: np.ndarray, summands: int) -> np.ndarray:
        """The float sum of ``summands`` encoded vectors (and the noise), checked against the bounds."""
        return self.signed(ring_values, summands).astype(np.float64) / self.scale


def clip_l2(values: np.ndarray, norm: float) -> np.ndarray:
    """``values`` scaled down to L2 norm ``norm`` if longer (client-level DP clipping)."""
    length = float(np.linalg.norm(values))
    return values if length <= norm else values * (norm / length)


def clip_values(values: np.ndarray, bound: float) -> np.ndarray:
    """Every coordinate clipped to ``[-bound, bound]``."""
    return np.clip(values, -bound, bound)
