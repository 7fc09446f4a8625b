"""Packing several bounded signed integers into one Paillier plaintext.

``k`` values ``v_0..v_{k-1}`` become ``P = sum v_i * 2^(slot_bits * i)`` (a plain integer; negative slots
are allowed). Adding packed plaintexts adds slot by slot, and multiplying by a plaintext scalar scales
every slot, as long as every slot's result stays within ``|s| < 2^(slot_bits - 1)``: then the balanced
base-``2^slot_bits`` digits of ``P`` are exactly the slot values, so no carry can cross into the next
slot. ``PackingLayout.plan`` computes ``slot_bits`` from the caller's declared bound on each value and
the number of packed plaintexts that will be summed (the headroom), and refuses layouts that do not fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pledgenet.errors import EncodingOverflow

SAFETY_BITS = 3
"""Bits kept free at the top of the plaintext so the packed integer stays below ``max_int = n/3``."""


@dataclass(frozen=True)
class PackingLayout:
    """``slots`` signed slots of ``slot_bits`` bits each."""

    slot_bits: int
    slots: int

    def __post_init__(self) -> None:
        if self.slot_bits < 2 or self.slots < 1:
            raise EncodingOverflow("a packing layout needs slot_bits >= 2 and slots >= 1", code="bad_layout")

    @property
    def slot_limit_bits(self) -> int:
        """Each slot value ``s`` must satisfy ``|s| < 2^slot_limit_bits``."""
        return self.slot_bits - 1

    @property
    def total_bits(self) -> int:
        return self.slot_bits * self.slots

    @classmethod
    def plan(
        cls, key_bits: int, *, value_bits: int, max_terms: int = 1, slots: int | None = None
    ) -> PackingLayout:
        """Layout for values ``|v| < 2^value_bits`` of which up to ``max_terms`` will be added per slot.

        ``slots=None`` takes as many slots as fit in a ``key_bits`` modulus. Raises ``EncodingOverflow``
        when the declared bounds cannot fit.
        """
        if max_terms < 1 or value_bits < 1:
            raise EncodingOverflow("max_terms and value_bits must be positive", code="bad_layout")
        headroom = (max_terms - 1).bit_length()
        slot_bits = value_bits + headroom + 1
        capacity = (key_bits - SAFETY_BITS) // slot_bits
        wanted = capacity if slots is None else slots
        if wanted < 1 or wanted > capacity:
            raise EncodingOverflow(
                f"{wanted} slots of {slot_bits} bits (values < 2^{value_bits}, {max_terms} terms) do not fit "
                f"a {key_bits}-bit plaintext (at most {capacity})"
            )
        return cls(slot_bits=slot_bits, slots=wanted)

    def check_fits(self, key_bits: int) -> None:
        if self.total_bits > key_bits - SAFETY_BITS:
            raise EncodingOverflow(f"layout of {self.total_bits} bits does not fit a {key_bits}-bit key")

    def pack(self, values: Sequence[int]) -> int:
        """Pack up to ``slots`` signed integers (missing slots are zero)."""
        if len(values) > self.slots:
            raise EncodingOverflow(f"{len(values)} values for {self.slots} slots")
        limit = 1 << self.slot_limit_bits
        packed = 0
        for value in reversed(values):
            if not -limit < value < limit:
                raise EncodingOverflow(f"value {value} does not fit a {self.slot_bits}-bit slot")
            packed = (packed << self.slot_bits) + value
        return packed

    def unpack(self, packed: int) -> list[int]:
        """The ``slots`` signed slot values of a packed integer (balanced digits)."""
        modulus = 1 << self.slot_bits
        half = modulus >> 1
        mask = modulus - 1
        values = []
        for _ in range(self.slots):
            digit = packed & mask
            if digit >= half:
                digit -= modulus
            values.append(digit)
            packed = (packed - digit) >> self.slot_bits
        if packed != 0:
            raise EncodingOverflow("packed value has bits beyond its last slot")
        return values
