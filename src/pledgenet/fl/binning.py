"""Feature binning: quantile bins, optimal (ChiMerge) bins, weight of evidence and information value.

Everything here works on one party's plaintext values or on per-bin label counts, so the same functions
serve the centralized baseline and the federated protocol (:mod:`pledgenet.fl.scorecard.woe_binning`),
where the guest only ever sees a host's per-bin counts, never its values or thresholds.

Conventions (those of the registrar's scorecards): "event" = default (label 1);
``WOE_i = ln((events_i / events) / (non_events_i / non_events))``; ``IV = Σ (e_i − n_i) · WOE_i`` with
shares ``e_i``, ``n_i``; half a count added to empty cells so WOE stays finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pledgenet.errors import DataError


@dataclass(frozen=True)
class BinSpec:
    """Split points of one feature: bin ``k`` holds values in ``(edges[k-1], edges[k]]``."""

    edges: np.ndarray  # ascending inner cut points; len(edges) + 1 bins

    @property
    def bins(self) -> int:
        return len(self.edges) + 1

    def assign(self, values: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.edges, values, side="left").astype(np.int32)


def quantile_bins(values: np.ndarray, max_bins: int = 32) -> BinSpec:
    """Equal-frequency cut points (duplicates dropped, so a feature with few values gets fewer bins)."""
    if max_bins < 2:
        raise DataError("max_bins must be at least 2")
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        raise DataError("cannot bin an empty feature")
    distinct = np.unique(values)
    if len(distinct) <= max_bins:
        edges = distinct[:-1]
    else:
        edges = np.unique(np.quantile(values, np.linspace(0, 1, max_bins + 1)[1:-1], method="lower"))
        edges = edges[edges < distinct[-1]]
    return BinSpec(np.asarray(edges, dtype=np.float64))


def bin_matrix(features: np.ndarray, max_bins: int = 32) -> tuple[list[BinSpec], np.ndarray]:
    """Quantile bins of every column and the (rows, columns) matrix of bin indices (uint8 when it fits)."""
    specs = [quantile_bins(features[:, j], max_bins) for j in range(features.shape[1])]
    dtype = np.uint8 if max_bins <= 256 else np.int32
    binned = np.empty(features.shape, dtype=dtype)
    for j, spec in enumerate(specs):
        binned[:, j] = spec.assign(features[:, j])
    return specs, binned


def label_counts(bin_index: np.ndarray, labels: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin (events, non_events) of one feature."""
    events = np.bincount(bin_index, weights=labels, minlength=bins)
    totals = np.bincount(bin_index, minlength=bins)
    return events, totals - events


def woe_iv(events: np.ndarray, non_events: np.ndarray) -> tuple[np.ndarray, float]:
    """WOE per bin and the feature's IV from per-bin counts."""
    events = np.asarray(events, dtype=np.float64)
    non_events = np.asarray(non_events, dtype=np.float64)
    if events.sum() <= 0 or non_events.sum() <= 0:
        raise DataError("WOE needs both events and non-events")
    event_share = np.maximum(events, 0.5) / events.sum()
    non_event_share = np.maximum(non_events, 0.5) / non_events.sum()
    woe = np.log(event_share / non_event_share)
    return woe, float(np.sum((event_share - non_event_share) * woe))


def chi_merge(
    events: np.ndarray, non_events: np.ndarray, max_bins: int = 8, min_share: float = 0.05
) -> list[int]:
    """Optimal binning by ChiMerge on per-bin counts: which fine bins to join.

    Repeatedly joins the adjacent pair with the smallest chi-square (the least different label mix), and
    any bin under ``min_share`` of the rows, until at most ``max_bins`` remain. Returns, for each fine
    bin, the index of the merged bin it belongs to (monotone non-decreasing).
    """
    groups = [[i] for i in range(len(events))]
    e = [float(v) for v in events]
    n = [float(v) for v in non_events]
    total = sum(e) + sum(n)

    def chi2(k: int) -> float:
        a = np.array([[e[k], n[k]], [e[k + 1], n[k + 1]]])
        expected = a.sum(axis=1, keepdims=True) * a.sum(axis=0, keepdims=True) / max(a.sum(), 1e-12)
        return float(np.sum((a - expected) ** 2 / np.maximum(expected, 1e-12)))

    while len(groups) > 1:
        small = [k for k in range(len(groups)) if (e[k] + n[k]) < min_share * total]
        if len(groups) <= max_bins and not small:
            break
        if small and len(groups) <= max_bins:
            k = small[0]
            k = k - 1 if k == len(groups) - 1 else (k if k == 0 else (k - 1 if chi2(k - 1) < chi2(k) else k))
        else:
            k = min(range(len(groups) - 1), key=chi2)
        groups[k] += groups.pop(k + 1)
        e[k] += e.pop(k + 1)
        n[k] += n.pop(k + 1)
    mapping = [0] * len(events)
    for merged, members in enumerate(groups):
        for fine in members:
            mapping[fine] = merged
    return mapping


def merge_spec(spec: BinSpec, mapping: list[int]) -> BinSpec:
    """The coarse :class:`BinSpec` after joining fine bins as ``mapping`` says."""
    keep = [spec.edges[k] for k in range(len(spec.edges)) if mapping[k] != mapping[k + 1]]
    return BinSpec(np.asarray(keep, dtype=np.float64))
