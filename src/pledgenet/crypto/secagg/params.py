"""The public parameters of one secure-aggregation round, fixed by the job before the round starts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pledgenet.crypto.secagg.graph import complete_graph, graph_seed, harary_graph
from pledgenet.errors import WeakParameters


@dataclass(frozen=True)
class SecAggParams:
    """Who takes part, how many must survive, how long the vector is, and which graph masks it."""

    clients: tuple[str, ...]
    threshold: int
    """Complete graph: clients that must survive every stage (and hold shares for reconstruction).
    Sparse graph (SecAgg+): live holders each neighbourhood needs; at least this many clients overall."""
    length: int
    context: bytes
    """Binds every key, seed and share to one job and round (never reused)."""
    bits: int = 64
    degree: int | None = None
    """``None``: the complete graph (Bonawitz et al.); an even number: SecAgg+ with that degree."""

    def __post_init__(self) -> None:
        count = len(self.clients)
        if len(set(self.clients)) != count or count < 2:
            raise WeakParameters("secure aggregation needs at least two distinct clients", code="bad_secagg")
        if self.length < 1 or not 8 <= self.bits <= 64:
            raise WeakParameters(
                "vector length must be positive and the ring 8 to 64 bits", code="bad_secagg"
            )
        group = count if self.degree is None else self.degree + 1
        if self.degree is not None and not (self.degree % 2 == 0 and 2 <= self.degree < count):
            raise WeakParameters(f"SecAgg+ degree must be even and below {count}", code="bad_secagg")
        if not group // 2 < self.threshold <= group:
            raise WeakParameters(
                f"threshold {self.threshold} must be a strict majority of the {group} holders of each "
                "client's shares (fewer would let a server that fakes dropouts unmask one client)",
                code="bad_secagg",
            )

    @property
    def context_digest(self) -> bytes:
        return hashlib.sha256(b"pledgenet-secagg|" + self.context).digest()

    def neighbours(self, mask_keys: dict[str, bytes]) -> dict[str, tuple[str, ...]]:
        """The masking graph on the clients that advertised keys (public: every party recomputes it)."""
        alive = sorted(mask_keys)
        if self.degree is None or self.degree >= len(alive):
            return complete_graph(alive)
        return harary_graph(alive, self.degree, graph_seed(self.context, mask_keys))


def holders_of(client: str, neighbours: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The clients holding shares of ``client``'s secrets (its neighbours and itself), sorted; the share
    index of a holder is its position here plus one."""
    return tuple(sorted((*neighbours[client], client)))
