"""scikit-learn-style estimators over pandas frames (in-memory simulation of every party).

SecureBoost uses 1024-bit Paillier keys here ONLY to keep the suite fast; the default is 2048.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from pledgenet.errors import DataError
from pledgenet.fl import metrics
from pledgenet.fl.data import split_ids
from pledgenet.fl.estimators import HeteroLogisticRegression, HeteroSecureBoost, Simulation

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    guest = pd.read_csv(DATA / "breast_hetero_guest.csv")
    host = pd.read_csv(DATA / "breast_hetero_host.csv")
    is_test = split_ids(guest["id"].to_numpy(), guest["y"].to_numpy())
    test_ids = set(guest.loc[is_test, "id"])
    shuffled = host.sample(frac=1.0, random_state=3)  # the host's rows in another order: PSI aligns them
    return {
        "guest_train": guest[~is_test],
        "guest_test": guest[is_test],
        "host_train": shuffled[~shuffled["id"].isin(test_ids)],
        "host_test": shuffled[shuffled["id"].isin(test_ids)],
    }


def _xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return frame.drop(columns=["y"]), frame["y"]


def test_hetero_lr_estimator_fits_and_scores_frames_in_their_own_order(frames) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    x_train, y_train = _xy(frames["guest_train"])
    x_test, y_test = _xy(frames["guest_test"])
    joined = frames["guest_train"].merge(frames["host_train"], on="id", suffixes=("", "_h"))
    joined_test = frames["guest_test"].merge(frames["host_test"], on="id", suffixes=("", "_h"))
    columns = [c for c in joined.columns if c not in ("id", "y")]
    baseline = LogisticRegression(max_iter=1000).fit(joined[columns], joined["y"])
    baseline_auc = metrics.auc(joined_test["y"], baseline.predict_proba(joined_test[columns])[:, 1])
    # the guest's label-DP noise fixed, so the AUC below is one reproducible figure, not a random draw
    sim = Simulation(HeteroLogisticRegression, hosts=["bank"], epochs=10, batch_size=64, noise_seed=0)
    # Execute
    sim.fit(x_train, y_train, {"bank": frames["host_train"]})
    proba = sim.predict_proba(x_test, {"bank": frames["host_test"]})
    # Assert
    assert proba.shape == (len(x_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert abs(metrics.auc(y_test, proba[:, 1]) - baseline_auc) <= 0.005
    guest, bank = sim.parties["guest"], sim.parties["bank"]
    assert guest.get_params()["batch_size"] == 64 and guest.get_params()["hosts"] == ("bank",)
    assert list(bank.feature_names_in_) == [c for c in frames["host_train"].columns if c != "id"]
    assert guest.coef_.shape == (1, x_train.shape[1] - 1) and guest.intercept_.shape == (1,)
    assert guest.set_params(epochs=3).epochs == 3


def test_hetero_secureboost_estimator(frames) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    x_train, y_train = _xy(frames["guest_train"])
    x_test, y_test = _xy(frames["guest_test"])
    sim = Simulation(
        HeteroSecureBoost,
        hosts=["bank"],
        n_trees=1,
        max_depth=3,
        max_bins=16,
        key_bits=1024,
        allow_small_key=True,
    )
    # Execute
    sim.fit(x_train, y_train, {"bank": frames["host_train"]})
    proba = sim.predict_proba(x_test, {"bank": frames["host_test"]})
    # Assert: a useful model, scored in the guest frame's row order
    assert proba.shape == (len(x_test), 2)
    assert metrics.auc(y_test, proba[:, 1]) > 0.9
    reversed_proba = sim.predict_proba(x_test.iloc[::-1], {"bank": frames["host_test"]})
    np.testing.assert_allclose(reversed_proba, proba[::-1])


def test_bad_frames_are_refused_before_any_party_starts(frames) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    x_train, _ = _xy(frames["guest_train"])
    sim = Simulation(HeteroLogisticRegression, hosts=["bank"])
    text_feature = frames["host_train"].assign(x0="high")
    # Execute / Assert
    with pytest.raises(DataError, match="label column 'y' is missing"):
        sim.fit(x_train, None, {"bank": frames["host_train"]})
    with pytest.raises(DataError, match="not numeric"):
        sim.fit(x_train, frames["guest_train"]["y"], {"bank": text_feature})
    with pytest.raises(DataError, match="y has"):
        sim.fit(x_train, [0, 1], {"bank": frames["host_train"]})
