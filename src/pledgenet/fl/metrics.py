"""Evaluation of credit-risk scores: AUC, KS, lift, confusion at a threshold, population stability.

AUC comes from scikit-learn; KS, lift, the ROC/KS curves and the population stability index (PSI, the
credit-risk drift measure, not private set intersection) are the registrar's risk team's definitions,
written out here because they are a few lines of numpy each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from pledgenet.errors import DataError


def _check(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(np.int64).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if len(labels) != len(scores) or len(labels) == 0:
        raise DataError("labels and scores must be non-empty and of the same length")
    if len(np.unique(labels)) != 2:
        raise DataError("evaluation needs both classes among the labels")
    return labels, scores


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    labels, scores = _check(labels, scores)
    return float(roc_auc_score(labels, scores))


def ks_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds (descending), cumulative share of positives and of negatives above each threshold."""
    labels, scores = _check(labels, scores)
    false_rate, true_rate, thresholds = roc_curve(labels, scores)
    return thresholds, true_rate, false_rate


def ks(labels: np.ndarray, scores: np.ndarray) -> float:
    """Kolmogorov–Smirnov statistic: the largest gap between the positives' and negatives' score CDFs."""
    _, true_rate, false_rate = ks_curve(labels, scores)
    return float(np.max(true_rate - false_rate))


def lift(labels: np.ndarray, scores: np.ndarray, top_share: float = 0.1) -> float:
    """Positive rate among the ``top_share`` highest scores divided by the overall positive rate."""
    labels, scores = _check(labels, scores)
    if not 0.0 < top_share <= 1.0:
        raise DataError("top_share must be in (0, 1]")
    count = max(1, round(len(scores) * top_share))
    top = np.argsort(-scores, kind="stable")[:count]
    return float(labels[top].mean() / labels.mean())


@dataclass(frozen=True)
class Confusion:
    true_positive: int
    false_positive: int
    true_negative: int
    false_negative: int

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        positives = self.true_positive + self.false_negative
        return self.true_positive / positives if positives else 0.0


def confusion(labels: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> Confusion:
    """Counts when every score at or above ``threshold`` is flagged as a default."""
    labels, scores = _check(labels, scores)
    flagged = scores >= threshold
    return Confusion(
        true_positive=int(np.sum(flagged & (labels == 1))),
        false_positive=int(np.sum(flagged & (labels == 0))),
        true_negative=int(np.sum(~flagged & (labels == 0))),
        false_negative=int(np.sum(~flagged & (labels == 1))),
    )


def population_stability(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of ``actual`` scores against ``expected`` (train) scores.

    Bins are the deciles of ``expected``; PSI = Σ (a − e) · ln(a / e) over bins, with a small floor on
    empty bins. Below 0.1 is usually read as stable, above 0.25 as a shift.
    """
    expected = np.asarray(expected, dtype=np.float64).ravel()
    actual = np.asarray(actual, dtype=np.float64).ravel()
    if len(expected) == 0 or len(actual) == 0:
        raise DataError("population stability needs two non-empty score sets")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    expected_share = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1)
    actual_share = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1)
    e = np.maximum(expected_share / len(expected), 1e-6)
    a = np.maximum(actual_share / len(actual), 1e-6)
    return float(np.sum((a - e) * np.log(a / e)))


def evaluate(
    labels: np.ndarray, scores: np.ndarray, threshold: float = 0.5, train_scores: np.ndarray | None = None
) -> dict[str, Any]:
    """All figures of a binary risk model, as a JSON-ready dict."""
    table = confusion(labels, scores, threshold)
    result: dict[str, Any] = {
        "auc": auc(labels, scores),
        "ks": ks(labels, scores),
        "lift_top10": lift(labels, scores, 0.1),
        "threshold": threshold,
        "confusion": {
            "true_positive": table.true_positive,
            "false_positive": table.false_positive,
            "true_negative": table.true_negative,
            "false_negative": table.false_negative,
            "precision": table.precision,
            "recall": table.recall,
        },
        "rows": len(scores),
    }
    if train_scores is not None:
        result["population_stability"] = population_stability(train_scores, scores)
    return result
