"""PSI and horizontal training run from a job created and accepted on chain, like vertical training: each
party's node checks the chain first, the guest records the outcome (or the failure with its reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_world import DATA, World, approved_grant

from pledgenet.data.jobs import accept_job, create_job, job_record, run_job
from pledgenet.encoding import sha256_hex
from pledgenet.errors import ConfigError, GrantInvalid

PARTIES = {"broker-01": "guest", "bank-01": "host", "registrar": "coordinator"}


def _clients(world: World) -> dict[str, object]:
    return {org: world[org] for org in PARTIES}


def test_a_psi_job_records_the_intersection_size_and_refuses_after_revocation(
    world: World, tmp_path: Path
) -> None:
    # Prepare
    grant = approved_grant(world, operations=["psi"])
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    job_id = create_job(world["broker-01"], kind="psi", purpose="credit_modelling", participants=PARTIES,
                        datasets=datasets, components={"psi": {}})  # fmt: skip
    for org in ("bank-01", "registrar"):
        accept_job(world[org], job_id)

    # Execute
    outcome = run_job(_clients(world), job_id, tmp_path / "psi")  # type: ignore[arg-type]
    world["bank-01"].revoke(grant)
    with pytest.raises(GrantInvalid) as refused:
        create_job(world["broker-01"], kind="psi", purpose="credit_modelling", participants=PARTIES,
                   datasets=datasets, components={"psi": {}})  # fmt: skip

    # Assert: both files hold the same 569 ids; the outcome names the data used and the transcript
    job = job_record(world["regulator"], job_id)
    assert job["status"] == "finished" and job["outcome"] == outcome
    assert outcome["metrics"] == {"psi.intersection": 569}
    assert outcome["models"] == {}
    assert outcome["content_hashes"]["bank-credit"] == world["bank-01"].dataset("bank-credit")["content_hash"]
    assert len(outcome["transcript_hash"]) == 64
    assert refused.value.code == "grant_revoked"


def _lender_file(source: Path, target: Path, rows: int) -> Path:
    lines = source.read_text().splitlines()[: rows + 1]
    target.write_text("\n".join(",".join(line.split(",")[:7]) for line in lines) + "\n")
    return target


def test_a_horizontal_job_trains_over_two_lenders_and_records_the_aggregators_model(
    world: World, tmp_path: Path
) -> None:
    # Prepare: the broker and the bank each register their own labelled loans (level 2)
    homo = DATA.parent / "data"
    files = {
        "broker-01": _lender_file(homo / "default_credit_homo_guest.csv", tmp_path / "broker.csv", 300),
        "bank-01": _lender_file(homo / "default_credit_homo_host_1.csv", tmp_path / "bank.csv", 300),
    }
    for org, path in files.items():
        world[org].register(f"{org}-loans", path, title="loans", description="labelled loans", level=2)
    ids = [column["id"] for column in world["broker-01"].dataset("bank-01-loans")["schema"]]
    grant = world["broker-01"].request("bank-01-loans", columns=ids, purpose="credit_modelling",
                                       operations=["horizontal_training"])  # fmt: skip
    world["bank-01"].approve(grant)
    datasets = [{"dataset": "broker-01-loans"}, {"dataset": "bank-01-loans", "grant": grant}]
    job_id = create_job(world["broker-01"], kind="horizontal_training", purpose="credit_modelling",
                        participants=PARTIES, datasets=datasets,
                        components={"fedavg": {"model": "lr", "rounds": 2}})  # fmt: skip
    for org in ("bank-01", "registrar"):
        accept_job(world[org], job_id)

    # Execute
    outcome = run_job(_clients(world), job_id, tmp_path / "h")  # type: ignore[arg-type]

    # Assert: the aggregator's model file is the one recorded; metrics and the data used are on chain
    model = tmp_path / "h" / "registrar.fedavg.model.json"
    assert job_record(world["regulator"], job_id)["status"] == "finished"
    assert outcome["models"] == {"registrar.fedavg": sha256_hex(model.read_bytes())}
    assert any(name.startswith("fedavg.") for name in outcome["metrics"])
    assert set(outcome["content_hashes"]) == {"broker-01-loans", "bank-01-loans"}


def test_an_inference_job_is_refused_before_anything_is_recorded(world: World, tmp_path: Path) -> None:
    # Prepare
    grant = approved_grant(world, operations=["inference"])
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    job_id = create_job(world["broker-01"], kind="inference", purpose="credit_modelling",
                        participants=PARTIES, datasets=datasets, components={"hetero_lr": {}})  # fmt: skip
    for org in ("bank-01", "registrar"):
        accept_job(world[org], job_id)

    # Execute
    with pytest.raises(ConfigError) as refused:
        run_job(_clients(world), job_id, tmp_path / "i")  # type: ignore[arg-type]

    # Assert
    assert "not runnable from the chain" in refused.value.message
    assert job_record(world["regulator"], job_id)["status"] == "accepted"
