"""Oblivious transfer for KKRT PSI: Chou–Orlandi base OTs on ristretto255, IKNP-style extension tools.

Base OT ("the simplest OT", Chou and Orlandi, LATINCRYPT 2015), batched over one sender key, in the
prime-order group ristretto255 (libsodium through ``rbcl``):

1. OT sender: secret scalar ``a``, sends ``A = aG``.
2. OT receiver, for each OT ``j`` with choice bit ``c_j``: secret ``b_j``, sends ``B_j = b_j G`` when
   ``c_j = 0`` and ``B_j = A + b_j G`` when ``c_j = 1``; its key is ``k_{c_j} = H(j, A, B_j, b_j A)``.
3. OT sender: ``k_0 = H(j, A, B_j, a B_j)`` and ``k_1 = H(j, A, B_j, a B_j - a A)``.

``B_j`` is a uniformly random group element whatever ``c_j`` is (the sender learns nothing about the
choice); the receiver cannot compute ``a(B_j - A)`` without ``a`` (CDH, with ``H`` a random oracle), so
``k_{1-c_j}`` stays hidden. Keys are 16 bytes: each seeds one AES-CTR column of the extension.

Extension tools (vectorised with numpy, both parties use the same conventions):

* ``expand_columns``: the PRG ``G(k)``: AES-128-CTR under ``k``, starting at a given 16-byte block, so a
  party can produce any slice of a column (one chunk of rows) independently.
* ``transpose_bits``: a ``w x m`` bit matrix stored as ``w`` packed columns -> ``m`` packed rows of
  ``w`` bits. Bit ``i`` of a packed vector is ``(byte[i // 8] >> (i % 8)) & 1`` (LSB first).
  Written by hand because no well-kept library offers it: a byte-level transpose of 8x8 blocks followed
  by the classic three-step 8x8 bit-block transpose on 64-bit words.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

import numpy as np
import rbcl
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pledgenet.errors import ProtocolError

POINT_BYTES = 32
KEY_BYTES = 16
_OT_DOMAIN = b"pledgenet-psi-base-ot-v1|"


def _key(index: int, sender_point: bytes, receiver_point: bytes, shared: bytes) -> bytes:
    material = _OT_DOMAIN + struct.pack(">I", index) + sender_point + receiver_point + shared
    return hashlib.sha256(material).digest()[:KEY_BYTES]


def _checked_point(point: bytes) -> bytes:
    if len(point) != POINT_BYTES or not rbcl.crypto_core_ristretto255_is_valid_point(point):
        raise ProtocolError("a base-OT message is not a valid ristretto255 point")
    return point


class BaseOtSender:
    """Holds ``a``; after the receiver's points, both keys of every OT."""

    def __init__(self) -> None:
        self._secret = rbcl.crypto_core_ristretto255_scalar_random()
        self.public = rbcl.crypto_scalarmult_ristretto255_base(self._secret)

    def keys(self, receiver_points: bytes) -> list[tuple[bytes, bytes]]:
        """``(k_0, k_1)`` for each OT, from the receiver's concatenated 32-byte points."""
        if len(receiver_points) % POINT_BYTES:
            raise ProtocolError("base-OT points are not a whole number of 32-byte points")
        own = rbcl.crypto_scalarmult_ristretto255(self._secret, self.public)
        pairs = []
        for index in range(len(receiver_points) // POINT_BYTES):
            point = _checked_point(receiver_points[index * POINT_BYTES : (index + 1) * POINT_BYTES])
            shared = rbcl.crypto_scalarmult_ristretto255(self._secret, point)
            other = rbcl.crypto_core_ristretto255_sub(shared, own)
            pairs.append((_key(index, self.public, point, shared), _key(index, self.public, point, other)))
        return pairs


class BaseOtReceiver:
    """Chooses one key of each OT by its choice bit; the sender never learns which."""

    def __init__(self, choices: Sequence[int], sender_public: bytes) -> None:
        self._sender_public = _checked_point(sender_public)
        self._choices = [int(bit) & 1 for bit in choices]
        self._secrets = [rbcl.crypto_core_ristretto255_scalar_random() for _ in self._choices]
        points = []
        for bit, secret in zip(self._choices, self._secrets, strict=True):
            point = rbcl.crypto_scalarmult_ristretto255_base(secret)
            points.append(rbcl.crypto_core_ristretto255_add(self._sender_public, point) if bit else point)
        self.points = b"".join(points)

    def keys(self) -> list[bytes]:
        """``k_{c_j}`` for each OT ``j``."""
        return [
            _key(
                index,
                self._sender_public,
                self.points[index * POINT_BYTES : (index + 1) * POINT_BYTES],
                rbcl.crypto_scalarmult_ristretto255(secret, self._sender_public),
            )
            for index, secret in enumerate(self._secrets)
        ]


def expand_columns(keys: bytes, first_block: int, column_bytes: int) -> np.ndarray:
    """``(w, column_bytes)`` uint8: bytes ``[16 first_block, 16 first_block + column_bytes)`` of
    AES-128-CTR under each of the ``w`` 16-byte keys concatenated in ``keys``."""
    if len(keys) % KEY_BYTES or column_bytes % 16:
        raise ValueError("keys are 16 bytes each and columns a whole number of AES blocks")
    zeros = bytes(column_bytes)
    counter = first_block.to_bytes(16, "big")
    stream = b"".join(
        Cipher(algorithms.AES(keys[offset : offset + KEY_BYTES]), modes.CTR(counter))
        .encryptor()
        .update(zeros)
        for offset in range(0, len(keys), KEY_BYTES)
    )
    return np.frombuffer(stream, dtype=np.uint8).reshape(len(keys) // KEY_BYTES, column_bytes)


def _transpose_8x8(words: np.ndarray) -> np.ndarray:
    """Transpose the 8x8 bit matrix in each uint64 (byte k = row k, bit t of byte k = column t)."""
    x = words
    t = (x ^ (x >> np.uint64(7))) & np.uint64(0x00AA00AA00AA00AA)
    x = x ^ t ^ (t << np.uint64(7))
    t = (x ^ (x >> np.uint64(14))) & np.uint64(0x0000CCCC0000CCCC)
    x = x ^ t ^ (t << np.uint64(14))
    t = (x ^ (x >> np.uint64(28))) & np.uint64(0x00000000F0F0F0F0)
    return x ^ t ^ (t << np.uint64(28))


def transpose_bits(columns: np.ndarray) -> np.ndarray:
    """``(w, m / 8)`` packed columns -> ``(m, w / 8)`` packed rows (``w`` and ``m`` multiples of 8)."""
    width, row_bytes = columns.shape
    if width % 8:
        raise ValueError("the bit-matrix width must be a multiple of 8")
    # blocks[r8, c, k] = columns[8c + k, r8]: the 8x8 bit block of rows 8 r8.. and columns 8c..
    blocks = np.ascontiguousarray(columns.reshape(width // 8, 8, row_bytes).transpose(2, 0, 1))
    swapped = _transpose_8x8(blocks.view("<u8")).view(np.uint8).reshape(row_bytes, width // 8, 8)
    # swapped[r8, c, t] holds row 8 r8 + t, columns 8c..8c+7
    return np.ascontiguousarray(swapped.transpose(0, 2, 1)).reshape(8 * row_bytes, width // 8)
