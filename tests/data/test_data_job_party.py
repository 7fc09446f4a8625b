"""``pledgenet fl run JOB_FILE --party ORG --job ID --dir D``: one party of a chain job, networked, reads
its job from the chain and refuses before any socket opens when the chain says no; the guest records the
refusal as the job's abort."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from data_world import DATA, World, approved_grant

from pledgenet.cli.app import app
from pledgenet.cli.run import run
from pledgenet.contracts.catalog import open_alliance
from pledgenet.data.client import DataClient
from pledgenet.data.jobs import accept_job, create_job, job_record

PARTIES = {"broker-01": "guest", "bank-01": "host", "registrar": "coordinator"}
COMPONENTS = {"hetero_lr": {"epochs": 2}}


def _job_file(path: Path, components: str = "hetero_lr: {epochs: 2}") -> Path:
    path.write_text(
        f"""name: chain-job
parties:
  broker-01: {{role: guest, data: {DATA / "breast_hetero_guest.csv"}, id: id, label: y,
              address: "127.0.0.1:1", public_key: nowhere.pub}}
  bank-01: {{role: host, data: {DATA / "breast_hetero_host.csv"}, id: id,
            address: "127.0.0.1:2", public_key: nowhere.pub}}
  registrar: {{role: coordinator, address: "127.0.0.1:3", public_key: nowhere.pub}}
components:
  {components}
"""
    )
    return path


def _run(
    world: World, job_file: Path, party: str, job_id: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """``pledgenet fl run JOB_FILE --party ORG --job ID --dir D`` in this process: (exit code, output)."""
    directory = str(world.alliance.directory)
    world.alliance.close()
    words = ["fl", "run", str(job_file), "--party", party, "--job", job_id, "--dir", directory]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["pledgenet", *words])
        try:
            run(app)
            code = 0
        except SystemExit as done:
            code = int(done.code or 0) if not isinstance(done.code, str) else 1
    out, err = capsys.readouterr()
    return code, out + err


def test_a_party_refuses_a_job_the_chain_has_not_accepted(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare: a job created by the broker, not yet accepted by the bank
    grant = approved_grant(world, operations=["vertical_training"])
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    job_id = create_job(world["broker-01"], kind="vertical_training", purpose="credit_modelling",
                        participants=PARTIES, datasets=datasets, components=COMPONENTS)  # fmt: skip

    # Execute
    code, output = _run(world, _job_file(tmp_path / "job.yaml"), "bank-01", job_id, capsys)

    # Assert
    assert code != 0
    assert "not accepted" in output


def test_the_guest_refuses_after_a_revocation_and_records_the_abort(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare: an accepted job whose grant the bank then revokes
    grant = approved_grant(world, operations=["vertical_training"])
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    job_id = create_job(world["broker-01"], kind="vertical_training", purpose="credit_modelling",
                        participants=PARTIES, datasets=datasets, components=COMPONENTS)  # fmt: skip
    for org in ("bank-01", "registrar"):
        accept_job(world[org], job_id)
    world["bank-01"].revoke(grant)
    directory = world.alliance.directory

    # Execute
    code, output = _run(world, _job_file(tmp_path / "job.yaml"), "broker-01", job_id, capsys)

    # Assert
    assert code != 0 and "revoked" in output
    with open_alliance(directory) as reopened:
        job = job_record(DataClient(reopened, "regulator"), job_id)
    assert job["status"] == "aborted" and job["outcome"]["reason"].startswith("grant_revoked")


def test_a_job_file_with_other_components_than_the_chains_is_refused(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare
    grant = approved_grant(world, operations=["vertical_training"])
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    job_id = create_job(world["broker-01"], kind="vertical_training", purpose="credit_modelling",
                        participants=PARTIES, datasets=datasets, components=COMPONENTS)  # fmt: skip
    for org in ("bank-01", "registrar"):
        accept_job(world[org], job_id)

    # Execute
    code, output = _run(
        world, _job_file(tmp_path / "job.yaml", "hetero_lr: {epochs: 9}"), "bank-01", job_id, capsys
    )

    # Assert
    assert code != 0 and "components" in output
