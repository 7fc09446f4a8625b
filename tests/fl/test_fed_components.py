"""The binning and scorecard components in a simulated YAML job (guest, two hosts, coordinator).

Paillier keys are 1024-bit here ONLY to keep the suite fast; the default is 2048.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pledgenet.errors import ConfigError
from pledgenet.fl.job import load_job, simulate

DATA = Path(__file__).resolve().parents[2] / "data"


def _job(tmp_path: Path, components: dict[str, dict[str, object]]) -> Path:
    host = pd.read_csv(DATA / "breast_hetero_host.csv")
    host[["id", *[f"x{i}" for i in range(10)]]].to_csv(tmp_path / "bank.csv", index=False)
    host[["id", *[f"x{i}" for i in range(10, 20)]]].to_csv(tmp_path / "broker.csv", index=False)
    spec = {
        "name": "breast-scorecard",
        "output": str(tmp_path / "out"),
        "parties": {
            "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
            "bank": {"role": "host", "data": str(tmp_path / "bank.csv")},
            "broker": {"role": "host", "data": str(tmp_path / "broker.csv")},
            "coordinator": {"role": "coordinator"},
        },
        "components": components,
    }
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_job_runs_lr_binning_and_the_scorecard_with_two_hosts(tmp_path: Path) -> None:
    # Prepare
    components = {
        "hetero_lr": {"epochs": 5, "batch_size": 64},
        "binning": {"method": "optimal", "max_bins": 5, "key_bits": 1024, "allow_small_key": True},
        "scorecard": {"base_score": 600, "points_to_double_odds": 20, "max_bins": 6},
    }
    job = load_job(_job(tmp_path, components))
    # Execute
    results = simulate(job)
    # Assert: metrics for every component; each party's tables and cut points in its own model file
    assert results["hetero_lr"]["auc"] > 0.95 and results["scorecard"]["auc"] > 0.95
    assert len(results["binning"]["iv"]) == 30 and results["binning"]["selected"]
    out = tmp_path / "out"
    for party in ("bank", "broker"):
        table = json.loads((out / f"{party}.scorecard.model.json").read_text())["table"]
        assert {row["feature"] for row in table} == set(
            json.loads((out / f"{party}.hetero_lr.model.json").read_text())["weights"]
        )
        assert len(json.loads((out / f"{party}.binning.model.json").read_text())["edges"]) == 10
    assert "base_points" in json.loads((out / "guest.scorecard.model.json").read_text())


def test_a_scorecard_without_an_earlier_lr_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hetero_lr component before it"):
        load_job(_job(tmp_path, {"scorecard": {}, "hetero_lr": {}}))
