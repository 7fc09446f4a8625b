"""Per-party transforms with a scikit-learn shape: :class:`Scaler` (standard, min-max) and
:class:`Imputer` (mean, median, constant).

Each is fitted on the party's own training rows only (``fit``), applied to any later rows of the same
columns (``transform``), and saved with the model (``to_dict``; ``from_dict`` restores it for prediction).
They accept a :class:`~pledgenet.fl.data.PartyData` or a plain 2-D array; a column the transform was not
fitted on is refused (``DataError``) rather than silently passed through.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import numpy as np

from pledgenet.errors import DataError
from pledgenet.fl.data import PartyData

SCALE_METHODS = ("standard", "minmax")
IMPUTE_STRATEGIES = ("mean", "median", "constant")
Data = TypeVar("Data", PartyData, np.ndarray)


def _matrix(data: PartyData | np.ndarray) -> tuple[np.ndarray, tuple[str, ...] | None]:
    if isinstance(data, PartyData):
        return data.features, data.feature_names
    matrix = np.asarray(data, dtype=np.float64)
    if matrix.ndim != 2:
        raise DataError(f"expected a 2-D matrix of features, got shape {matrix.shape}")
    return matrix, None


def _rewrap(data: Data, matrix: np.ndarray) -> Data:
    if isinstance(data, PartyData):
        return dataclasses.replace(data, features=matrix)
    return matrix


class _Transform:
    kind = ""
    columns_: tuple[str, ...] | None
    n_features_in_: int

    def _check_fitted(self, matrix: np.ndarray, names: tuple[str, ...] | None) -> None:
        if not hasattr(self, "n_features_in_"):
            raise DataError(f"the {self.kind} transform is not fitted: call fit on the training rows first")
        if matrix.shape[1] != self.n_features_in_:
            raise DataError(f"{self.kind}: fitted on {self.n_features_in_} columns, given {matrix.shape[1]}")
        if names is not None and self.columns_ is not None and tuple(names) != tuple(self.columns_):
            raise DataError(f"{self.kind}: fitted on columns {list(self.columns_)}, given {list(names)}")

    def fit_transform(self, data: Data) -> Data:
        return self.fit(data).transform(data)

    def fit(self, data: PartyData | np.ndarray) -> Any:  # pragma: no cover - each transform defines it
        raise NotImplementedError

    def transform(self, data: Data) -> Data:  # pragma: no cover
        raise NotImplementedError


class Scaler(_Transform):
    """Standard (zero mean, unit variance) or min-max ([0, 1]) scaling of each column.

    A constant column maps to 0 (its scale is taken as 1). Missing values stay missing.
    """

    kind = "scale"

    def __init__(self, method: str = "standard") -> None:
        if method not in SCALE_METHODS:
            raise DataError(f"scale method must be one of {SCALE_METHODS}, not {method!r}")
        self.method = method

    def fit(self, data: PartyData | np.ndarray) -> Scaler:
        matrix, names = _matrix(data)
        if matrix.shape[0] == 0:
            raise DataError("scale: no rows to fit on")
        if self.method == "standard":
            offset, spread = np.nanmean(matrix, axis=0), np.nanstd(matrix, axis=0)
        else:
            offset = np.nanmin(matrix, axis=0)
            spread = np.nanmax(matrix, axis=0) - offset
        spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        self.offset_, self.scale_ = np.nan_to_num(offset), spread
        self.columns_, self.n_features_in_ = names, matrix.shape[1]
        return self

    def transform(self, data: Data) -> Data:
        matrix, names = _matrix(data)
        self._check_fitted(matrix, names)
        return _rewrap(data, (matrix - self.offset_) / self.scale_)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "method": self.method, "columns": _names(self.columns_),
                "offset": self.offset_.tolist(), "scale": self.scale_.tolist()}  # fmt: skip

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Scaler:
        scaler = cls(saved["method"])
        scaler.offset_ = np.asarray(saved["offset"], dtype=np.float64)
        scaler.scale_ = np.asarray(saved["scale"], dtype=np.float64)
        scaler.columns_ = tuple(saved["columns"]) if saved.get("columns") is not None else None
        scaler.n_features_in_ = len(scaler.offset_)
        return scaler


class Imputer(_Transform):
    """Fill missing values of each column with its training mean, median, or a constant."""

    kind = "impute"

    def __init__(self, strategy: str = "median", fill_value: float = 0.0) -> None:
        if strategy not in IMPUTE_STRATEGIES:
            raise DataError(f"impute strategy must be one of {IMPUTE_STRATEGIES}, not {strategy!r}")
        if not np.isfinite(fill_value):
            raise DataError("impute fill_value must be a finite number")
        self.strategy, self.fill_value = strategy, fill_value

    def fit(self, data: PartyData | np.ndarray) -> Imputer:
        matrix, names = _matrix(data)
        if matrix.shape[0] == 0:
            raise DataError("impute: no rows to fit on")
        empty = np.isnan(matrix).all(axis=0)
        if self.strategy == "constant":
            fill = np.full(matrix.shape[1], float(self.fill_value))
        else:
            if empty.any() and names is not None:
                column = names[int(np.flatnonzero(empty)[0])]
                raise DataError(f"impute: column {column} has no value in the training rows: drop it")
            if empty.any():
                raise DataError(f"impute: column #{int(np.flatnonzero(empty)[0])} has no value: drop it")
            reduce = np.nanmean if self.strategy == "mean" else np.nanmedian
            fill = reduce(matrix, axis=0)
        self.fill_, self.columns_, self.n_features_in_ = fill, names, matrix.shape[1]
        self.missing_rate_ = np.isnan(matrix).mean(axis=0)
        return self

    def transform(self, data: Data) -> Data:
        matrix, names = _matrix(data)
        self._check_fitted(matrix, names)
        return _rewrap(data, np.where(np.isnan(matrix), self.fill_[None, :], matrix))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "strategy": self.strategy, "columns": _names(self.columns_),
                "fill": self.fill_.tolist()}  # fmt: skip

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Imputer:
        imputer = cls(saved["strategy"])
        imputer.fill_ = np.asarray(saved["fill"], dtype=np.float64)
        imputer.columns_ = tuple(saved["columns"]) if saved.get("columns") is not None else None
        imputer.n_features_in_ = len(imputer.fill_)
        return imputer


def _names(columns: tuple[str, ...] | None) -> list[str] | None:
    return None if columns is None else list(columns)
