"""Who masks with whom: the complete graph (Bonawitz et al. 2017) or a sparse random graph (SecAgg+).

In the original protocol every client shares pairwise masks and secret shares with every other client:
``O(n^2)`` key agreements and shares. SecAgg+ (Bell et al., CCS 2020) replaces the complete graph by a
random ``k``-regular graph (a Harary graph on a random permutation of the clients, the paper's choice), so
each client does ``O(k)`` work with ``k = O(log n)``; the server still learns only the sum as long as the
honest clients' graph stays connected and each neighbourhood keeps ``threshold`` live members.

The permutation comes from a ChaCha20 stream keyed by a public seed every party derives from the round's
advertised keys, so the server cannot pick a graph after seeing who is who, and every client can recompute
its own neighbourhood.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pledgenet.crypto.prg import Prg
from pledgenet.errors import WeakParameters


def complete_graph(clients: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Every client is every other client's neighbour (the original protocol)."""
    return {c: tuple(sorted(o for o in clients if o != c)) for c in clients}


def harary_graph(clients: Sequence[str], degree: int, seed: bytes) -> dict[str, tuple[str, ...]]:
    """A ``degree``-regular Harary graph (each node joined to its ``degree/2`` nearest on each side of a
    ring) on a pseudo-random permutation of ``clients`` drawn from ``seed``."""
    count = len(clients)
    if degree % 2 or not 2 <= degree < count:
        raise WeakParameters(f"a SecAgg+ degree must be even and in [2, {count - 1}], got {degree}")
    order = [sorted(clients)[i] for i in Prg(seed, b"secagg-plus-graph").permutation(count)]
    half = degree // 2
    neighbours: dict[str, set[str]] = {c: set() for c in clients}
    for position, client in enumerate(order):
        for step in range(1, half + 1):
            other = order[(position + step) % count]
            neighbours[client].add(other)
            neighbours[other].add(client)
    return {c: tuple(sorted(n)) for c, n in neighbours.items()}


def graph_seed(context: bytes, public_keys: dict[str, bytes]) -> bytes:
    """The public seed of the round's graph: a hash of the context and every advertised key."""
    digest = hashlib.sha256(b"pledgenet-secagg-graph|" + context)
    for client in sorted(public_keys):
        digest.update(client.encode() + b"|" + public_keys[client])
    return digest.digest()


def suggested_degree(count: int) -> int:
    """An even degree of about ``2 log2 n`` (Bell et al.: ``O(log n)``), at most ``n - 1``."""
    degree = 2 * max(2, count.bit_length())
    degree -= degree % 2
    return min(degree, count - 1 - (count - 1) % 2)
