"""The issue's end-to-end scenario: a bank's level-3 dataset, a broker's grant for credit modelling, a
recorded copy and a recorded vertical job, then a revocation after which both are refused and recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_world import DATA, World, approved_grant

from pledgenet.data.files import read_table
from pledgenet.data.jobs import accept_job, check_model, create_job, job_record, jobs, run_job
from pledgenet.data.sharing import fetch
from pledgenet.encoding import sha256_hex
from pledgenet.errors import ContentMismatch, GrantInvalid

JOB = {
    "kind": "vertical_training",
    "purpose": "credit_modelling",
    "participants": {"broker-01": "guest", "bank-01": "host", "registrar": "coordinator"},
    "components": {"hetero_lr": {"epochs": 3, "batch_size": 64}},
}


def _datasets(grant: str | None) -> list[dict[str, str | None]]:
    return [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]


def test_grant_copy_job_then_revocation_refuses_and_records_both(world: World, tmp_path: Path) -> None:
    # Prepare: the broker asks; the grading (level 3) needs the registrar besides the bank
    broker, bank = world["broker-01"], world["bank-01"]
    hidden = [c for c in broker.dataset("bank-credit")["schema"] if c["name"] is None]
    assert len(hidden) == 6  # id and x0..x4: level 3, names sealed from a non-entitled member
    grant = approved_grant(world, operations=["plaintext_copy", "vertical_training"])
    assert broker.grant(grant)["status"] == "approved"
    assert broker.grant(grant)["required"] == ["owner", "registrar"]

    # Execute: a copy, then a job created, accepted by every participant, run and recorded
    copy = fetch(
        broker,
        world.service("bank-01"),
        "bank-credit",
        grant=grant,
        purpose="credit_modelling",
        out=tmp_path / "copy.csv",
    )
    job_id = create_job(broker, datasets=_datasets(grant), **JOB)  # type: ignore[arg-type]
    accept_job(bank, job_id)
    accept_job(world["registrar"], job_id)
    outcome = run_job({org: world[org] for org in JOB["participants"]}, job_id, tmp_path / "job")  # type: ignore[arg-type]

    # Assert: the copy is the bank's file, names included (sealed for the grantee), and on the record
    original = read_table(DATA / "breast_hetero_host.csv")
    assert copy.names == original.names and copy.columns == original.columns
    assert all(column["name"] for column in broker.dataset("bank-credit")["schema"])
    served = bank.uses("bank-credit", user="broker-01")
    assert [(u["operation"], u["outcome"]) for u in served] == [
        ("plaintext_copy", "served"),
        ("vertical_training", "served"),
    ]
    assert served[0]["grant"] == grant and served[0]["purpose"] == "credit_modelling"
    assert served[0]["content_hash"] == bank.dataset("bank-credit")["content_hash"]
    # the job's outcome: model hashes that match the files, metrics, the data actually used
    job = job_record(world["regulator"], job_id)
    assert job["status"] == "finished" and outcome == job["outcome"]
    model = tmp_path / "job" / "bank-01.hetero_lr.model.json"
    assert outcome["models"]["bank-01.hetero_lr"] == sha256_hex(model.read_bytes())
    assert check_model(world["regulator"], job_id, "bank-01.hetero_lr", model) == sha256_hex(
        model.read_bytes()
    )
    model.write_text(model.read_text().replace("1", "2", 1))
    with pytest.raises(ContentMismatch):
        check_model(world["regulator"], job_id, "bank-01.hetero_lr", model)
    assert float(outcome["metrics"]["hetero_lr.auc"]) > 0.9
    assert outcome["content_hashes"]["bank-credit"] == bank.dataset("bank-credit")["content_hash"]

    # Execute: the bank revokes; the next copy and the next job are refused
    bank.revoke(grant, "relationship ended")
    with pytest.raises(GrantInvalid) as refused_copy:
        fetch(broker, world.service("bank-01"), "bank-credit", grant=grant, purpose="credit_modelling")
    with pytest.raises(GrantInvalid) as refused_job:
        create_job(broker, datasets=_datasets(grant), **JOB)  # type: ignore[arg-type]

    # Assert: both refused with their reason, both recorded as attempts with an alert, no new job
    assert refused_copy.value.code == refused_job.value.code == "grant_revoked"
    attempts = [u for u in world["regulator"].uses("bank-credit") if u["outcome"] == "refused"]
    expected = [("plaintext_copy", "grant_revoked"), ("vertical_training", "grant_revoked")]
    assert [(u["operation"], u["reason"]) for u in attempts] == expected
    assert all(u["alerts"] == ["access_after_revocation"] for u in attempts)
    assert len(world["regulator"].alerts("bank-credit")) == 2
    assert [job["job"] for job in jobs(world["regulator"])] == [job_id]
    assert broker.grant(grant)["uses"] == 2
