"""KKRT PSI: oblivious PRF from OT extension (Kolesnikov, Kumaresan, Rosulek, Trieu, CCS 2016).

Semi-honest, two parties; the receiver learns the intersection, the sender only the receiver's set size
(rounded up to the table size). Construction and parameters: docs/protocols.md. In short:

1. receiver -> sender ``SETUP``: the number of cuckoo bins ``m`` (not its exact set size), the seed of
   the digest and cuckoo hash keys, and the base-OT key ``A``;
2. sender -> receiver ``CHOICES``: its set size, the tag length ``L``, the key of the pseudorandom code
   ``C`` (AES-128, ``w = 512`` bits) and ``w`` base-OT points chosen by its secret bits ``s``;
3. receiver -> sender ``CORRECTION`` (one per chunk of bins): rows ``u_b = G(k0)_b ^ G(k1)_b ^ C(x_b)``,
   where ``x_b`` is the item in bin ``b`` (and the hash function that put it there), all-zero codes for
   empty bins. The sender gets ``q_b = G(k_s)_b ^ (u_b & s) = t_b ^ (C(x_b) & s)``;
4. sender -> receiver ``VALUES``: for each hash function ``i``, ``H(q_{h_i(y)} ^ (C(y, i) & s))[:L]``
   for every own item ``y``, shuffled. The receiver compares ``H(t_b)[:L]`` of its items.

``H`` is SHA-256 (a random oracle), ``G`` AES-128-CTR. Heavy steps run chunk by chunk in module-level
functions so a ``BatchRunner`` spreads them over processes.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import struct
from collections.abc import Iterable, Iterator

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pledgenet.crypto.psi import cuckoo, ot
from pledgenet.crypto.psi.group import BatchRunner
from pledgenet.crypto.psi.normalise import normalise_identifiers
from pledgenet.crypto.psi.types import PsiMode, PsiResult, Transcript
from pledgenet.errors import DataError, ProtocolError

CODE_BITS = 512
CODE_BYTES = CODE_BITS // 8
STATISTICAL_BITS = 40
DEFAULT_CHUNK_BINS = 1 << 16
VALUES_PER_MESSAGE = 1 << 16
PARALLEL_FROM = 250_000
SETUP, CHOICES, CORRECTION, VALUES = b"k", b"c", b"u", b"v"
_SETUP = struct.Struct(">Q")
_CHOICES = struct.Struct(">QB")


def _derived_key(hash_key: bytes, purpose: bytes) -> bytes:
    return hashlib.sha256(b"pledgenet-psi-kkrt-" + purpose + b"|" + hash_key).digest()[:16]


def tag_bytes(bins: int, sender_size: int) -> int:
    """``L``: bytes of each compared value so that a false match has probability below ``2^-40``
    (``bins`` >= the receiver's set size stands in for it, which the sender does not learn exactly)."""
    bits = STATISTICAL_BITS + math.ceil(math.log2(max(bins, 2)))
    bits += math.ceil(math.log2(max(sender_size, 2)))
    return min(32, -(-bits // 8))


def pseudorandom_code(code_key: bytes, digests: np.ndarray, functions: np.ndarray) -> np.ndarray:
    """``(k, 64)`` uint8: ``C(x, i)`` = AES_key of ``d(x) ^ (4 i + j)`` for the 4 blocks ``j``."""
    count = len(digests)
    blocks = np.repeat(digests[:, None, :], 4, axis=1)
    blocks[:, :, 15] ^= (4 * functions.astype(np.uint8))[:, None] + np.arange(4, dtype=np.uint8)
    encryptor = Cipher(algorithms.AES(code_key), modes.ECB()).encryptor()
    return np.frombuffer(encryptor.update(blocks.tobytes()), dtype=np.uint8).reshape(count, CODE_BYTES)


def hash_rows(rows: np.ndarray, length: int) -> np.ndarray:
    """``(k, length)`` uint8: ``SHA-256(row)[:length]`` of each 64-byte row (the OPRF output)."""
    data = rows.tobytes()
    sha256 = hashlib.sha256
    digests = b"".join([sha256(data[o : o + CODE_BYTES]).digest() for o in range(0, len(data), CODE_BYTES)])
    return np.frombuffer(digests, dtype=np.uint8).reshape(len(rows), 32)[:, :length]


def _extension_rows(keys: bytes, first_bin: int, count: int) -> np.ndarray:
    return ot.transpose_bits(ot.expand_columns(keys, first_bin // 128, count // 8))


# Chunk jobs (module-level so worker processes can run them); each returns bytes.
def receiver_chunk(job: tuple[int, int, bytes, bytes, bytes, bytes, bytes, bytes, int]) -> bytes:
    """Rows ``u_b`` of one chunk of bins, followed by ``H(t_b)[:L]`` of its occupied bins."""
    first_bin, count, keys0, keys1, code_key, positions, digests, functions, length = job
    local = np.frombuffer(positions, dtype=np.int64)
    t_rows = _extension_rows(keys0, first_bin, count)
    corrections = t_rows ^ _extension_rows(keys1, first_bin, count)
    codes = pseudorandom_code(
        code_key,
        np.frombuffer(digests, dtype=np.uint8).reshape(len(local), 16),
        np.frombuffer(functions, dtype=np.int8),
    )
    corrections[local] ^= codes
    return corrections.tobytes() + hash_rows(t_rows[local], length).tobytes()


def sender_chunk(job: tuple[bytes, int, int, bytes, bytes, bytes, bytes, bytes, bytes, int]) -> bytes:
    """``H(q_b ^ (C(y, i) & s))[:L]`` for the sender's (item, function) pairs whose bin is in the chunk."""
    corrections, first_bin, count, keys, secret, code_key, positions, digests, functions, length = job
    if len(corrections) != count * CODE_BYTES:
        raise ProtocolError("a correction message does not hold its chunk's rows")
    mask = np.frombuffer(secret, dtype=np.uint8)
    rows = np.frombuffer(corrections, dtype=np.uint8).reshape(count, CODE_BYTES)
    q_rows = _extension_rows(keys, first_bin, count) ^ (rows & mask)
    local = np.frombuffer(positions, dtype=np.int64)
    codes = pseudorandom_code(
        code_key,
        np.frombuffer(digests, dtype=np.uint8).reshape(len(local), 16),
        np.frombuffer(functions, dtype=np.int8),
    )
    return hash_rows(q_rows[local] ^ (codes & mask), length).tobytes()


def _body(message: bytes, kind: bytes, minimum: int = 0) -> bytes:
    if message[:1] != kind or len(message) < 1 + minimum:
        raise ProtocolError(f"expected a {kind!r} message of at least {minimum} bytes, got {message[:1]!r}")
    return message[1:]


def _prefix_keys(values: np.ndarray) -> np.ndarray:
    """The first (up to) 8 bytes of each value as a big-endian uint64, for sorting and matching."""
    width = min(8, values.shape[1])
    prefix = np.zeros((len(values), 8), dtype=np.uint8)
    prefix[:, :width] = values[:, :width]
    return prefix.view(">u8").ravel()


def _matches(own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Boolean mask over ``own`` rows (``(k, L)`` uint8) that occur among ``theirs`` rows."""
    found = np.zeros(len(own), dtype=bool)
    if len(own) == 0 or len(theirs) == 0:
        return found
    own_keys, their_keys = _prefix_keys(own), _prefix_keys(theirs)
    order = np.argsort(their_keys, kind="stable")
    sorted_keys = their_keys[order]
    left = np.searchsorted(sorted_keys, own_keys, "left")
    right = np.searchsorted(sorted_keys, own_keys, "right")
    single = np.flatnonzero(right - left == 1)
    found[single] = (theirs[order[left[single]]] == own[single]).all(axis=1)
    for index in np.flatnonzero(right - left > 1).tolist():
        candidates = theirs[order[left[index] : right[index]]]
        found[index] = bool((candidates == own[index]).all(axis=1).any())
    return found


class KkrtReceiver:
    """The party that learns the intersection (intersection mode only)."""

    def __init__(
        self,
        items: Iterable[str],
        *,
        chunk_bins: int = DEFAULT_CHUNK_BINS,
        runner: BatchRunner | None = None,
    ) -> None:
        if chunk_bins <= 0 or chunk_bins % cuckoo.BIN_ALIGNMENT:
            raise DataError("chunk_bins must be a positive multiple of 128")
        self.mode = PsiMode.INTERSECTION
        self.items = normalise_identifiers(items)
        self.chunk_bins = chunk_bins
        self.runner = runner or BatchRunner(1)
        self.bins = cuckoo.table_size(len(self.items))
        self._hash_key = secrets.token_bytes(16)
        self._base_ot = ot.BaseOtSender()
        self._digests = cuckoo.item_digests(self.items, _derived_key(self._hash_key, b"digest"))
        choices = cuckoo.candidate_bins(self._digests, _derived_key(self._hash_key, b"cuckoo"), self.bins)
        self._bin_item, self._bin_function = cuckoo.build_table(choices, self.bins)
        self._length = 0
        self._own_values: list[np.ndarray] = []
        self._own_items: list[np.ndarray] = []
        self._received: dict[int, list[np.ndarray]] = {f: [] for f in range(cuckoo.HASH_FUNCTIONS)}
        self._sender_size = -1

    def setup(self) -> bytes:
        """``SETUP``: number of bins, key seed, base-OT key."""
        return SETUP + _SETUP.pack(self.bins) + self._hash_key + self._base_ot.public

    def corrections(self, choices_message: bytes) -> Iterator[bytes]:
        """``CORRECTION`` messages, one per chunk of bins, after the sender's ``CHOICES``."""
        if self._sender_size >= 0:
            raise ProtocolError("the corrections were already sent")
        body = _body(choices_message, CHOICES, _CHOICES.size + 16 + CODE_BITS * ot.POINT_BYTES)
        sender_size, length = _CHOICES.unpack(body[: _CHOICES.size])
        if length != tag_bytes(self.bins, sender_size):
            raise ProtocolError("the sender proposes a tag length that does not fit the set sizes")
        code_key = body[_CHOICES.size : _CHOICES.size + 16]
        points = body[_CHOICES.size + 16 :]
        if len(points) != CODE_BITS * ot.POINT_BYTES:
            raise ProtocolError(f"expected {CODE_BITS} base-OT points")
        pairs = self._base_ot.keys(points)
        self._sender_size, self._length = sender_size, length
        keys0, keys1 = b"".join(p[0] for p in pairs), b"".join(p[1] for p in pairs)
        jobs = (
            self._receiver_job(first, keys0, keys1, code_key)
            for first in range(0, self.bins, self.chunk_bins)
        )
        for first, result in zip(
            range(0, self.bins, self.chunk_bins), self.runner.map(receiver_chunk, jobs), strict=True
        ):
            count = min(self.chunk_bins, self.bins - first)
            occupied = self._bin_item[first : first + count]
            items = occupied[occupied != cuckoo.EMPTY]
            split = count * CODE_BYTES
            self._own_items.append(items)
            self._own_values.append(
                np.frombuffer(result[split:], dtype=np.uint8).reshape(len(items), self._length)
            )
            yield CORRECTION + struct.pack(">Q", first) + result[:split]

    def _receiver_job(
        self, first: int, keys0: bytes, keys1: bytes, code_key: bytes
    ) -> tuple[int, int, bytes, bytes, bytes, bytes, bytes, bytes, int]:
        count = min(self.chunk_bins, self.bins - first)
        occupied = self._bin_item[first : first + count]
        local = np.flatnonzero(occupied != cuckoo.EMPTY).astype(np.int64)
        items = occupied[local]
        functions = self._bin_function[first : first + count][local]
        return (
            first,
            count,
            keys0,
            keys1,
            code_key,
            local.tobytes(),
            self._digests[items].tobytes(),
            functions.astype(np.int8).tobytes(),
            self._length,
        )

    def receive_values(self, message: bytes) -> None:
        """One ``VALUES`` message: a hash-function index, then ``L``-byte values."""
        body = _body(message, VALUES, 1)
        function, values = body[0], body[1:]
        if function >= cuckoo.HASH_FUNCTIONS or not self._length or len(values) % self._length:
            raise ProtocolError("a values message is malformed or arrives before the corrections")
        self._received[function].append(np.frombuffer(values, dtype=np.uint8).reshape(-1, self._length))

    def result(self) -> PsiResult:
        """The intersection, in the receiver's item order."""
        if self._sender_size < 0:
            raise ProtocolError("the protocol has not run")
        own_items = np.concatenate(self._own_items) if self._own_items else np.zeros(0, dtype=np.int64)
        own_values = (
            np.concatenate(self._own_values) if self._own_values else np.zeros((0, self._length), np.uint8)
        )
        if len(own_items) != len(self.items):
            raise ProtocolError("the corrections did not cover every bin")
        functions = self._bin_function[self._bin_item != cuckoo.EMPTY]
        if (
            sum(sum(map(len, chunk)) for chunk in self._received.values())
            != cuckoo.HASH_FUNCTIONS * self._sender_size
        ):
            raise ProtocolError("the sender sent another number of values than it announced")
        found = np.zeros(len(self.items), dtype=bool)
        for function, chunks in self._received.items():
            theirs = np.concatenate(chunks) if chunks else np.zeros((0, self._length), np.uint8)
            mine = functions == function
            found[own_items[mine]] = _matches(own_values[mine], theirs)
        common = [self.items[index] for index in np.flatnonzero(found).tolist()]
        return PsiResult(PsiMode.INTERSECTION, len(common), common)


class KkrtSender:
    """The party that answers; it learns the receiver's set size (to the table size), nothing else."""

    def __init__(self, items: Iterable[str], *, runner: BatchRunner | None = None) -> None:
        self.mode = PsiMode.INTERSECTION
        self.items = normalise_identifiers(items)
        self.runner = runner or BatchRunner(1)
        self._digests = np.zeros((0, 16), dtype=np.uint8)
        self._bins = -1
        self._next_bin = 0
        self._pending: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self._functions: list[np.ndarray] = []

    def choices(self, setup_message: bytes) -> bytes:
        """``CHOICES``: set size, tag length, code key and the base-OT points for the secret bits ``s``."""
        body = _body(setup_message, SETUP, _SETUP.size + 16 + ot.POINT_BYTES)
        if self._bins >= 0:
            raise ProtocolError("the setup was already answered")
        (bins,) = _SETUP.unpack(body[: _SETUP.size])
        if len(body) != _SETUP.size + 16 + ot.POINT_BYTES or bins <= 0 or bins % cuckoo.BIN_ALIGNMENT:
            raise ProtocolError("the setup message is malformed or its table is not whole 128-bin blocks")
        hash_key = body[_SETUP.size : _SETUP.size + 16]
        secret = secrets.token_bytes(CODE_BYTES)
        bits = np.unpackbits(np.frombuffer(secret, dtype=np.uint8), bitorder="little").tolist()
        base_ot = ot.BaseOtReceiver(bits, body[_SETUP.size + 16 :])
        self._keys, self._secret = b"".join(base_ot.keys()), secret
        self._code_key = secrets.token_bytes(16)
        self._length = tag_bytes(bins, len(self.items))
        self._bins = bins
        self._digests = cuckoo.item_digests(self.items, _derived_key(hash_key, b"digest"))
        candidates = cuckoo.candidate_bins(self._digests, _derived_key(hash_key, b"cuckoo"), bins)
        candidates = candidates.ravel()
        order = np.argsort(candidates, kind="stable")
        self._pair_bins = candidates[order]
        self._pair_items = order // cuckoo.HASH_FUNCTIONS
        self._pair_functions = (order % cuckoo.HASH_FUNCTIONS).astype(np.int8)
        header = _CHOICES.pack(len(self.items), self._length)
        return CHOICES + header + self._code_key + base_ot.points

    def _sender_job(
        self, message: bytes
    ) -> tuple[bytes, int, int, bytes, bytes, bytes, bytes, bytes, bytes, int]:
        body = _body(message, CORRECTION, 8)
        (first,) = struct.unpack(">Q", body[:8])
        rows = body[8:]
        count = len(rows) // CODE_BYTES
        if self._bins < 0 or first != self._next_bin or first + count > self._bins:
            raise ProtocolError("a correction message is out of order or past the last bin")
        if count == 0 or count % cuckoo.BIN_ALIGNMENT or len(rows) % CODE_BYTES:
            raise ProtocolError("a correction message does not hold whole 128-row blocks")
        self._next_bin += count
        low, high = np.searchsorted(self._pair_bins, [first, first + count]).tolist()
        self._pending.append(self._pair_functions[low:high])
        return (
            rows,
            first,
            count,
            self._keys,
            self._secret,
            self._code_key,
            (self._pair_bins[low:high] - first).tobytes(),
            self._digests[self._pair_items[low:high]].tobytes(),
            self._pair_functions[low:high].tobytes(),
            self._length,
        )

    def receive_corrections(self, messages: Iterable[bytes]) -> None:
        """Take every ``CORRECTION`` message (in order) and evaluate the OPRF on own items."""
        jobs = (self._sender_job(message) for message in messages)
        for result in self.runner.map(sender_chunk, jobs):
            functions = self._pending.pop(0)
            self._values.append(np.frombuffer(result, dtype=np.uint8).reshape(len(functions), self._length))
            self._functions.append(functions)

    def value_messages(self) -> Iterator[bytes]:
        """``VALUES`` messages: per hash function, the OPRF values of all own items, shuffled."""
        if self._bins < 0 or self._next_bin != self._bins:
            raise ProtocolError("corrections for some bins are missing")
        values = np.concatenate(self._values) if self._values else np.zeros((0, self._length), np.uint8)
        functions = np.concatenate(self._functions) if self._functions else np.zeros(0, np.int8)
        self._values, self._functions = [], []
        for function in range(cuckoo.HASH_FUNCTIONS):
            own = values[functions == function]
            shuffled = own[np.argsort(_prefix_keys(own), kind="stable")]  # sorted = random order
            for start in range(0, len(shuffled), VALUES_PER_MESSAGE):
                chunk = shuffled[start : start + VALUES_PER_MESSAGE]
                yield VALUES + bytes([function]) + chunk.tobytes()


def run_kkrt(receiver: KkrtReceiver, sender: KkrtSender, transcript: Transcript | None = None) -> PsiResult:
    """Run the whole protocol in this process (both parties local), optionally recording the messages."""

    def sent(messages: Iterable[bytes], log: list[bytes] | None) -> Iterator[bytes]:
        for message in messages:
            if log is not None:
                log.append(message)
            yield message

    to_sender = transcript.to_sender if transcript is not None else None
    to_receiver = transcript.to_receiver if transcript is not None else None
    (setup,) = sent([receiver.setup()], to_sender)
    (choices,) = sent([sender.choices(setup)], to_receiver)
    sender.receive_corrections(sent(receiver.corrections(choices), to_sender))
    for message in sent(sender.value_messages(), to_receiver):
        receiver.receive_values(message)
    return receiver.result()


def kkrt_intersection(
    receiver_items: Iterable[str],
    sender_items: Iterable[str],
    *,
    workers: int = 1,
    chunk_bins: int = DEFAULT_CHUNK_BINS,
) -> PsiResult:
    """Both parties in one process (simulation and benchmarks); up to ``workers`` processes shared by both.

    Below ``PARALLEL_FROM`` items in all, one process does everything: starting worker processes
    (about a second each) costs more than they save there.
    """
    receiver_list, sender_list = list(receiver_items), list(sender_items)
    if len(receiver_list) + len(sender_list) < PARALLEL_FROM:
        workers = 1
    with BatchRunner(workers) as runner:
        receiver = KkrtReceiver(receiver_list, chunk_bins=chunk_bins, runner=runner)
        sender = KkrtSender(sender_list, runner=runner)
        return run_kkrt(receiver, sender)
