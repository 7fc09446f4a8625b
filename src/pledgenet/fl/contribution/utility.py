"""Utilities: a model's quality on a held-out split, as an integer in parts per million.

The chain stores utilities as integers (no floats in state), so every measurement is rounded to ppm here,
once, and the Shapley values off chain are computed from exactly the integers the chain receives.

- ``auc``: area under the ROC curve (a constant score has 0.5, i.e. 500000);
- ``ks``: the Kolmogorov-Smirnov statistic (a constant score has 0);
- ``logloss_gain``: how much the model lowers the log-loss of the base rate, relative to it (the base
  rate's own prediction has 0; a model worse than the base rate is negative).
"""

from __future__ import annotations

import numpy as np

from pledgenet.errors import ContributionError
from pledgenet.fl import metrics

METRICS = ("auc", "ks", "logloss_gain")
PPM = 1_000_000
_EPS = 1e-12


def _logloss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    clipped = np.clip(probabilities, _EPS, 1 - _EPS)
    return float(-np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped)))


def quality(metric: str, labels: np.ndarray, probabilities: np.ndarray) -> float:
    """``metric`` of predicted probabilities against ``labels`` (a float, before rounding to ppm)."""
    if metric == "auc":
        return metrics.auc(labels, probabilities)
    if metric == "ks":
        return metrics.ks(labels, probabilities)
    if metric == "logloss_gain":
        labels = np.asarray(labels, dtype=np.float64)
        base = _logloss(labels, np.full(len(labels), labels.mean()))
        return (base - _logloss(labels, np.asarray(probabilities, dtype=np.float64))) / base
    raise ContributionError(
        f"unknown metric {metric!r}; known: {', '.join(METRICS)}", code="bad_contribution"
    )


def utility_ppm(metric: str, labels: np.ndarray, probabilities: np.ndarray) -> int:
    """``metric`` in parts per million, rounded to the nearest integer (the chain's unit)."""
    return round(quality(metric, labels, probabilities) * PPM)


def empty_utility_ppm(metric: str, labels: np.ndarray) -> int:
    """The utility of the empty coalition: a model that knows only the base rate."""
    labels = np.asarray(labels, dtype=np.float64)
    return utility_ppm(metric, labels, np.full(len(labels), labels.mean()))
