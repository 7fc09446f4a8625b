"""``EncryptedVector``: a vector of Paillier ciphertexts with the arithmetic federated learning needs.

A vector carries its public key, its fixed-point ``exponent`` (fractional bits of every plaintext), a
declared ``bound_bits`` (every plaintext integer ``v`` satisfies ``|v| < 2^bound_bits``) and, when
packed, its ``PackingLayout`` (then the bound holds per slot). Every operation computes the bound of its
result first and raises ``EncodingOverflow`` before touching a ciphertext when it would not fit, so a
result can never wrap around silently. The bound is derived from declared ranges, not from the data, so
sending a vector reveals nothing beyond what the protocol declared.

A receiving party needs only the public key to add, multiply by plaintexts, sum by groups and compress.
Serialisation is compact: a fixed header and fixed-width big-endian ciphertexts.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Sequence
from typing import Any

import gmpy2
import numpy as np

from pledgenet.crypto.paillier.encoding import FixedPointCodec
from pledgenet.crypto.paillier.keys import PaillierPublicKey
from pledgenet.crypto.paillier.multiexp import multi_power
from pledgenet.crypto.paillier.obfuscator import table_for
from pledgenet.crypto.paillier.packing import PackingLayout
from pledgenet.errors import EncodingOverflow, KeyMismatch, ProtocolError

_MAGIC = b"PNCV1"
_HEADER = struct.Struct(">16sIHHHH")


class EncryptedVector:
    """Ciphertexts under one key, with their fixed-point exponent, declared bound and packing layout."""

    __slots__ = ("bound_bits", "ciphertexts", "exponent", "layout", "public_key")

    def __init__(
        self,
        public_key: PaillierPublicKey,
        ciphertexts: list[Any],
        *,
        exponent: int,
        bound_bits: int,
        layout: PackingLayout | None = None,
    ) -> None:
        self.public_key = public_key
        self.ciphertexts = ciphertexts
        self.exponent = exponent
        self.bound_bits = bound_bits
        self.layout = layout
        self._check_bound(bound_bits)

    # ----------------------------------------------------------------- bounds and compatibility
    @property
    def max_bound_bits(self) -> int:
        """The largest ``bound_bits`` this vector's plaintext space (or slot) allows."""
        if self.layout is not None:
            return self.layout.slot_limit_bits
        return int(self.public_key.max_int.bit_length()) - 1

    def _check_bound(self, bound_bits: int) -> None:
        if bound_bits > self.max_bound_bits:
            where = "packing slot" if self.layout is not None else "plaintext space"
            raise EncodingOverflow(
                f"result could reach 2^{bound_bits}, beyond the {where} (2^{self.max_bound_bits})"
            )

    def _derive(
        self, ciphertexts: list[Any], *, exponent: int | None = None, bound_bits: int
    ) -> EncryptedVector:
        return EncryptedVector(
            self.public_key,
            ciphertexts,
            exponent=self.exponent if exponent is None else exponent,
            bound_bits=bound_bits,
            layout=self.layout,
        )

    def _check_compatible(self, other: EncryptedVector) -> None:
        self.public_key.check_same(other.public_key)
        if self.layout != other.layout:
            raise ProtocolError("cannot combine vectors with different packing layouts")
        if len(self) != len(other):
            raise ProtocolError(f"vector lengths differ ({len(self)} and {len(other)})")

    def __len__(self) -> int:
        return len(self.ciphertexts)

    def __getitem__(self, index: Any) -> EncryptedVector:
        """A sub-vector: ``index`` is a slice, a list/array of positions, or a boolean mask."""
        if isinstance(index, slice):
            chosen = self.ciphertexts[index]
        else:
            positions = np.asarray(index)
            if positions.dtype == bool:
                positions = np.flatnonzero(positions)
            chosen = [self.ciphertexts[int(i)] for i in positions.ravel()]
        return self._derive(chosen, bound_bits=self.bound_bits)

    # ----------------------------------------------------------------- arithmetic
    def rescaled(self, exponent: int) -> EncryptedVector:
        """The same values with ``exponent`` fractional bits (``exponent >= self.exponent``)."""
        shift = exponent - self.exponent
        if shift < 0:
            raise EncodingOverflow("cannot lower the fixed-point exponent of a ciphertext")
        if shift == 0:
            return self
        self._check_bound(self.bound_bits + shift)
        n_square, factor = self.public_key.n_square, 1 << shift
        return self._derive(
            [gmpy2.powmod(c, factor, n_square) for c in self.ciphertexts],
            exponent=exponent,
            bound_bits=self.bound_bits + shift,
        )

    def __add__(self, other: object) -> EncryptedVector:
        if isinstance(other, EncryptedVector):
            return self.add(other)
        return self.add_plain(other)

    def add(self, other: EncryptedVector) -> EncryptedVector:
        """Element-wise sum of two encrypted vectors (exponents are aligned upwards)."""
        self._check_compatible(other)
        exponent = max(self.exponent, other.exponent)
        left, right = self.rescaled(exponent), other.rescaled(exponent)
        bound = max(left.bound_bits, right.bound_bits) + 1
        self._check_bound(bound)
        n_square = self.public_key.n_square
        return self._derive(
            [a * b % n_square for a, b in zip(left.ciphertexts, right.ciphertexts, strict=True)],
            exponent=exponent,
            bound_bits=bound,
        )

    def add_plain(self, values: Any, *, int_bits: int | None = None) -> EncryptedVector:
        """Add a plaintext vector (or scalar) of reals, encoded at this vector's exponent.

        ``int_bits`` declares ``|value| < 2^int_bits``; by default it is taken from the values.
        """
        if self.layout is not None:
            raise ProtocolError("add_plain on packed vectors is not supported; pack the addend and encrypt")
        array = np.broadcast_to(np.asarray(values, dtype=np.float64), (len(self),))
        if int_bits is None:
            peak = float(np.abs(array).max()) if array.size else 0.0
            int_bits = max(1, int(np.floor(np.log2(peak))) + 1 if peak >= 1 else 1)
        encoded = FixedPointCodec(frac_bits=self.exponent, int_bits=int_bits).encode(array)
        return self.add_integers(encoded, bound_bits=int_bits + self.exponent)

    def add_integers(self, integers: Sequence[int], *, bound_bits: int) -> EncryptedVector:
        """Add plaintext integers already scaled to this vector's exponent, with ``|v| < 2^bound_bits``."""
        if len(integers) != len(self):
            raise ProtocolError(f"{len(integers)} addends for a vector of {len(self)}")
        limit = 1 << bound_bits
        if any(not -limit < v < limit for v in integers):
            raise EncodingOverflow(f"an addend exceeds its declared bound 2^{bound_bits}")
        bound = max(self.bound_bits, bound_bits) + 1
        self._check_bound(bound)
        n, n_square = self.public_key.n, self.public_key.n_square
        return self._derive(
            [
                c * ((1 + (v % n) * n) % n_square) % n_square
                for c, v in zip(self.ciphertexts, integers, strict=True)
            ],
            bound_bits=bound,
        )

    def random_mask(self, statistical_bits: int = 40) -> tuple[EncryptedVector, list[int]]:
        """Add a fresh uniform integer mask ``statistical_bits`` wider than the bound; return it too.

        The usual "mask, let the key owner decrypt, unmask" step: the key owner sees ``v + mask`` only,
        statistically hiding ``v`` (distance ``2^-statistical_bits``). Unmask with ``decrypted - mask``.
        """
        mask_bits = self.bound_bits + statistical_bits
        if self.layout is not None:
            raise ProtocolError("mask packed vectors slot by slot before packing")
        mask = [secrets.randbits(mask_bits) for _ in range(len(self))]
        return self.add_integers(mask, bound_bits=mask_bits).rerandomised(), mask

    def __neg__(self) -> EncryptedVector:
        n_square = self.public_key.n_square
        return self._derive([gmpy2.invert(c, n_square) for c in self.ciphertexts], bound_bits=self.bound_bits)

    def __sub__(self, other: EncryptedVector) -> EncryptedVector:
        return self.add(-other)

    def _plain_multiplier(self, values: Any, codec: FixedPointCodec | None) -> tuple[list[int], int, int]:
        array = np.asarray(values)
        if codec is None and array.dtype.kind in "iub":
            integers = [int(v) for v in array.ravel().tolist()]
            bits = max((abs(v).bit_length() for v in integers), default=0)
            return integers, 0, bits
        codec = codec or FixedPointCodec()
        return codec.encode(array), codec.frac_bits, codec.value_bits

    def mul(self, values: Any, *, codec: FixedPointCodec | None = None) -> EncryptedVector:
        """Element-wise product with a plaintext vector (or scalar) of reals or integers.

        Reals are encoded with ``codec`` (default ``FixedPointCodec()``), whose declared range sets the
        bound; integer arrays are used exactly (their bit length sets the bound).
        """
        array = np.asarray(values)
        if array.ndim == 0:
            array = np.full(len(self), array)
        if array.shape != (len(self),):
            raise ProtocolError(f"multiplier of shape {array.shape} for a vector of {len(self)}")
        integers, frac_bits, value_bits = self._plain_multiplier(array, codec)
        bound = self.bound_bits + value_bits
        self._check_bound(bound)
        n_square = self.public_key.n_square
        return self._derive(
            [gmpy2.powmod(c, v, n_square) for c, v in zip(self.ciphertexts, integers, strict=True)],
            exponent=self.exponent + frac_bits,
            bound_bits=bound,
        )

    def dot(self, matrix: Any, *, codec: FixedPointCodec | None = None) -> EncryptedVector:
        """``self @ matrix`` for a plaintext ``(len(self), d)`` matrix: ``d`` encrypted inner products.

        Uses Pippenger multi-exponentiation per column (see ``multiexp``). For hetero LR this is
        ``X^T [[residual]]`` with ``matrix = X``.
        """
        array = np.asarray(matrix)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] != len(self):
            raise ProtocolError(f"matrix of shape {array.shape} for a vector of {len(self)}")
        integers, frac_bits, value_bits = self._plain_multiplier(array, codec)
        bound = self.bound_bits + value_bits + max(0, len(self) - 1).bit_length()
        self._check_bound(bound)
        columns = array.shape[1]
        n_square = self.public_key.n_square
        results = [
            multi_power(self.ciphertexts, integers[column::columns], n_square) for column in range(columns)
        ]
        return self._derive(results, exponent=self.exponent + frac_bits, bound_bits=bound)

    def sum(self) -> EncryptedVector:
        """The encrypted total, as a vector of length one."""
        return self.sum_by_groups(np.zeros(len(self), dtype=np.int64), 1)

    def sum_by_groups(self, groups: Any, n_groups: int) -> EncryptedVector:
        """``out[g] = sum of self[i] with groups[i] == g`` (histogram sums); ``groups[i] < 0`` skips ``i``."""
        labels = np.asarray(groups)
        if labels.shape != (len(self),) or labels.dtype.kind not in "iu":
            raise ProtocolError(f"group labels must be {len(self)} integers")
        if labels.size and int(labels.max()) >= n_groups:
            raise ProtocolError(f"group label {int(labels.max())} is not below n_groups={n_groups}")
        counts = np.bincount(labels[labels >= 0], minlength=n_groups) if labels.size else np.zeros(1, int)
        largest = int(counts.max()) if counts.size else 0
        bound = self.bound_bits + max(0, largest - 1).bit_length()
        self._check_bound(bound)
        n_square = self.public_key.n_square
        totals: list[Any] = [None] * n_groups
        for ciphertext, label in zip(self.ciphertexts, labels.tolist(), strict=True):
            if label < 0:
                continue
            current = totals[label]
            totals[label] = ciphertext if current is None else current * ciphertext % n_square
        # An empty group gets a fresh encryption of zero, so the key owner cannot see which bins are empty.
        empty = sum(1 for t in totals if t is None)
        fresh_zeros = iter(table_for(self.public_key).random_powers(empty))
        return self._derive([next(fresh_zeros) if t is None else t for t in totals], bound_bits=bound)

    def rerandomised(self) -> EncryptedVector:
        """Same plaintexts, fresh randomness: call before sending results derived from received ciphertexts.

        Without it the key owner, who saw ``c``, could test guesses of a multiplier ``m`` against ``c^m``.
        """
        n_square = self.public_key.n_square
        fresh = table_for(self.public_key).random_powers(len(self))
        return self._derive(
            [c * r % n_square for c, r in zip(self.ciphertexts, fresh, strict=True)],
            bound_bits=self.bound_bits,
        )

    def histogram(self, bins: Any, n_bins: int) -> EncryptedVector:
        """Per-feature sums: ``bins`` is ``(len(self), features)``; result ``features * n_bins`` long."""
        matrix = np.asarray(bins)
        if matrix.ndim != 2 or matrix.shape[0] != len(self):
            raise ProtocolError(f"bins of shape {matrix.shape} for a vector of {len(self)}")
        parts = [self.sum_by_groups(matrix[:, feature], n_bins) for feature in range(matrix.shape[1])]
        bound = max((p.bound_bits for p in parts), default=self.bound_bits)
        return self._derive([c for p in parts for c in p.ciphertexts], bound_bits=bound)

    def compress(self, slot_bits: int | None = None) -> EncryptedVector:
        """Pack ``k`` ciphertexts into one (Horner with ``c^(2^slot_bits)``) to cut decryptions by ``k``.

        Only for unpacked vectors; ``slot_bits`` defaults to ``bound_bits + 1``. The result is a packed
        vector of ``ceil(len/k)`` ciphertexts that ``decrypt`` unpacks back to ``len`` values.
        """
        if self.layout is not None:
            raise ProtocolError("vector is already packed")
        width = self.bound_bits + 1 if slot_bits is None else slot_bits
        if width <= self.bound_bits:
            raise EncodingOverflow(f"slot of {width} bits cannot hold values below 2^{self.bound_bits}")
        layout = PackingLayout.plan(self.public_key.key_bits, value_bits=width - 1)
        n_square, shift = self.public_key.n_square, 1 << layout.slot_bits
        packed = []
        for start in range(0, len(self), layout.slots):
            group = self.ciphertexts[start : start + layout.slots]
            acc = group[-1]
            for ciphertext in reversed(group[:-1]):
                acc = gmpy2.powmod(acc, shift, n_square) * ciphertext % n_square
            packed.append(acc)
        return CompressedVector(
            self.public_key,
            packed,
            exponent=self.exponent,
            bound_bits=self.bound_bits,
            layout=layout,
            length=len(self),
        )

    # ----------------------------------------------------------------- serialisation
    def to_bytes(self) -> bytes:
        """Header (key fingerprint, length, exponent, bound, layout) then fixed-width ciphertexts."""
        width = self.public_key.ciphertext_bytes
        layout = self.layout or PackingLayout(slot_bits=2, slots=1)
        packed_flag = 0 if self.layout is None else 1
        header = _MAGIC + _HEADER.pack(
            self.public_key.fingerprint,
            self.length_for_header(),
            self.exponent,
            self.bound_bits,
            layout.slot_bits * packed_flag,
            layout.slots * packed_flag,
        )
        return header + b"".join(int(c).to_bytes(width, "big") for c in self.ciphertexts)

    def length_for_header(self) -> int:
        return len(self)

    @classmethod
    def from_bytes(cls, public_key: PaillierPublicKey, data: bytes) -> EncryptedVector:
        """Parse a vector sent by a peer; refuses another key's ciphertexts and malformed input."""
        start = len(_MAGIC) + _HEADER.size
        if len(data) < start or not data.startswith(_MAGIC):
            raise ProtocolError("not a serialised encrypted vector")
        fingerprint, length, exponent, bound, slot_bits, slots = _HEADER.unpack(data[len(_MAGIC) : start])
        if fingerprint != public_key.fingerprint:
            raise KeyMismatch("encrypted vector was made under another public key")
        width = public_key.ciphertext_bytes
        body = data[start:]
        if len(body) % width:
            raise ProtocolError("encrypted vector body is not a whole number of ciphertexts")
        n_square = public_key.n_square
        ciphertexts = []
        for offset in range(0, len(body), width):
            value = gmpy2.mpz(int.from_bytes(body[offset : offset + width], "big"))
            if not 0 < value < n_square:
                raise ProtocolError("ciphertext out of range")
            ciphertexts.append(value)
        if slot_bits:
            layout = PackingLayout(slot_bits=slot_bits, slots=slots)
            if -(-length // slots) != len(ciphertexts):
                raise ProtocolError("compressed vector length does not match its ciphertexts")
            return CompressedVector(
                public_key, ciphertexts, exponent=exponent, bound_bits=bound, layout=layout, length=length
            )
        if length != len(ciphertexts):
            raise ProtocolError("encrypted vector length does not match its ciphertexts")
        return cls(public_key, ciphertexts, exponent=exponent, bound_bits=bound)


class CompressedVector(EncryptedVector):
    """Output of ``EncryptedVector.compress``: ``length`` values in ``ceil(length / slots)`` ciphertexts.

    Good for sending back to the key owner and decrypting; arithmetic on it is refused.
    """

    __slots__ = ("length",)

    def __init__(
        self,
        public_key: PaillierPublicKey,
        ciphertexts: list[Any],
        *,
        exponent: int,
        bound_bits: int,
        layout: PackingLayout,
        length: int,
    ) -> None:
        super().__init__(public_key, ciphertexts, exponent=exponent, bound_bits=bound_bits, layout=layout)
        self.length = length

    def length_for_header(self) -> int:
        return self.length

    def _derive(
        self, ciphertexts: list[Any], *, exponent: int | None = None, bound_bits: int
    ) -> EncryptedVector:
        raise ProtocolError("a compressed vector can only be sent and decrypted")
