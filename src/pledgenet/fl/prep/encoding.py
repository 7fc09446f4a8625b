"""Encoding of categorical columns on one party: one-hot (any party) and WOE (the label holder's columns).

:class:`OneHotEncoder` learns each listed column's categories on the party's training rows and replaces
the column by one 0/1 column per category (``name=value``); a value not seen in training gets all zeros.
:class:`WoeEncoder` replaces each listed column by the weight of evidence of its bin, from the federated
binning (the guest's own columns: the guest computed their WOE from its own labels; a host's WOE would be
label information the host does not hold, so hosts one-hot encode instead). Nothing is exchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pledgenet.errors import DataError
from pledgenet.fl.binning import BinSpec
from pledgenet.fl.data import PartyData

MAX_CATEGORIES = 64


def _positions(data: PartyData, columns: list[str]) -> list[int]:
    missing = [c for c in columns if c not in data.feature_names]
    if missing:
        raise DataError(f"encode: columns {missing} are not this party's features")
    return [data.feature_names.index(c) for c in columns]


class OneHotEncoder:
    def __init__(self, columns: list[str]) -> None:
        self.columns = list(columns)

    def fit(self, data: PartyData) -> OneHotEncoder:
        self.categories_: dict[str, list[float]] = {}
        for name, position in zip(self.columns, _positions(data, self.columns), strict=True):
            values = np.unique(data.features[:, position][~np.isnan(data.features[:, position])])
            if len(values) > MAX_CATEGORIES:
                raise DataError(
                    f"encode: {name} has {len(values)} distinct values; one-hot takes {MAX_CATEGORIES}"
                )
            self.categories_[name] = values.tolist()
        return self

    def transform(self, data: PartyData) -> PartyData:
        if not hasattr(self, "categories_"):
            raise DataError("the one-hot encoder is not fitted")
        keep = [k for k, name in enumerate(data.feature_names) if name not in self.categories_]
        blocks, names = [data.features[:, keep]], [data.feature_names[k] for k in keep]
        for name, position in zip(self.columns, _positions(data, self.columns), strict=True):
            values = data.features[:, position]
            for category in self.categories_[name]:
                blocks.append((values == category).astype(np.float64)[:, None])
                names.append(f"{name}={category:g}")
        return dataclasses.replace(data, features=np.hstack(blocks), feature_names=tuple(names))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "onehot", "columns": self.columns, "categories": self.categories_}


class WoeEncoder:
    def __init__(
        self, columns: list[str], edges: dict[str, list[float]], woe: dict[str, list[float]]
    ) -> None:
        unknown = [c for c in columns if c not in edges or c not in woe]
        if unknown:
            raise DataError(
                f"encode: no WOE from the binning for {unknown} (WOE encodes the guest's columns)"
            )
        self.columns = list(columns)
        self.specs = {c: BinSpec(np.asarray(edges[c], dtype=np.float64)) for c in columns}
        self.woe = {c: np.asarray(woe[c], dtype=np.float64) for c in columns}

    def transform(self, data: PartyData) -> PartyData:
        features = data.features.copy()
        for name, position in zip(self.columns, _positions(data, self.columns), strict=True):
            features[:, position] = self.woe[name][self.specs[name].assign(features[:, position])]
        return dataclasses.replace(data, features=features)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "woe", "columns": self.columns,
                "edges": {c: s.edges.tolist() for c, s in self.specs.items()},
                "woe": {c: w.tolist() for c, w in self.woe.items()}}  # fmt: skip
