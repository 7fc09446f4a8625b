"""Per-party column summaries, kept at their owner.

:func:`column_summary` computes, on the party's own rows, each column's count, missing rate, mean,
standard deviation, quantiles (min, 25 %, median, 75 %, max) and distinct count. The summary stays with
the party (its model file). :func:`shareable_summary` is what the owner chooses to share with the guest:
only the fields it lists, and a host's column names replaced by ``<party>#<slot>`` unless the owner
shares the names too.
"""

from __future__ import annotations

import numpy as np

from pledgenet.errors import DataError
from pledgenet.fl.data import PartyData

FIELDS = ("count", "missing_rate", "mean", "std", "min", "p25", "median", "p75", "max", "distinct")


def column_summary(data: PartyData) -> dict[str, dict[str, float]]:
    """Every column's summary over the party's own rows (missing values are NaN)."""
    summary: dict[str, dict[str, float]] = {}
    for index, name in enumerate(data.feature_names):
        column = data.features[:, index]
        present = column[~np.isnan(column)]
        row: dict[str, float] = {
            "count": float(present.size),
            "missing_rate": float(1.0 - present.size / max(1, column.size)),
            "distinct": float(np.unique(present).size),
        }
        if present.size:
            quantiles = np.quantile(present, [0.0, 0.25, 0.5, 0.75, 1.0])
            row.update(mean=float(present.mean()), std=float(present.std()))
            row.update(dict(zip(("min", "p25", "median", "p75", "max"), quantiles.tolist(), strict=True)))
        summary[name] = row
    return summary


def shareable_summary(
    summary: dict[str, dict[str, float]], party: str, fields: list[str], *, share_names: bool = False
) -> dict[str, dict[str, float]]:
    """The part of ``summary`` its owner shares: the chosen ``fields`` under names or ``party#slot``."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DataError(f"statistics: unknown fields {unknown} (choose from {list(FIELDS)})")
    shared: dict[str, dict[str, float]] = {}
    for slot, (name, row) in enumerate(summary.items()):
        shown = name if share_names else f"{party}#{slot}"
        shared[shown] = {field: row[field] for field in fields if field in row}
    return shared
