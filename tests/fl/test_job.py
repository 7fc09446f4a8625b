from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pledgenet.errors import ConfigError, DataError
from pledgenet.fl.channel import Transcript
from pledgenet.fl.job import load_job, simulate

DATA = Path(__file__).resolve().parents[2] / "data"


def _job(tmp_path: Path, **changes) -> Path:  # type: ignore[no-untyped-def]
    spec = {
        "name": "breast",
        "output": str(tmp_path / "out"),
        "parties": {
            "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
            "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv")},
            "coordinator": {"role": "coordinator"},
        },
        "components": {
            "secureboost": {"n_trees": 2, "max_depth": 2, "key_bits": 1024},  # 1024: tests only (speed)
            "hetero_lr": {"epochs": 5, "batch_size": 64},
        },
    }
    spec.update(changes)
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_simulated_job_writes_models_metrics_and_report(tmp_path: Path) -> None:
    # Prepare
    job = load_job(_job(tmp_path))
    transcript = Transcript()
    # Execute
    results = simulate(job, transcript=transcript)
    # Assert
    out = tmp_path / "out"
    assert results["secureboost"]["auc"] > 0.9 and results["hetero_lr"]["auc"] > 0.95
    assert json.loads((out / "metrics.json").read_text())["rows"]["aligned"] == 569
    for name in ("guest.secureboost", "host.secureboost", "guest.hetero_lr", "host.hetero_lr"):
        assert (out / f"{name}.model.json").exists()
    assert "KS" in (out / "report.html").read_text()
    assert transcript.between("guest", "host")[0].tag == "align.request"


def test_an_empty_intersection_stops_before_training(tmp_path: Path) -> None:
    # Prepare: the host's IDs share nothing with the guest's
    host = tmp_path / "host.csv"
    rows = (DATA / "breast_hetero_host.csv").read_text().splitlines()
    host.write_text("\n".join([rows[0], *("x" + line for line in rows[1:])]))
    parties = {
        "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
        "host": {"role": "host", "data": str(host)},
        "coordinator": {"role": "coordinator"},
    }
    job = load_job(_job(tmp_path, parties=parties, components={"secureboost": {"key_bits": 1024}}))
    transcript = Transcript()
    # Execute / Assert
    with pytest.raises(DataError, match="empty intersection"):
        simulate(job, transcript=transcript)
    assert not any(m.tag.startswith("sbt") for m in transcript.messages)


def test_a_missing_label_is_refused_before_any_message(tmp_path: Path) -> None:
    parties = {
        "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "default_flag"},
        "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv")},
        "coordinator": {"role": "coordinator"},
    }
    job = load_job(_job(tmp_path, parties=parties))
    transcript = Transcript()
    with pytest.raises(DataError, match="label column 'default_flag' is missing"):
        simulate(job, transcript=transcript)
    assert transcript.messages == []


def test_a_job_without_a_guest_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="exactly one guest"):
        load_job(_job(tmp_path, parties={"host": {"role": "host", "data": "x.csv"}}))
