"""Scorecard from a logistic-regression model: base points, points to double the odds, per-bin points.

The usual credit scorecard scaling: ``score = offset − factor · ln(odds of default)`` with
``factor = points_to_double_odds / ln 2`` and ``offset = base_score + factor · ln(base_odds)`` (so a
sample at ``base_odds`` (good:bad as odds of default) scores ``base_score``, and every
``points_to_double_odds`` fewer points double the odds of default). With ``ln(odds) = b + Σ β_j x_j`` the
score splits into base points ``offset − factor · b`` plus, per feature and bin, ``−factor · β_j · x̄``
where ``x̄`` is the mean feature value of the training samples in that bin.

This module is the centralized scorecard (one party holding every feature: the baseline, and each party's
own part). In a vertical job :mod:`pledgenet.fl.scorecard.federated` has each party build the rows of its own
features with these functions (its weights, bins and values never leave it); the guest adds the base
points. Scoring a sample = base points + the points of the bin it falls in for each feature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pledgenet.errors import DataError
from pledgenet.fl.binning import BinSpec, quantile_bins


@dataclass(frozen=True)
class ScoreScale:
    base_score: float = 600.0
    base_odds: float = 1 / 50  # odds of default at the base score (1 bad : 50 good)
    points_to_double_odds: float = 20.0

    def __post_init__(self) -> None:
        if self.points_to_double_odds <= 0 or self.base_odds <= 0:
            raise DataError("points_to_double_odds and base_odds must be positive")

    @property
    def factor(self) -> float:
        return self.points_to_double_odds / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score + self.factor * math.log(self.base_odds)


@dataclass(frozen=True)
class Scorecard:
    base_points: float
    table: pd.DataFrame  # feature, bin, lower, upper, points
    specs: dict[str, BinSpec]

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Scores of the rows of ``frame`` (columns named as the features of the table)."""
        total = np.full(len(frame), self.base_points)
        for feature, spec in self.specs.items():
            if feature not in frame.columns:
                raise DataError(f"feature {feature!r} missing for scoring")
            points = self.table.loc[self.table["feature"] == feature, "points"].to_numpy()
            total += points[spec.assign(frame[feature].to_numpy(dtype=np.float64))]
        return total


def feature_points(
    name: str,
    values: np.ndarray,
    weight: float,
    scale: ScoreScale,
    max_bins: int = 10,
    spec: BinSpec | None = None,
) -> tuple[BinSpec, pd.DataFrame]:
    """One party's per-bin points for one of its features (quantile bins unless ``spec`` is given, e.g.
    the optimal bins of :mod:`pledgenet.fl.scorecard.woe_binning`)."""
    spec = spec or quantile_bins(values, max_bins)
    index = spec.assign(values)
    counts = np.bincount(index, minlength=spec.bins)
    sums = np.bincount(index, weights=values, minlength=spec.bins)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    lower = np.concatenate([[-np.inf], spec.edges])
    upper = np.concatenate([spec.edges, [np.inf]])
    table = pd.DataFrame(
        {
            "feature": name,
            "bin": np.arange(spec.bins),
            "lower": lower,
            "upper": upper,
            "points": np.round(-scale.factor * weight * means, 2),
        }
    )
    return spec, table


def build_scorecard(
    features: pd.DataFrame,
    weights: dict[str, float],
    intercept: float,
    scale: ScoreScale | None = None,
    max_bins: int = 10,
    bins: dict[str, BinSpec] | None = None,
) -> Scorecard:
    """Scorecard from an LR model (``weights`` by feature, ``intercept``) over training ``features``
    (quantile bins, or the given ``bins`` per feature)."""
    scale = scale or ScoreScale()
    specs: dict[str, BinSpec] = {}
    tables = []
    for name, weight in weights.items():
        if name not in features.columns:
            raise DataError(f"feature {name!r} of the model is not in the data")
        values = features[name].to_numpy(np.float64)
        spec, table = feature_points(name, values, weight, scale, max_bins, (bins or {}).get(name))
        specs[name] = spec
        tables.append(table)
    base_points = round(scale.offset - scale.factor * intercept, 2)
    return Scorecard(base_points, pd.concat(tables, ignore_index=True), specs)
