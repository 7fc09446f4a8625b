"""Gradient-boosted trees on binned features: split gain, leaf weights, and the guest's tree builder.

The builder grows one tree level by level from per-bin gradient/hessian histograms. It does not care where
a histogram comes from: the guest's own features give plaintext histograms; a host's features come through
a :class:`HostView`, which is the SecureBoost protocol for a real host
(:class:`pledgenet.fl.secureboost.RemoteHost`) or plaintext for the centralized reference
(:class:`PlainHost`). Same code, same gains, same tie order: this is what makes the federated trees the
same as centralized boosting on the same bins ("lossless").

Gain and weights follow XGBoost (``loss_chg = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)``, leaf
``−η·G/(H+λ)``, a split needs ``loss_chg > max(γ, 1e-6)`` and ``min_child_weight`` of hessian per child).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pledgenet.errors import DataError


@dataclass(frozen=True)
class BoostParams:
    n_trees: int = 5
    max_depth: int = 3
    learning_rate: float = 0.3
    min_child_weight: float = 1.0
    reg_lambda: float = 1.0
    gamma: float = 0.0
    max_bins: int = 32
    key_bits: int = 2048
    #: opt-in for keys under 2048 bits (tests and quick examples only: such keys are not secure)
    allow_small_key: bool = False
    #: hosts send no histogram of a node with fewer rows, or whose sibling has fewer (docs/protocols.md)
    min_host_node_rows: int = 50

    def __post_init__(self) -> None:
        if self.n_trees < 1 or self.max_depth < 1 or self.max_depth > 12:
            raise DataError("n_trees must be >= 1 and max_depth between 1 and 12")
        if not 0 < self.learning_rate <= 1 or self.reg_lambda < 0 or self.min_child_weight < 0:
            raise DataError("learning_rate in (0, 1], reg_lambda and min_child_weight >= 0")
        if not 2 <= self.max_bins <= 256:
            raise DataError("max_bins must be between 2 and 256")
        if self.min_host_node_rows < 1:
            raise DataError("min_host_node_rows must be at least 1")


@dataclass
class Node:
    """A tree node. Guest splits keep feature/threshold; host splits keep only (owner, split_id)."""

    id: int
    leaf: bool = True
    weight: float = 0.0
    owner: str = ""
    feature: int = -1
    threshold: float = 0.0
    split_id: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k) for k in ("id", "leaf", "weight", "owner", "feature", "threshold", "split_id")
        }


@dataclass
class Tree:
    nodes: dict[int, Node] = field(default_factory=dict)

    def to_list(self) -> list[dict[str, Any]]:
        return [self.nodes[k].to_dict() for k in sorted(self.nodes)]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> Tree:
        return cls({int(item["id"]): Node(**item) for item in items})


def best_split(
    g_hist: np.ndarray, h_hist: np.ndarray, g_total: float, h_total: float, params: BoostParams
) -> tuple[float, int]:
    """Best (loss_chg, bin) of one feature: rows with bin <= the returned bin go left; (-inf, -1) if none."""
    if len(g_hist) < 2:
        return -np.inf, -1
    g_left = np.cumsum(g_hist)[:-1]
    h_left = np.cumsum(h_hist)[:-1]
    g_right = g_total - g_left
    h_right = h_total - h_left
    lam = params.reg_lambda
    gain = g_left**2 / (h_left + lam) + g_right**2 / (h_right + lam) - g_total**2 / (h_total + lam)
    valid = (h_left >= params.min_child_weight) & (h_right >= params.min_child_weight)
    gain = np.where(valid, gain, -np.inf)
    best = int(np.argmax(gain))
    return float(gain[best]), best


class HostView(ABC):
    """What the tree builder may ask of one host's features."""

    name: str

    @abstractmethod
    def begin_tree(self, gradients: np.ndarray, hessians: np.ndarray) -> list[int]:
        """Start a tree; return the number of bins of each of the host's (anonymous) feature slots."""

    @abstractmethod
    def histograms(
        self, node_of_row: np.ndarray, nodes: list[int]
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per node: concatenated per-bin (G, H) over all slots (slot order as in ``begin_tree``)."""

    @abstractmethod
    def split(
        self, node_of_row: np.ndarray, requests: list[tuple[int, int, int]]
    ) -> list[tuple[int, np.ndarray]]:
        """Apply splits (node, slot, bin); return (split_id, goes_left over the node's rows) each."""

    def end_tree(self) -> None:  # noqa: B027 (optional hook)
        """The tree is finished."""


class PlainHost(HostView):
    """A host's binned features in plaintext: the centralized reference (never used across parties)."""

    def __init__(self, name: str, binned: np.ndarray, bins_of: list[int]) -> None:
        self.name = name
        self.binned = binned
        self.bins_of = bins_of
        self.next_split = 0
        self.splits: dict[int, tuple[int, int]] = {}

    def begin_tree(self, gradients: np.ndarray, hessians: np.ndarray) -> list[int]:
        self.g, self.h = gradients, hessians
        return list(self.bins_of)

    def histograms(
        self, node_of_row: np.ndarray, nodes: list[int]
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for node in nodes:
            rows = np.flatnonzero(node_of_row == node)
            gs, hs = [], []
            for j, bins in enumerate(self.bins_of):
                column = self.binned[rows, j]
                gs.append(np.bincount(column, weights=self.g[rows], minlength=bins))
                hs.append(np.bincount(column, weights=self.h[rows], minlength=bins))
            out[node] = (np.concatenate(gs), np.concatenate(hs))
        return out

    def split(
        self, node_of_row: np.ndarray, requests: list[tuple[int, int, int]]
    ) -> list[tuple[int, np.ndarray]]:
        out = []
        for node, slot, bin_index in requests:
            rows = np.flatnonzero(node_of_row == node)
            self.splits[self.next_split] = (slot, bin_index)
            out.append((self.next_split, self.binned[rows, slot] <= bin_index))
            self.next_split += 1
        return out


def _children(node: int) -> tuple[int, int]:
    return 2 * node + 1, 2 * node + 2


def _sibling(node: int) -> int:
    return node + 1 if node % 2 else node - 1


def host_may_see(node: int, counts: dict[int, int], min_rows: int) -> bool:
    """Whether hosts send ``node``'s histogram: it and its sibling (whose histogram the guest could
    derive from the parent's) both hold at least ``min_rows`` rows."""
    return counts[node] >= min_rows and (node == 0 or counts[_sibling(node)] >= min_rows)


def _has_hosts(cached: dict[int, list[Any]], node: int, hosts: list[Any]) -> bool:
    """Whether the parent of ``node`` holds every host's histogram (so a child's can be subtracted)."""
    return len(cached.get((node - 1) // 2, [])) == len(hosts)


def _is_smaller(node: int, counts: dict[int, int]) -> bool:
    """Whether ``node`` is the child whose histogram is computed (fewer rows; the left one on a tie)."""
    mine, theirs = counts[node], counts[_sibling(node)]
    return mine < theirs or (mine == theirs and node % 2 == 1)


def _choose(
    node: int,
    node_of_row: np.ndarray,
    guest_binned: np.ndarray,
    guest_bins: list[int],
    gradients: np.ndarray,
    hessians: np.ndarray,
    host_hists: list[tuple[np.ndarray, np.ndarray]],
    slot_bins: list[list[int]],
    params: BoostParams,
) -> tuple[int, int, int] | None:
    """The best split of a node over the guest's features, then each host's slots: (owner, slot, bin)."""
    members = node_of_row == node
    g_node, h_node = gradients[members], hessians[members]
    g_total, h_total = float(g_node.sum()), float(h_node.sum())
    best_gain, best = max(params.gamma, 1e-6), None
    for j, bins in enumerate(guest_bins):
        column = guest_binned[members, j]
        gain, b = best_split(
            np.bincount(column, weights=g_node, minlength=bins),
            np.bincount(column, weights=h_node, minlength=bins),
            g_total,
            h_total,
            params,
        )
        if gain > best_gain:
            best_gain, best = gain, (-1, j, b)
    for h, (g_hist, h_hist) in enumerate(host_hists):
        offset = 0
        for slot, bins in enumerate(slot_bins[h]):
            part = slice(offset, offset + bins)
            gain, b = best_split(g_hist[part], h_hist[part], g_total, h_total, params)
            offset += bins
            if gain > best_gain:
                best_gain, best = gain, (h, slot, b)
    return best


def grow_tree(
    guest_binned: np.ndarray,
    guest_edges: list[np.ndarray],
    gradients: np.ndarray,
    hessians: np.ndarray,
    hosts: list[HostView],
    params: BoostParams,
    guest_name: str = "guest",
) -> tuple[Tree, np.ndarray]:
    """Grow one tree; return it and each training row's leaf id."""
    rows = len(gradients)
    node_of_row = np.zeros(rows, dtype=np.int32)
    slot_bins = [host.begin_tree(gradients, hessians) for host in hosts]
    guest_bins = [len(edges) + 1 for edges in guest_edges]
    tree = Tree({0: Node(0)})
    active = [0]
    cached: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}  # node -> per-host (G, H) histograms
    counts = {0: rows}
    for _depth in range(params.max_depth):
        if not active:
            break
        # histogram subtraction: only the smaller child of each pair is computed; its sibling is
        # parent - smaller child (no cryptography for it at all)
        # nodes too small for host histograms split on the guest's features only
        seen = [n for n in active if host_may_see(n, counts, params.min_host_node_rows)]
        compute = [n for n in seen if n == 0 or _is_smaller(n, counts) or not _has_hosts(cached, n, hosts)]
        for node in active:
            cached[node] = []
        if compute:
            for host in hosts:
                for node, hist in host.histograms(node_of_row, compute).items():
                    cached[node].append(hist)
        for node in seen:
            if node not in compute:
                parent, sibling = (node - 1) // 2, _sibling(node)
                cached[node] = [
                    (pg - sg, ph - sh)
                    for (pg, ph), (sg, sh) in zip(cached[parent], cached[sibling], strict=True)
                ]
        host_requests: list[list[tuple[int, int, int]]] = [[] for _ in hosts]
        guest_splits: dict[int, tuple[int, int]] = {}
        for node in active:
            choice = _choose(
                node,
                node_of_row,
                guest_binned,
                guest_bins,
                gradients,
                hessians,
                cached[node],
                slot_bins,
                params,
            )
            if choice is None:
                continue
            owner, slot, b = choice
            if owner < 0:
                guest_splits[node] = (slot, b)
            else:
                host_requests[owner].append((node, slot, b))
        lefts: dict[int, np.ndarray] = {}
        for node, (j, b) in guest_splits.items():
            tree.nodes[node] = Node(
                node, False, owner=guest_name, feature=j, threshold=float(guest_edges[j][b])
            )
            lefts[node] = guest_binned[node_of_row == node, j] <= b
        for h, host in enumerate(hosts):
            if host_requests[h]:
                answers = host.split(node_of_row, host_requests[h])
                for (node, _, _), (split_id, goes_left) in zip(host_requests[h], answers, strict=True):
                    tree.nodes[node] = Node(node, False, owner=host.name, split_id=split_id)
                    lefts[node] = goes_left
        counts, active = {}, []
        for node in sorted(lefts):
            goes_left = lefts[node]
            positions = np.flatnonzero(node_of_row == node)
            if len(goes_left) != len(positions):
                raise DataError("a host answered a split with the wrong number of rows")
            left, right = _children(node)
            node_of_row[positions[goes_left]] = left
            node_of_row[positions[~goes_left]] = right
            tree.nodes[left], tree.nodes[right] = Node(left), Node(right)
            counts[left], counts[right] = int(goes_left.sum()), int((~goes_left).sum())
            active += [left, right]
        cached = {node: hist for node, hist in cached.items() if node in lefts}  # parents of next level
        if _depth == params.max_depth - 1:
            break
    for host in hosts:
        host.end_tree()
    for leaf in tree.nodes.values():
        if leaf.leaf:
            members = node_of_row == leaf.id
            leaf.weight = float(
                -params.learning_rate
                * gradients[members].sum()
                / (hessians[members].sum() + params.reg_lambda)
            )
    return tree, node_of_row
