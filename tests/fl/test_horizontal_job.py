"""Horizontal jobs from YAML: simulated through the CLI, networked over the authenticated channel."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from pledgenet.crypto.identity import issue_root
from pledgenet.crypto.keystore import Member, new_member
from pledgenet.errors import ConfigError
from pledgenet.fl.horizontal.job import is_horizontal, load_horizontal_job, run_networked
from pledgenet.fl.job import load_job

DATA = Path(__file__).resolve().parents[2] / "data"


def _job(tmp_path: Path, parties: dict[str, Any] | None = None, **components: Any) -> Path:
    spec = {
        "name": "credit-h",
        "output": str(tmp_path / "out"),
        "test_share": 0.2,
        "parties": parties
        or {
            "aggregator": {"role": "aggregator", "evaluation": str(DATA / "default_credit_homo_test.csv")},
            "bank-a": {"role": "lender", "data": str(DATA / "default_credit_homo_guest.csv"), "label": "y"},
            "bank-b": {"role": "lender", "data": str(DATA / "default_credit_homo_host_1.csv"), "label": "y"},
        },
        "components": components
        or {
            "fedavg": {"model": "lr", "rounds": 3, "learning_rate": 0.05, "dp_epsilon": 8.0},
            "gbdt": {"n_trees": 2, "max_depth": 2, "max_bins": 16},
        },
    }
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_simulated_horizontal_job_writes_metrics_and_a_self_contained_report(tmp_path: Path) -> None:
    # Prepare
    path = _job(tmp_path)
    command = [str(Path(sys.executable).parent / "pledgenet"), "fl", "run", str(path), "--simulate"]
    # Execute
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    # Assert: metrics per component, the epsilon spent, each lender's own metrics, a report with plotly inline
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert 0 < metrics["fedavg"]["privacy"]["epsilon_spent"] <= 8.0001
    assert set(metrics["fedavg"]["lenders"]) == {"bank-a", "bank-b"}
    assert metrics["gbdt"]["curve"][-1]["auc"] > 0.7
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Privacy budget" in page and "epsilon_spent" in page and "bank-b" in page
    assert "<script src=" not in page and "Plotly.newPlot" in page  # plotly.js inlined, nothing fetched


def test_bad_horizontal_jobs_are_refused_before_any_data_is_read(tmp_path: Path) -> None:
    one_lender = {
        "aggregator": {"role": "aggregator"},
        "bank-a": {"role": "lender", "data": "nowhere.csv"},
    }
    with pytest.raises(ConfigError, match="at least two lenders"):
        load_horizontal_job(_job(tmp_path, parties=one_lender))
    with pytest.raises(ConfigError, match="components"):
        load_horizontal_job(_job(tmp_path, secureboost={"n_trees": 2}))
    with pytest.raises(ConfigError, match=r"components\.fedavg\.learnin_rate: is not a known field"):
        load_horizontal_job(_job(tmp_path, fedavg={"rounds": 3, "learnin_rate": 0.1}))
    with pytest.raises(ConfigError, match=r"components\.gbdt\.n_trees: must be a whole number"):
        load_horizontal_job(_job(tmp_path, gbdt={"n_trees": "many"}))
    assert is_horizontal(_job(tmp_path)) and not is_horizontal(tmp_path / "missing.yaml")
    vertical = {
        "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
        "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv")},
    }
    with pytest.raises(
        ConfigError, match="horizontal"
    ):  # the registry's horizontal plug-ins refuse a vertical job
        load_job(_job(tmp_path, parties=vertical, fedavg={"rounds": 2}))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_networked_horizontal_job_runs_each_party_over_the_authenticated_channel(tmp_path: Path) -> None:
    # Prepare: three alliance members; each party pinned by its public key, listening on its own port
    root_key, root_pem = issue_root("test-alliance", now_ms=int(time.time() * 1000))
    parties: dict[str, Any] = {}
    for name, extra in (
        ("aggregator", {"role": "aggregator", "evaluation": str(DATA / "default_credit_homo_test.csv")}),
        ("bank-a", {"role": "lender", "data": str(DATA / "default_credit_homo_guest.csv")}),
        ("bank-b", {"role": "lender", "data": str(DATA / "default_credit_homo_host_1.csv")}),
    ):
        member = new_member(
            name, ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=int(time.time() * 1000)
        )
        member.save(tmp_path / name)
        public = Member.load(name, tmp_path / name).signing.public_bytes.hex()
        parties[name] = {
            **extra,
            "address": f"127.0.0.1:{_free_port()}",
            "key": str(tmp_path / name),
            "public_key": public,
        }
    path = _job(tmp_path, parties=parties, fedavg={"model": "lr", "rounds": 2, "learning_rate": 0.05})
    job = load_horizontal_job(path)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def party(name: str) -> None:
        try:
            results[name] = run_networked(job, name)
        except BaseException as exc:
            errors.append(exc)

    # Execute: each party on its own thread, its own TCP links
    threads = [threading.Thread(target=party, args=(name,), daemon=True) for name in parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Assert
    assert not errors, errors
    assert results["aggregator"]["fedavg"]["survivors"] == [2, 2]
    assert results["bank-a"] == {} and (tmp_path / "out" / "bank-a.metrics.json").exists()
