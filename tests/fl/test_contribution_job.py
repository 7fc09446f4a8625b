"""The ``contribution`` job component: measured as a step of a simulated vertical job, its
``contribution.json`` recorded on chain as written and a pool split by it, all through the command line;
refused in a networked job and for bad parameters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pledgenet.contracts.catalog import init_alliance
from pledgenet.errors import ConfigError
from pledgenet.fl.job import load_job
from pledgenet.fl.net.job import run_networked
from pledgenet.ledger.alliance import MemberSpec

DATA = Path(__file__).resolve().parents[2] / "data"
MEMBERS = [
    MemberSpec("bank-guest", ["bank", "governing"]),
    MemberSpec("broker-host", ["broker", "governing"]),
]


def write_job(tmp_path: Path, contribution: dict[str, object], **extra: object) -> Path:
    job = {
        "name": "breast-ctb",
        "test_share": 0.3,
        "output": str(tmp_path / "out"),
        "parties": {
            "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y",
                      "org": "bank-guest", **extra},
            "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv"), "org": "broker-host"},
            "coordinator": {"role": "coordinator"},
        },
        "components": {"hetero_lr": {"epochs": 2, "batch_size": 64}, "contribution": contribution},
    }  # fmt: skip
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(job))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from pledgenet.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_a_simulated_job_measures_contribution_and_its_file_is_recorded_and_split(tmp_path: Path) -> None:
    # Prepare: a breast job with the model then the contribution step; an alliance of its two data parties
    job_file = write_job(tmp_path, {"method": "exact", "metric": "auc"})
    directory = tmp_path / "alliance"
    init_alliance(directory, MEMBERS).close()

    # Execute: the job, then the component's own file recorded as written, then a pool split by it
    ran = run_cli("fl", "run", str(job_file), "--simulate")
    report_file = tmp_path / "out" / "contribution.json"
    recorded = run_cli("contribution", "record", "breast-ctb", "--dir", str(directory), "--as", "bank-guest",
                       "--report", str(report_file))  # fmt: skip
    split = run_cli("benefit", "split", "breast-ctb", "--pool", "100000", "--dir", str(directory),
                    "--as", "bank-guest", "--json")  # fmt: skip
    shown = run_cli("contribution", "show", "breast-ctb", "--dir", str(directory), "--org", "broker-host",
                    "--json")  # fmt: skip

    # Assert: the report names the job's data parties, its values add up to the whole gain of its table
    assert ran.returncode == 0, ran.stderr
    report = json.loads(report_file.read_text())
    assert report["players"] == ["bank-guest", "broker-host"]
    assert report["estimator"] == "exact" and report["metric"] == "auc" and len(report["table"]) == 4
    gain = report["table"][3] - report["table"][0]
    assert sum(report["values_ppm"].values()) == pytest.approx(gain)
    assert all(value > 0 for value in report["values_ppm"].values())
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["contribution"]["values_ppm"] == report["values_ppm"]
    assert metrics["contribution"]["utilities_ppm"] == report["table"]
    assert "contribution (exact Shapley of auc" in (tmp_path / "out" / "report.html").read_text()
    # ... and the chain took the file as written: the same values, recomputed by another member
    assert recorded.returncode == 0, recorded.stderr
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["check"]["ok"]
    assert record["values_ppm"] == {p: int(v // 1) for p, v in report["values_ppm"].items()}
    assert split.returncode == 0, split.stderr
    assert sum(json.loads(split.stdout)["result"]["payouts"].values()) == 100_000


def test_monte_carlo_reports_standard_errors(tmp_path: Path) -> None:
    from pledgenet.fl.job import simulate

    job = load_job(write_job(tmp_path, {"method": "monte_carlo", "metric": "logloss", "permutations": 4}))
    results = simulate(job)
    report = json.loads((tmp_path / "out" / "contribution.json").read_text())
    assert report["method"] == "permutation" and report["estimator"] == "tmc"
    assert report["metric"] == "logloss_gain" and len(report["table"]) == 4
    assert set(report["std_errors_ppm"]) == {"bank-guest", "broker-host"}
    assert results["contribution"]["walks"] == 4


def test_a_networked_job_with_the_component_is_refused_before_connecting(tmp_path: Path) -> None:
    job = load_job(write_job(tmp_path, {"method": "reference"}, address="127.0.0.1:1"))
    with pytest.raises(ConfigError, match="simulated job"):
        run_networked(job, "guest")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"method": "shap"}, "method"), ({"metric": "f1"}, "metric"), ({"permutations": 1}, "permutations")],
)
def test_bad_contribution_parameters_are_refused_when_the_job_loads(
    tmp_path: Path, params: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError, match=f"components.contribution.*{field}"):
        load_job(write_job(tmp_path, params))
