"""Histogram gradient-boosted trees for lenders with the same features: the algorithm, party-neutral.

The pieces a lender computes on its own rows (``grid_counts``, ``bin_features``, ``level_histograms``,
``apply_decisions``) only ever leave it summed over every lender by secure aggregation; the pieces the
aggregator computes (``choose_edges``, ``decide_level``) only ever see such sums.
:mod:`pledgenet.fl.horizontal.gbdt_protocol` wires them over the channel; ``fit_central`` runs the very
same pieces on pooled rows (the benchmark's baseline).

Bins are agreed without any lender revealing a value: each counts its rows per cell of a fine public grid
(``grid_cells`` equal cells from ``feature_low`` to ``feature_high``; values outside fall in the end
cells), the counts are summed securely, and the aggregator cuts each feature at the pooled quantiles of that
histogram (``max_bins`` bins). Trees grow level by level: every lender's gradient and hessian histograms
of the level's open nodes are summed securely; the aggregator picks each node's best split (XGBoost's
gain, ``reg_lambda``, ``min_child_weight``) and the leaf values; loss: logistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pledgenet.errors import ConfigError, DataError


@dataclass(frozen=True)
class GbdtParams:
    n_trees: int = 10
    max_depth: int = 3
    max_bins: int = 32
    learning_rate: float = 0.3
    reg_lambda: float = 1.0
    min_child_weight: float = 1.0
    feature_low: float = -4.0
    feature_high: float = 12.0
    """The public grid's range (values outside fall in its end cells)."""
    grid_cells: int = 512
    max_rows: int = 2**20
    scale: float = 2.0**24
    threshold: int | None = None
    degree: int | None = None
    deadline_s: float = 600.0

    def __post_init__(self) -> None:
        low, high = self.feature_low, self.feature_high
        if not (self.n_trees >= 1 and 1 <= self.max_depth <= 8 and 2 <= self.max_bins <= self.grid_cells):
            raise ConfigError("gbdt needs n_trees >= 1, max_depth 1..8 and 2 <= max_bins <= grid_cells")
        if not low < high or self.learning_rate <= 0 or self.reg_lambda < 0 or self.min_child_weight < 0:
            raise ConfigError("gbdt needs feature_low < feature_high, learning_rate > 0, reg_lambda >= 0")


@dataclass
class Tree:
    """Heap-numbered nodes (children of ``n``: ``2n+1`` left, ``2n+2`` right)."""

    splits: dict[int, tuple[int, float]] = field(default_factory=dict)  # node -> (feature, threshold)
    leaves: dict[int, float] = field(default_factory=dict)  # node -> value (learning rate applied)

    def predict(self, features: np.ndarray) -> np.ndarray:
        node = np.zeros(len(features), dtype=np.int64)
        for _ in range(64):
            moved = False
            for parent, (feature, threshold) in self.splits.items():
                rows = node == parent
                if rows.any():
                    node[rows] = np.where(
                        features[rows, feature] <= threshold, 2 * parent + 1, 2 * parent + 2
                    )
                    moved = True
            if not moved:
                break
        out = np.zeros(len(features))
        for leaf, value in self.leaves.items():
            out[node == leaf] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "splits": {str(n): [f, t] for n, (f, t) in self.splits.items()},
            "leaves": {str(n): v for n, v in self.leaves.items()},
        }


def predict_raw(trees: list[Tree], base: float, features: np.ndarray) -> np.ndarray:
    return base + sum((tree.predict(features) for tree in trees), np.zeros(len(features)))


def grid_counts(features: np.ndarray, params: GbdtParams) -> np.ndarray:
    """Rows per (feature, grid cell): what a lender contributes to the bin agreement."""
    low, high = params.feature_low, params.feature_high
    cells = np.clip(
        ((features - low) / (high - low) * params.grid_cells).astype(np.int64), 0, params.grid_cells - 1
    )
    columns = features.shape[1]
    flat = cells + params.grid_cells * np.arange(columns)[None, :]
    return np.bincount(flat.ravel(), minlength=columns * params.grid_cells).astype(np.float64)


def choose_edges(counts: np.ndarray, columns: int, params: GbdtParams) -> list[np.ndarray]:
    """Per feature, the cut values at the pooled quantiles of the summed grid histogram."""
    low, high = params.feature_low, params.feature_high
    upper = low + (np.arange(params.grid_cells) + 1) * (high - low) / params.grid_cells
    edges = []
    for column, row in enumerate(counts.reshape(columns, params.grid_cells)):
        total = row.sum()
        if total <= 0:
            raise DataError(f"feature {column} has no rows in the pooled histogram")
        cumulative = np.cumsum(row)
        targets = total * np.arange(1, params.max_bins) / params.max_bins
        cells = np.unique(np.searchsorted(cumulative, targets, side="left"))
        cells = cells[cells < params.grid_cells - 1]
        edges.append(upper[cells])
    return edges


def bin_features(features: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    """Bin ``b`` of a value: ``edges[b-1] < x <= edges[b]``."""
    return np.stack(
        [np.searchsorted(edges[f], features[:, f], side="left") for f in range(len(edges))], axis=1
    )


def level_histograms(
    binned: np.ndarray, grad: np.ndarray, hess: np.ndarray, node: np.ndarray, active: list[int], bins: int
) -> np.ndarray:
    """Gradient then hessian sums per (open node, feature, bin), flattened."""
    columns = binned.shape[1]
    size = len(active) * columns * bins
    position = {n: i for i, n in enumerate(active)}
    rows = np.flatnonzero(np.isin(node, active))
    slot = np.array([position[int(n)] for n in node[rows]], dtype=np.int64)
    index = (slot[:, None] * columns + np.arange(columns)[None, :]) * bins + binned[rows]
    g = np.bincount(index.ravel(), weights=np.repeat(grad[rows], columns), minlength=size)
    h = np.bincount(index.ravel(), weights=np.repeat(hess[rows], columns), minlength=size)
    return np.concatenate([g, h])


def decide_level(
    sums: np.ndarray, active: list[int], depth: int, columns: int, edges: list[np.ndarray], params: GbdtParams
) -> tuple[dict[int, tuple[int, int]], dict[int, float], list[int], dict[int, tuple[int, float]]]:
    """The aggregator's choice per open node: split (feature, bin) or leaf; returns splits, leaves, the
    next level's open nodes and the splits in value space (for the model)."""
    bins, lam = params.max_bins, params.reg_lambda
    half = len(sums) // 2
    grad = sums[:half].reshape(len(active), columns, bins)
    hess = sums[half:].reshape(len(active), columns, bins)
    splits: dict[int, tuple[int, int]] = {}
    value_splits: dict[int, tuple[int, float]] = {}
    leaves: dict[int, float] = {}
    next_open: list[int] = []
    for slot, node in enumerate(active):
        g_total, h_total = grad[slot, 0].sum(), hess[slot, 0].sum()
        g_left, h_left = np.cumsum(grad[slot], axis=1), np.cumsum(hess[slot], axis=1)
        g_right, h_right = g_total - g_left, h_total - h_left
        gain = g_left**2 / (h_left + lam) + g_right**2 / (h_right + lam) - g_total**2 / (h_total + lam)
        allowed = (h_left >= params.min_child_weight) & (h_right >= params.min_child_weight)
        for column in range(columns):
            allowed[column, len(edges[column]) :] = False  # no cut past the last edge
        gain = np.where(allowed, gain, -np.inf)
        feature, cut = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if not np.isfinite(gain[feature, cut]) or gain[feature, cut] <= 1e-12:
            leaves[node] = float(-g_total / (h_total + lam) * params.learning_rate)
            continue
        splits[node] = (int(feature), int(cut))
        value_splits[node] = (int(feature), float(edges[feature][cut]))
        children = {
            2 * node + 1: (g_left[feature, cut], h_left[feature, cut]),
            2 * node + 2: (g_right[feature, cut], h_right[feature, cut]),
        }
        for child, (g, h) in children.items():
            if depth + 1 >= params.max_depth:
                leaves[child] = float(-g / (h + lam) * params.learning_rate)
            else:
                next_open.append(child)
    return splits, leaves, next_open, value_splits


def apply_decisions(
    binned: np.ndarray,
    node: np.ndarray,
    raw: np.ndarray,
    splits: dict[int, tuple[int, int]],
    leaves: dict[int, float],
) -> None:
    """Move rows down the level's splits, then add the values of the leaves they reached (in place)."""
    for parent, (feature, cut) in splits.items():
        rows = node == parent
        node[rows] = np.where(binned[rows, feature] <= cut, 2 * parent + 1, 2 * parent + 2)
    for leaf, value in leaves.items():
        raw[node == leaf] += value


def logistic_gradients(raw: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = 1.0 / (1.0 + np.exp(-raw))
    return p - labels, p * (1.0 - p)


def fit_central(features: np.ndarray, labels: np.ndarray, params: GbdtParams) -> tuple[float, list[Tree]]:
    """The same algorithm on pooled rows (the baseline): base score and trees."""
    columns = features.shape[1]
    edges = choose_edges(grid_counts(features, params), columns, params)
    binned = bin_features(features, edges)
    rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))
    base = float(np.log(rate / (1 - rate)))
    raw = np.full(len(labels), base)
    trees = []
    for _ in range(params.n_trees):
        grad, hess = logistic_gradients(raw, labels)
        node = np.zeros(len(labels), dtype=np.int64)
        tree, active = Tree(), [0]
        for depth in range(params.max_depth):
            if not active:
                break
            sums = level_histograms(binned, grad, hess, node, active, params.max_bins)
            splits, leaves, active, value_splits = decide_level(sums, active, depth, columns, edges, params)
            apply_decisions(binned, node, raw, splits, leaves)
            tree.splits.update(value_splits)
            tree.leaves.update(leaves)
        trees.append(tree)
    return base, trees
