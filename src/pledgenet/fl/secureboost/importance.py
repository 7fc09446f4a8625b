"""SecureBoost explanations: feature importance by gain and by split count, each party seeing its own.

* The guest computes every split's gain (the loss reduction ``G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)``,
  xgboost's ``total_gain``) from its own gradients and the rows' leaves: no message. For its own features
  it reports gain and split count by name; for each host only the host's totals (gain and split count of
  every split that host owns), never which of the host's features (the guest does not know them).
* A host counts its own splits per feature from its split table (it made every one of them): no message.
  Gains stay with the guest: they are functions of the label gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pledgenet.fl.secureboost.tree import Tree


def tree_gains(
    tree: Tree, leaf_of_row: np.ndarray, gradients: np.ndarray, hessians: np.ndarray, reg_lambda: float
) -> dict[int, float]:
    """The gain of every internal node of ``tree`` (node id -> loss reduction) on its training rows."""
    g_sum: dict[int, float] = {}
    h_sum: dict[int, float] = {}
    for leaf in np.unique(leaf_of_row):
        members = leaf_of_row == leaf
        g_sum[int(leaf)], h_sum[int(leaf)] = float(gradients[members].sum()), float(hessians[members].sum())
    for node in sorted(tree.nodes, reverse=True):  # children (2n+1, 2n+2) before their parent
        if not tree.nodes[node].leaf:
            left, right = 2 * node + 1, 2 * node + 2
            g_sum[node] = g_sum.get(left, 0.0) + g_sum.get(right, 0.0)
            h_sum[node] = h_sum.get(left, 0.0) + h_sum.get(right, 0.0)

    def score(node: int) -> float:
        return g_sum.get(node, 0.0) ** 2 / (h_sum.get(node, 0.0) + reg_lambda)

    return {
        node: score(2 * node + 1) + score(2 * node + 2) - score(node)
        for node, item in tree.nodes.items()
        if not item.leaf
    }


def guest_importance(
    trees: list[Tree], gains: list[dict[int, float]], feature_names: tuple[str, ...]
) -> dict[str, Any]:
    """The guest's report: own features by name; each host as one total; the own/hosts share of gain."""
    own = {name: {"gain": 0.0, "splits": 0} for name in feature_names}
    hosts: dict[str, dict[str, float]] = {}
    for tree, tree_gain in zip(trees, gains, strict=True):
        for node_id, gain in tree_gain.items():
            node = tree.nodes[node_id]
            if node.split_id < 0:  # the guest's own split (host splits carry only a split id)
                own[feature_names[node.feature]]["gain"] += gain
                own[feature_names[node.feature]]["splits"] += 1
            else:
                total = hosts.setdefault(node.owner, {"gain": 0.0, "splits": 0})
                total["gain"] += gain
                total["splits"] += 1
    own_gain = sum(row["gain"] for row in own.values())
    host_gain = sum(row["gain"] for row in hosts.values())
    whole = own_gain + host_gain
    return {
        "own": own,
        "hosts": hosts,
        "gain_share": {
            "own": own_gain / whole if whole else 0.0,
            "hosts": host_gain / whole if whole else 0.0,
        },
    }


def host_importance(splits: dict[int, tuple[int, float]], feature_names: tuple[str, ...]) -> dict[str, int]:
    """A host's split count per own feature (from its own split table)."""
    counts = dict.fromkeys(feature_names, 0)
    for feature, _threshold in splits.values():
        counts[feature_names[feature]] += 1
    return counts
