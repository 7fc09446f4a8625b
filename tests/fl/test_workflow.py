"""The credit modeller's whole workflow on data nobody tuned to (scikit-learn's raw diabetes data, three
parties, partial overlap, a missing column share): statistics, impute, scale, hetero LR and SecureBoost
in one job, compared with centralized scikit-learn and xgboost on the same split and the same prepared
columns. SecureBoost uses 1024-bit keys here ONLY to keep the suite fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xgboost
import yaml
from sklearn.linear_model import LogisticRegression

from pledgenet.errors import DataError
from pledgenet.fl import metrics
from pledgenet.fl.binning import bin_matrix
from pledgenet.fl.estimators import HeteroSecureBoost, Simulation
from pledgenet.fl.job import load_job, simulate
from pledgenet.fl.net.channel import Transcript
from pledgenet.fl.prep import Imputer, Scaler
from pledgenet.fl.public_data import PARTIES, party_frames, write_parties

# min_host_node_rows 1: the same tree algorithm as xgboost (the default 50 withholds host histograms of
# small nodes, a privacy guard xgboost has no counterpart of; on 270 training rows it changes the trees)
BOOST = {"n_trees": 3, "max_depth": 3, "max_bins": 16, "learning_rate": 0.3, "key_bits": 1024,
         "allow_small_key": True, "min_host_node_rows": 1}  # fmt: skip
# near full batches (converges); the default privacy mode: weights and gradients secret-shared (exact)
LR = {"epochs": 200, "batch_size": 256, "l2": 0.01}


def _job_file(tmp_path: Path, components: dict[str, Any]) -> Path:
    paths = write_parties(tmp_path / "data")
    spec = {
        "name": "diabetes",
        "output": str(tmp_path / "out"),
        "parties": {
            "clinic": {"role": "guest", "data": str(paths["clinic"]), "label": "y"},
            "lab": {"role": "host", "data": str(paths["lab"])},
            "pharmacy": {"role": "host", "data": str(paths["pharmacy"])},
            "dealer": {"role": "coordinator"},
        },
        "components": components,
    }
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path_factory.mktemp("workflow")
    components = {
        "statistics": {"share": "count,missing_rate"},
        "impute": {"strategy": "median"},
        "scale": {"method": "standard"},
        "hetero_lr": LR,
        "secureboost": BOOST,
    }
    job = load_job(_job_file(tmp_path, components))
    transcript = Transcript()
    results = simulate(job, transcript=transcript)
    return {"results": results, "output": job.output, "transcript": transcript}


def _centralized(output: Path) -> dict[str, Any]:
    """Train/test frames of the common patients, each party's columns imputed and scaled on train rows."""
    frames = party_frames()
    joined = frames["clinic"]
    for host in ("lab", "pharmacy"):
        joined = joined.merge(frames[host], on="id")
    test_ids = set(json.loads((output / "clinic.split.json").read_text())["test_ids"])
    is_test = joined["id"].isin(test_ids).to_numpy()
    columns = [c for party in PARTIES.values() for c in party]
    raw = joined[columns].to_numpy(dtype=np.float64)
    imputer = Imputer("median").fit(raw[~is_test])
    scaler = Scaler("standard").fit(imputer.transform(raw[~is_test]))
    prepared = scaler.transform(imputer.transform(raw))
    labels = joined["y"].to_numpy()
    return {"x": prepared, "y": labels, "test": is_test, "columns": columns}


def test_the_whole_workflow_matches_centralized_models_on_public_raw_data(workflow) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the centralized references on the job's own split and prepared columns
    data = _centralized(workflow["output"])
    x, y, test = data["x"], data["y"], data["test"]
    assert (
        workflow["results"]["rows"]["aligned"] == len(y) and workflow["results"]["rows"]["test"] == test.sum()
    )
    # the same objective: mean log-loss + l2/2·|w|² is scikit-learn's with C = 1 / (l2 · rows)
    baseline_lr = LogisticRegression(C=1.0 / (LR["l2"] * (~test).sum()), max_iter=1000).fit(
        x[~test], y[~test]
    )
    lr_auc = metrics.auc(y[test], baseline_lr.predict_proba(x[test])[:, 1])
    # xgboost on the same bins: each party bins its own columns on its training rows
    specs = bin_matrix(x[~test], BOOST["max_bins"])[0]
    binned = np.stack([spec.assign(x[:, j]) for j, spec in enumerate(specs)], axis=1)
    booster = xgboost.XGBClassifier(
        n_estimators=3, max_depth=3, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
        tree_method="hist", max_bin=64, base_score=float(y[~test].mean()), n_jobs=1,
    )  # fmt: skip
    booster.fit(binned[~test], y[~test])
    boost_auc = metrics.auc(y[test], booster.predict_proba(binned[test])[:, 1])
    # Execute (the job ran in the fixture) / Assert
    results = workflow["results"]
    assert abs(results["hetero_lr"]["auc"] - lr_auc) <= 0.005, (results["hetero_lr"]["auc"], lr_auc)
    assert abs(results["secureboost"]["auc"] - boost_auc) <= 0.005, (results["secureboost"]["auc"], boost_auc)


def test_each_party_saves_its_fitted_transforms_and_keeps_its_statistics(workflow) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    output, results = workflow["output"], workflow["results"]
    # Execute
    lab_scale = json.loads((output / "lab.scale.model.json").read_text())
    lab_impute = json.loads((output / "lab.impute.model.json").read_text())
    lab_stats = json.loads((output / "lab.statistics.model.json").read_text())
    # Assert: the lab's transforms are its own columns; its full summary stays in its file
    assert lab_scale["columns"] == PARTIES["lab"] and lab_impute["columns"] == PARTIES["lab"]
    assert 100 < lab_scale["offset"][1] < 300  # s1's training mean, in raw units (mg/dl)
    assert lab_stats["s2"]["missing_rate"] > 0 and "mean" in lab_stats["s2"]
    # the guest's report holds only what the lab shares: counts and missing rates, no names
    shared = results["statistics"]["hosts"]["lab"]
    assert set(shared) == {"lab#0", "lab#1", "lab#2", "lab#3"}
    assert all(set(row) == {"count", "missing_rate"} for row in shared.values())


def test_no_host_value_or_column_name_crosses_the_channel_in_the_preparation_steps(workflow) -> None:  # type: ignore[no-untyped-def]
    # Prepare: every float the lab sent during statistics
    transcript = workflow["transcript"]
    sent = [m for m in transcript.between("lab", "clinic") if m.tag == "stats.summary"]
    # Execute
    text = json.dumps([m.payload for m in sent])
    # Assert: one summary, no column name, no mean or quantile of the lab's values
    assert len(sent) == 1
    assert not any(name in text for name in ("bp", "s1", "s2", "s3"))
    assert '"mean"' not in text and '"median"' not in text


def test_raw_features_with_missing_values_without_impute_are_refused_with_the_fix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Prepare / Execute / Assert
    job = load_job(_job_file(tmp_path, {"scale": {}, "hetero_lr": LR}))
    with pytest.raises(DataError, match=r"s2.*add the impute component"):
        simulate(job)


def test_the_sklearn_style_transforms_round_trip_and_refuse_other_columns() -> None:
    # Prepare
    frame = party_frames()["lab"]
    matrix = frame[PARTIES["lab"]].to_numpy(dtype=np.float64)
    imputer = Imputer("mean").fit(matrix)
    scaler = Scaler("minmax").fit(imputer.transform(matrix))
    # Execute
    restored = Scaler.from_dict(scaler.to_dict()).transform(
        Imputer.from_dict(imputer.to_dict()).transform(matrix)
    )
    # Assert
    assert not np.isnan(restored).any() and restored.min() == 0.0 and restored.max() == 1.0
    np.testing.assert_allclose(restored, scaler.transform(imputer.transform(matrix)))
    with pytest.raises(DataError, match="fitted on 4 columns"):
        scaler.transform(matrix[:, :3])
    assert pd.isna(frame["s2"]).any()


def test_the_guest_sees_its_own_importance_by_name_and_each_host_only_as_a_total(workflow) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    importance = workflow["results"]["secureboost"]["importance"]
    lab_model = json.loads((workflow["output"] / "lab.secureboost.model.json").read_text())
    # Execute
    host_names = {name for party in ("lab", "pharmacy") for name in PARTIES[party]}
    report_text = json.dumps(importance)
    # Assert: own features by name, hosts as totals only; shares add up to one
    assert set(importance["own"]) == set(PARTIES["clinic"])
    assert set(importance["hosts"]) <= {"lab", "pharmacy"}
    assert not any(f'"{name}"' in report_text for name in host_names)
    assert abs(importance["gain_share"]["own"] + importance["gain_share"]["hosts"] - 1.0) < 1e-9
    # the lab counts its own splits per own feature, and they match the guest's total for the lab
    lab_splits = lab_model["importance"]["splits"]
    assert set(lab_splits) == set(PARTIES["lab"])
    assert sum(lab_splits.values()) == importance["hosts"].get("lab", {"splits": 0})["splits"]


def test_select_keeps_columns_by_iv_and_stability_and_the_next_model_sees_only_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Prepare: binning's IV, then selection, then hetero LR on what is left
    components = {
        "impute": {"strategy": "median"},
        "scale": {},
        "binning": {"max_bins": 5, "key_bits": 1024, "allow_small_key": True, "min_iv": 0.0},
        "select": {"min_iv": 0.1, "max_psi": 0.5, "max_missing_rate": 0.5},
        "hetero_lr": {"epochs": 2, "batch_size": 64},
    }
    job = load_job(_job_file(tmp_path, components))
    # Execute
    results = simulate(job)
    # Assert: the guest keeps its own high-IV columns; each model file holds only the kept columns
    selected, report = results["select"]["selected"], results["select"]["report"]
    assert selected and all(report[name]["iv"] >= 0.1 and report[name]["psi"] <= 0.5 for name in selected)
    assert set(selected) < set(PARTIES["clinic"])  # sex carries almost no IV here
    weights = json.loads((job.output / "clinic.hetero_lr.model.json").read_text())["weights"]
    assert list(weights) == selected
    lab_kept = json.loads((job.output / "lab.select.model.json").read_text())["selected"]
    lab_weights = json.loads((job.output / "lab.hetero_lr.model.json").read_text())["weights"]
    assert list(lab_weights) == lab_kept and results["select"]["hosts_kept"]["lab"] == len(lab_kept)


def test_secureboost_class_weights_match_xgboosts_scale_pos_weight() -> None:
    # Prepare: the clinic and the pharmacy (no missing values), the same bins for xgboost
    frames = party_frames()
    joined = frames["clinic"].merge(frames["pharmacy"], on="id")
    columns = PARTIES["clinic"] + PARTIES["pharmacy"]
    guest, host = joined[["id", "y", *PARTIES["clinic"]]], joined[["id", *PARTIES["pharmacy"]]]
    sim = Simulation(HeteroSecureBoost, hosts=["pharmacy"], **BOOST, scale_pos_weight=3.0)
    x = joined[columns].to_numpy(dtype=np.float64)
    specs = [*bin_matrix(x[:, :3], 16)[0], *bin_matrix(x[:, 3:], 16)[0]]
    binned = np.stack([spec.assign(x[:, j]) for j, spec in enumerate(specs)], axis=1)
    labels = joined["y"].to_numpy()
    booster = xgboost.XGBClassifier(
        n_estimators=3, max_depth=3, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
        tree_method="hist", max_bin=64, base_score=float(labels.mean()), n_jobs=1, scale_pos_weight=3.0,
    )  # fmt: skip
    booster.fit(binned, labels)
    # Execute
    sim.fit(guest.drop(columns=["y"]), guest["y"], {"pharmacy": host})
    federated = sim.predict_proba(guest.drop(columns=["y"]), {"pharmacy": host})[:, 1]
    # Assert: the same weighted trees (scores agree to the fixed-point precision), positives weigh more
    np.testing.assert_allclose(federated, booster.predict_proba(binned)[:, 1], atol=2e-3)
    assert federated.mean() > labels.mean() + 0.05


def test_encode_one_hot_and_woe_columns_reach_the_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Prepare: sex one-hot (1/2), bmi replaced by its WOE from the federated binning
    components = {
        "impute": {},
        "binning": {"max_bins": 4, "key_bits": 1024, "allow_small_key": True},
        "encode": {"onehot": "sex", "woe": "bmi"},
        # raw age (to 79) beside the encoded columns: the label-DP mode checks the predictor's range as it
        # trains, the shared mode (the default) refuses unscaled columns up front
        "hetero_lr": {"epochs": 2, "batch_size": 64, "privacy": "label_dp"},
    }
    job = load_job(_job_file(tmp_path, components))
    # Execute
    results = simulate(job)
    # Assert: the guest's model has one weight per sex category; bmi's values are its bins' WOE
    weights = json.loads((job.output / "clinic.hetero_lr.model.json").read_text())["weights"]
    assert set(weights) == {"age", "bmi", "sex=1", "sex=2"}
    assert results["encode"]["columns"] == ["age", "bmi", "sex=1", "sex=2"]
    saved = json.loads((job.output / "clinic.encode.model.json").read_text())
    assert len(saved["woe"]["woe"]["bmi"]) == len(saved["woe"]["edges"]["bmi"]) + 1 <= 4
    assert saved["onehot"]["categories"]["sex"] == [1.0, 2.0]
