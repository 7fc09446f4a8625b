"""Loading and validating one party's data before any cryptography starts.

Each party of a vertical job holds a frame keyed by a sample-ID column (the pledgor's normalised ID);
the guest also holds the label column. :func:`validate_party_frame` checks everything a party can check
alone (ID column present, unique and non-empty; label present and binary; features numeric, finite and
not constant-empty) and raises :class:`~pledgenet.errors.DataError` with a message naming the column, so
a bad file is refused before a key is generated or a message sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pledgenet.errors import DataError


@dataclass(frozen=True)
class PartyData:
    """One party's validated samples: IDs (as strings), feature matrix, optional labels."""

    ids: np.ndarray  # str objects, unique
    features: np.ndarray  # float64, shape (rows, len(feature_names))
    feature_names: tuple[str, ...]
    labels: np.ndarray | None = None  # int8 0/1 for the guest

    @property
    def rows(self) -> int:
        return len(self.ids)

    def take(self, positions: np.ndarray) -> PartyData:
        """The rows at ``positions``, in that order."""
        labels = None if self.labels is None else self.labels[positions]
        return PartyData(self.ids[positions], self.features[positions], self.feature_names, labels)

    def align_to(self, ids: list[str] | np.ndarray) -> PartyData:
        """The rows of the given IDs in the given order (all must be present)."""
        index = pd.Index(self.ids)
        positions = index.get_indexer(list(ids))
        if (positions < 0).any():
            raise DataError("some aligned IDs are not in this party's data")
        return self.take(positions)


def validate_party_frame(
    frame: pd.DataFrame,
    *,
    id_column: str = "id",
    label_column: str | None = None,
    feature_columns: list[str] | None = None,
    party: str = "party",
) -> PartyData:
    """Check ``frame`` and return its :class:`PartyData`; raise ``DataError`` on the first problem."""
    if frame.empty:
        raise DataError(f"{party}: the data set has no rows")
    if id_column not in frame.columns:
        raise DataError(f"{party}: ID column {id_column!r} is missing (columns: {list(frame.columns)[:8]})")
    ids = frame[id_column]
    if ids.isna().any():
        raise DataError(f"{party}: ID column {id_column!r} has empty values")
    ids_text = ids.astype(str).str.strip()
    if ids_text.duplicated().any():
        duplicate = ids_text[ids_text.duplicated()].iloc[0]
        raise DataError(f"{party}: ID {duplicate!r} appears more than once in {id_column!r}")
    labels = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise DataError(f"{party}: label column {label_column!r} is missing")
        label_values = frame[label_column]
        if label_values.isna().any():
            raise DataError(f"{party}: label column {label_column!r} has missing values")
        if not set(pd.unique(label_values)).issubset({0, 1}):
            raise DataError(f"{party}: label column {label_column!r} must hold only 0 and 1")
        labels = label_values.to_numpy().astype(np.int8)
        if labels.min() == labels.max():
            raise DataError(f"{party}: label column {label_column!r} has a single class")
    reserved = {id_column} | ({label_column} if label_column else set())
    if feature_columns is None:
        feature_columns = [c for c in frame.columns if c not in reserved]
    missing = [c for c in feature_columns if c not in frame.columns]
    if missing:
        raise DataError(f"{party}: feature columns {missing} are missing")
    if not feature_columns:
        raise DataError(f"{party}: no feature columns")
    for column in feature_columns:
        if column in reserved:
            raise DataError(f"{party}: column {column!r} cannot be both a feature and the ID or label")
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            raise DataError(f"{party}: feature {column!r} is not numeric (encode it before the job)")
    matrix = frame[feature_columns].to_numpy(dtype=np.float64)
    if not np.isfinite(matrix).all():
        column = feature_columns[int(np.where(~np.isfinite(matrix).all(axis=0))[0][0])]
        raise DataError(f"{party}: feature {column!r} has missing or infinite values")
    return PartyData(ids_text.to_numpy(dtype=object), matrix, tuple(feature_columns), labels)


def load_party_csv(
    path: str | Path,
    *,
    id_column: str = "id",
    label_column: str | None = None,
    feature_columns: list[str] | None = None,
    party: str = "party",
) -> PartyData:
    """Read a CSV file and validate it (see :func:`validate_party_frame`)."""
    if Path(path).is_dir():
        raise DataError(f"{party}: data path {path} is a directory, not a CSV file")
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{party}: data file {path} does not exist") from None
    except OSError as exc:
        raise DataError(f"{party}: cannot read {path}: {exc}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{party}: cannot read {path}: {exc}") from None
    return validate_party_frame(
        frame, id_column=id_column, label_column=label_column, feature_columns=feature_columns, party=party
    )


def check_split_sizes(labels: np.ndarray, is_test: np.ndarray, min_rows: int, min_class_rows: int) -> None:
    """Refuse a split too small to train on or to measure: fewer than ``min_rows`` aligned rows, or fewer
    than ``min_class_rows`` rows of either class in the train or the test split (``DataError``)."""
    if len(labels) < min_rows:
        raise DataError(
            f"only {len(labels)} aligned rows: a job needs at least {min_rows} (min_aligned_rows) to train "
            "and evaluate a model"
        )
    for split, chosen in (("train", ~is_test), ("test", is_test)):
        for label in (0, 1):
            count = int(np.count_nonzero(labels[chosen] == label))
            if count < min_class_rows:
                raise DataError(
                    f"the {split} split holds {count} rows of class {label}: a job needs at least "
                    f"{min_class_rows} of each class in each split (min_class_rows)"
                )


def split_ids(ids: np.ndarray, labels: np.ndarray, test_share: float = 0.3, seed: int = 0) -> np.ndarray:
    """A stratified train/test split decided by the guest: a boolean ``is_test`` mask over ``ids``.

    The guest sends the test IDs' positions to the hosts after alignment, so every party uses the same
    split ("70/30 split by id").
    """
    if not 0.0 < test_share < 1.0:
        raise DataError("test_share must be between 0 and 1")
    rng = np.random.default_rng(seed)
    is_test = np.zeros(len(ids), dtype=bool)
    for label in (0, 1):
        members = np.flatnonzero(labels == label)
        chosen = rng.choice(members, size=round(len(members) * test_share), replace=False)
        is_test[chosen] = True
    return is_test
