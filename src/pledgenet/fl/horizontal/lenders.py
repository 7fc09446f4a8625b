"""Lenders' data for horizontal jobs: a non-IID split of the public default-credit data into 10 lenders,
and each lender's own train/test split.

The split is by customer segment, the way lenders differ in practice: five credit-limit bands (``x13``,
the z-scored LIMIT_BAL) cut at unequal quantiles (35%, 25%, 20%, 13%, 7% of customers: mass-market lenders
are large, premium lenders small) times two age bands (``x17``, AGE, below or above the median). Lender
``k`` holds exactly one segment, so sizes differ about fivefold and default rates differ by segment. It is
deterministic (no randomness in the assignment); ``python -m pledgenet.fl.horizontal.lenders OUT_DIR``
writes the ten CSVs for a job file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pledgenet.errors import DataError
from pledgenet.fl.data import PartyData, validate_party_frame

DATA_DIR = Path(__file__).resolve().parents[4] / "data"
HOMO_PARTS = ("default_credit_homo_guest.csv", "default_credit_homo_host_1.csv")
HOMO_TEST = "default_credit_homo_test.csv"
LIMIT_COLUMN, AGE_COLUMN = "x13", "x17"
LIMIT_QUANTILES = (0.0, 0.35, 0.60, 0.80, 0.93, 1.0)


def pooled_frame(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The two horizontal training parts of the public data, one after the other."""
    try:
        return pd.concat([pd.read_csv(data_dir / name) for name in HOMO_PARTS], ignore_index=True)
    except FileNotFoundError as exc:
        raise DataError(f"the default-credit data is missing: {exc}") from None


def segment_lenders(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Ten lenders, one customer segment each (credit-limit band x age band)."""
    for column in (LIMIT_COLUMN, AGE_COLUMN):
        if column not in frame.columns:
            raise DataError(f"the non-IID split needs column {column!r}")
    edges = np.quantile(frame[LIMIT_COLUMN], LIMIT_QUANTILES)
    band = np.clip(np.searchsorted(edges[1:-1], frame[LIMIT_COLUMN], side="right"), 0, 4)
    older = (frame[AGE_COLUMN] > frame[AGE_COLUMN].median()).to_numpy().astype(int)
    segment = 2 * band + older
    lenders = {}
    for index in range(10):
        part = frame[segment == index].reset_index(drop=True)
        if len(part) < 50 or part["y"].nunique() < 2:
            raise DataError(f"segment {index} of the split is too small or has one class")
        lenders[f"lender-{index + 1:02d}"] = part
    return lenders


@dataclass(frozen=True)
class LenderData:
    """One lender's rows, split into its own training and test parts (stratified, seeded)."""

    name: str
    train: PartyData
    test: PartyData

    @property
    def features(self) -> int:
        return self.train.features.shape[1]


def lender_data(name: str, frame: pd.DataFrame, *, test_share: float = 0.2, seed: int = 0) -> LenderData:
    """Validate ``frame`` (``id``, ``y``, numeric features) and split it into train and test parts."""
    return split_lender(name, validate_party_frame(frame, label_column="y", party=name), test_share, seed)


def split_lender(name: str, data: PartyData, test_share: float = 0.2, seed: int = 0) -> LenderData:
    """A lender's own stratified train/test split (its test rows never leave it; only metrics do)."""
    if not 0.0 < test_share < 0.9:
        raise DataError(f"{name}: test_share must be in (0, 0.9)")
    if data.labels is None:
        raise DataError(f"{name}: a lender's data needs a label column")
    rng = np.random.default_rng([seed, sum(name.encode())])
    is_test = np.zeros(data.rows, dtype=bool)
    for label in (0, 1):
        rows = np.flatnonzero(data.labels == label)
        if len(rows) < 2:
            raise DataError(f"{name}: each class needs at least two rows")
        is_test[rng.choice(rows, size=max(1, round(len(rows) * test_share)), replace=False)] = True
    return LenderData(name, data.take(np.flatnonzero(~is_test)), data.take(np.flatnonzero(is_test)))


def ten_lenders(data_dir: Path = DATA_DIR, *, test_share: float = 0.2) -> list[LenderData]:
    return [
        lender_data(n, f, test_share=test_share) for n, f in segment_lenders(pooled_frame(data_dir)).items()
    ]


def public_test(data_dir: Path = DATA_DIR) -> PartyData:
    """The held-out test set of the public data (the aggregator's evaluation set)."""
    return validate_party_frame(pd.read_csv(data_dir / HOMO_TEST), label_column="y", party="test")


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "fl-data/lenders")
    out.mkdir(parents=True, exist_ok=True)
    for name, part in segment_lenders(pooled_frame()).items():
        part.to_csv(out / f"{name}.csv", index=False)
        print(f"{out / name}.csv: {len(part)} rows, default rate {part['y'].mean():.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
