"""Column selection on one party's own columns: missing rate, stability, IV, importance.

:class:`FeatureSelector` (scikit-learn shape) keeps the columns that pass every rule the caller set:
missing rate on the training rows at most ``max_missing_rate``; population stability index between the
training rows and a later sample at most ``max_psi``; IV (from the federated binning) at least ``min_iv``;
split count in a fitted SecureBoost model at least ``min_splits``. Each party applies it to its own columns
with its own figures: nothing is exchanged. A party left with no column is refused (``DataError``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from pledgenet.errors import DataError
from pledgenet.fl.data import PartyData
from pledgenet.fl.metrics import population_stability


def feature_stability(train: np.ndarray, later: np.ndarray) -> float:
    """PSI of one column between the training rows and a later sample (missing values left out)."""
    train, later = train[~np.isnan(train)], later[~np.isnan(later)]
    if train.size == 0 or later.size == 0:
        return math.inf
    return population_stability(train, later)


class FeatureSelector:
    def __init__(
        self,
        max_missing_rate: float = 1.0,
        max_psi: float = math.inf,
        min_iv: float = 0.0,
        min_splits: int = 0,
    ) -> None:
        if not 0.0 <= max_missing_rate <= 1.0 or max_psi < 0 or min_iv < 0 or min_splits < 0:
            raise DataError("max_missing_rate in [0, 1]; max_psi, min_iv and min_splits >= 0")
        self.max_missing_rate, self.max_psi = max_missing_rate, max_psi
        self.min_iv, self.min_splits = min_iv, min_splits

    def fit(
        self,
        train: PartyData,
        later: PartyData | None = None,
        iv: dict[str, float] | None = None,
        splits: dict[str, int] | None = None,
    ) -> FeatureSelector:
        """Decide on ``train``'s columns; ``later``, ``iv`` and ``splits`` are needed by the rules set."""
        if self.max_psi < math.inf and later is None:
            raise DataError("select by max_psi needs a later sample")
        if self.min_iv > 0 and iv is None:
            raise DataError("select by min_iv needs the binning component before it")
        if self.min_splits > 0 and splits is None:
            raise DataError("select by min_splits needs the secureboost component before it")
        self.report_: dict[str, dict[str, float]] = {}
        kept: list[str] = []
        for index, name in enumerate(train.feature_names):
            column = train.features[:, index]
            row = {"missing_rate": float(np.isnan(column).mean())}
            if later is not None:
                row["psi"] = feature_stability(column, later.features[:, index])
            if iv is not None:
                row["iv"] = float(iv.get(name, 0.0))
            if splits is not None:
                row["splits"] = float(splits.get(name, 0))
            self.report_[name] = row
            if self._passes(row):
                kept.append(name)
        if not kept:
            raise DataError("select: no column passes the rules; loosen them (this party would hold none)")
        self.selected_ = kept
        return self

    def _passes(self, row: dict[str, float]) -> bool:
        return (
            row["missing_rate"] <= self.max_missing_rate
            and row.get("psi", 0.0) <= self.max_psi
            and row.get("iv", math.inf) >= self.min_iv
            and row.get("splits", math.inf) >= self.min_splits
        )

    def transform(self, data: PartyData) -> PartyData:
        if not hasattr(self, "selected_"):
            raise DataError("the selector is not fitted")
        missing = [name for name in self.selected_ if name not in data.feature_names]
        if missing:
            raise DataError(f"select: columns {missing} are not in the data")
        positions = [data.feature_names.index(name) for name in self.selected_]
        return dataclasses.replace(
            data, features=data.features[:, positions], feature_names=tuple(self.selected_)
        )
