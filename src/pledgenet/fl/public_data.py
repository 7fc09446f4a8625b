"""A three-party vertical data set from a public source no model was tuned on: scikit-learn's diabetes data.

Source: the diabetes data of Efron, Hastie, Johnstone & Tibshirani, "Least Angle Regression", Annals of
Statistics 32(2), 2004, as shipped (raw, unscaled) inside scikit-learn (``load_diabetes(scaled=False)``,
BSD-3-Clause); nothing is downloaded. 442 patients, ten raw baseline measurements; the label is
``y = 1`` when the disease progression one year later exceeds 140 (its median), so the classes are even.

The parties (written by :func:`write_parties`, deterministically from ``seed``), each holding a different
subset of the patients (partial overlap: each party misses its own random 5 % of them), rows shuffled:

* ``clinic`` (guest): ``id, y, age, sex, bmi``;
* ``lab`` (host): ``bp, s1, s2, s3`` (blood pressure and three serum measurements, raw units), with 4 %
  of ``s2`` blanked out at random so that the job must impute it;
* ``pharmacy`` (host): ``s4, s5, s6``.

``python -m pledgenet.fl.public_data DIR`` writes ``diabetes_clinic.csv``, ``diabetes_lab.csv`` and
``diabetes_pharmacy.csv`` for a job file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes

PARTIES = {"clinic": ["age", "sex", "bmi"], "lab": ["bp", "s1", "s2", "s3"], "pharmacy": ["s4", "s5", "s6"]}
LABEL_THRESHOLD = 140.0


def party_frames(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The three parties' frames (``id`` first; the clinic also holds ``y``)."""
    data = load_diabetes(scaled=False, as_frame=True)
    frame = data.frame.copy()
    frame.insert(0, "id", [f"P{index:04d}" for index in range(len(frame))])
    frame["y"] = (frame.pop("target") > LABEL_THRESHOLD).astype(int)
    rng = np.random.default_rng(seed)
    frames: dict[str, pd.DataFrame] = {}
    for party, columns in PARTIES.items():
        keep = rng.random(len(frame)) >= 0.05
        chosen = ["id", *(["y"] if party == "clinic" else []), *columns]
        part = frame.loc[keep, chosen].sample(frac=1.0, random_state=int(rng.integers(1 << 31)))
        if party == "lab":
            blank = rng.random(len(part)) < 0.04
            part.loc[blank, "s2"] = np.nan
        frames[party] = part.reset_index(drop=True)
    return frames


def write_parties(directory: str | Path, seed: int = 7) -> dict[str, Path]:
    """Write the three CSV files into ``directory``; returns each party's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for party, frame in party_frames(seed).items():
        paths[party] = directory / f"diabetes_{party}.csv"
        frame.to_csv(paths[party], index=False)
    return paths


if __name__ == "__main__":  # pragma: no cover - a convenience for job files
    for party, path in write_parties(sys.argv[1] if len(sys.argv) > 1 else ".").items():
        print(party, path)
