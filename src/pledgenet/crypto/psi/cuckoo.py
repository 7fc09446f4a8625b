"""Cuckoo hashing for OT-based PSI: every receiver item gets a bin of its own, chosen among three.

KKRT PSI evaluates one oblivious PRF instance per bin, so the receiver must place each of its ``n``
items in exactly one of its three candidate bins ``h_1(x), h_2(x), h_3(x)``, at most one item per bin.
The sender, who does not know where the receiver put anything, evaluates the OPRF of every own item in
all three of its bins.

Item digests ``d(x)`` (``item_digests``): AES-128 CBC-MAC of ``len(x) || x`` under a key drawn for each
run, vectorised over all items. Hash functions: ``h_i(x) = w_i mod m`` where ``w_0..w_3`` are the 64-bit
words of ``AES_k(d(x) xor tweak_0) || AES_k(d(x) xor tweak_1)`` and ``k`` another fresh key chosen by the
receiver for each run (so nobody can pick items that collide in advance). The modulo bias is below
``m / 2^64``.

Table size (see docs/protocols.md): ``m = 1.27 n`` bins for ``n >= 2^14`` (Pinkas–Schneider–Zohner,
TOPS 2018: three hash functions and ``1.27 n`` bins need no stash for a failure probability of about
``2^-40`` at the sizes we run), and a more generous ``2 n + 256`` below that, where the extra bins cost
nothing noticeable and small tables are the ones that fail most often. ``m`` is rounded up to a multiple
of 128 (the OT extension works on 128-row blocks). No stash: when insertion fails, ``CuckooFailure`` is
raised and nothing is sent.

Insertion is written by hand (it is part of the protocol): a vectorised greedy pass places most items in
a free candidate bin, then a random walk with eviction (Python loop, only for the few left over) places
the rest.
"""

from __future__ import annotations

import math
import random
import secrets

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pledgenet.errors import CuckooFailure, DataError

HASH_FUNCTIONS = 3
BIN_ALIGNMENT = 128
LARGE_SET = 1 << 14
EXPANSION_LARGE = 1.27
MAX_WALK = 2000
EVICTION_ROUNDS = 200
WALK_BELOW = 64
EMPTY = -1


def table_size(items: int) -> int:
    """Number of bins for ``items`` receiver items (a multiple of 128, never 0)."""
    if items < 0:
        raise ValueError("a set size is never negative")
    wanted = math.ceil(EXPANSION_LARGE * items) if items >= LARGE_SET else 2 * items + 256
    return max(BIN_ALIGNMENT, -(-wanted // BIN_ALIGNMENT) * BIN_ALIGNMENT)


def candidate_bins(digests: np.ndarray, hash_key: bytes, bins: int) -> np.ndarray:
    """``(n, 3)`` int64 array: the three candidate bins of each item (``digests``: ``(n, 16)`` uint8)."""
    count = len(digests)
    if count == 0:
        return np.zeros((0, HASH_FUNCTIONS), dtype=np.int64)
    blocks = np.empty((count, 2, 16), dtype=np.uint8)
    blocks[:, 0, :] = digests
    blocks[:, 1, :] = digests
    blocks[:, 1, 15] ^= 1
    encryptor = Cipher(algorithms.AES(hash_key), modes.ECB()).encryptor()
    words = np.frombuffer(encryptor.update(blocks.tobytes()), dtype="<u8").reshape(count, 4)
    return (words[:, :HASH_FUNCTIONS] % np.uint64(bins)).astype(np.int64)


def _greedy(choices: np.ndarray, bin_item: np.ndarray, bin_function: np.ndarray) -> np.ndarray:
    """Place items into free candidate bins, first come first served; returns the items left over."""
    return _greedy_subset(choices, bin_item, bin_function, np.arange(len(choices), dtype=np.int64))


def _greedy_subset(
    choices: np.ndarray, bin_item: np.ndarray, bin_function: np.ndarray, unplaced: np.ndarray
) -> np.ndarray:
    """Place the ``unplaced`` items into free candidate bins; returns those that found none."""
    for function in range(HASH_FUNCTIONS):
        if len(unplaced) == 0:
            break
        wanted = choices[unplaced, function]
        free = bin_item[wanted] == EMPTY
        candidates, wanted = unplaced[free], wanted[free]
        _, first = np.unique(wanted, return_index=True)
        bin_item[wanted[first]] = candidates[first]
        bin_function[wanted[first]] = function
        placed = np.zeros(len(unplaced), dtype=bool)
        placed[np.flatnonzero(free)[first]] = True
        unplaced = unplaced[~placed]
    return unplaced


def _evict_round(
    choices: np.ndarray, bin_item: np.ndarray, bin_function: np.ndarray, waiting: np.ndarray
) -> np.ndarray:
    """One parallel eviction step: each waiting item takes a random candidate bin (one winner per bin),
    the occupants it displaces wait next; then a greedy pass. Returns the items still waiting."""
    functions = np.frombuffer(secrets.token_bytes(len(waiting)), dtype=np.uint8) % HASH_FUNCTIONS
    targets = choices[waiting, functions]
    _, first = np.unique(targets, return_index=True)
    winners, targets, functions = waiting[first], targets[first], functions[first]
    displaced = bin_item[targets]
    bin_item[targets] = winners
    bin_function[targets] = functions
    lost = np.ones(len(waiting), dtype=bool)
    lost[first] = False
    still = np.concatenate([waiting[lost], displaced[displaced != EMPTY]])
    return _greedy_subset(choices, bin_item, bin_function, still)


def build_table(choices: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Cuckoo table: ``bin_item[b]`` (item index or -1) and ``bin_function[b]`` (which ``h_i`` put it).

    Raises ``CuckooFailure`` when some item cannot be placed within ``MAX_WALK`` evictions.
    """
    bin_item = np.full(bins, EMPTY, dtype=np.int64)
    bin_function = np.zeros(bins, dtype=np.int8)
    leftover = _greedy(choices, bin_item, bin_function)
    for _ in range(EVICTION_ROUNDS):
        if len(leftover) <= WALK_BELOW:
            break
        leftover = _evict_round(choices, bin_item, bin_function, leftover)
    if len(leftover) == 0:
        return bin_item, bin_function
    walk = random.Random(secrets.randbits(128))  # eviction choices are not secret: layout never leaves
    table, functions = bin_item, bin_function
    for start in leftover.tolist():
        item, previous_bin = start, EMPTY
        for _ in range(MAX_WALK):
            options = choices[item].tolist()
            free = [f for f in range(HASH_FUNCTIONS) if table[options[f]] == EMPTY]
            if free:
                table[options[free[0]]], functions[options[free[0]]] = item, free[0]
                break
            function = walk.randrange(HASH_FUNCTIONS)
            if options[function] == previous_bin:  # do not undo the last eviction
                function = (function + 1 + walk.randrange(HASH_FUNCTIONS - 1)) % HASH_FUNCTIONS
            target = options[function]
            item, table[target], functions[target] = int(table[target]), item, function
            previous_bin = target
        else:
            raise CuckooFailure(
                f"cuckoo hashing could not place {len(choices)} items in {bins} bins; "
                "run the PSI again (fresh hash key) or use protocol='ecdh'"
            )
    return bin_item, bin_function


def item_digests(items: list[str], key: bytes) -> np.ndarray:
    """``(n, 16)`` uint8: ``d(x)``, AES-128 CBC-MAC under this run's ``key`` of ``len(x) || x`` (UTF-8).

    The two-byte length prefix makes the encodings prefix-free, where CBC-MAC is a PRF; the key is drawn
    after the sets are fixed, so distinct items collide with probability about ``n^2 / 2^128``.
    Vectorised: one AES-ECB call per 16-byte block position over all items of the same block count.
    """
    encoded = [item.encode() for item in items]
    digests = np.zeros((len(encoded), 16), dtype=np.uint8)
    if not encoded:
        return digests
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    if int(lengths.max()) > 0xFFFF:
        raise DataError("an identifier is longer than 65,535 bytes")
    width = int(lengths.max())
    raw = np.frombuffer(np.array(encoded, dtype=f"S{width}").tobytes(), dtype=np.uint8)
    raw = raw.reshape(len(encoded), width)
    block_counts = (lengths + 2 + 15) // 16
    for blocks in np.unique(block_counts).tolist():
        rows = np.flatnonzero(block_counts == blocks)
        message = np.zeros((len(rows), 16 * blocks), dtype=np.uint8)
        message[:, 0], message[:, 1] = lengths[rows] >> 8, lengths[rows] & 0xFF
        take = min(width, 16 * blocks - 2)
        message[:, 2 : 2 + take] = raw[rows, :take]
        state = np.zeros((len(rows), 16), dtype=np.uint8)
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        for block in range(blocks):
            chained = (state ^ message[:, 16 * block : 16 * block + 16]).tobytes()
            state = np.frombuffer(encryptor.update(chained), dtype=np.uint8).reshape(len(rows), 16)
        digests[rows] = state
    return digests
