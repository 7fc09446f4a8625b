"""The rules around grants and jobs beyond the main scenario: refusals by an approver, spent uses, unusual
volume, a job refused at acceptance, no run without every acceptance, versions that keep their history."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_world import DATA, World, all_columns, approved_grant, make_world

from pledgenet.data.jobs import accept_job, create_job, job_record, run_job
from pledgenet.data.sharing import fetch
from pledgenet.errors import GrantInvalid, JobRefused

PARTIES = {"broker-01": "guest", "bank-01": "host", "registrar": "coordinator"}


def _job(world: World, grant: str) -> str:
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    return create_job(
        world["broker-01"],
        kind="vertical_training",
        purpose="credit_modelling",
        participants=PARTIES,
        datasets=datasets,
        components={"hetero_lr": {"epochs": 1}},
    )


def test_a_grant_the_registrar_refuses_never_serves(world: World) -> None:
    # Prepare
    grant = world["broker-01"].request(
        "bank-credit", columns=["c1"], purpose="credit_modelling", operations=["plaintext_copy"]
    )
    world["bank-01"].approve(grant)
    # Execute
    world["registrar"].refuse(grant, "purpose not substantiated")
    with pytest.raises(GrantInvalid) as refused:
        fetch(
            world["broker-01"],
            world.service("bank-01"),
            "bank-credit",
            grant=grant,
            purpose="credit_modelling",
        )
    # Assert
    assert world["regulator"].grant(grant)["status"] == "refused"
    assert refused.value.code == "grant_refused"


def test_spent_uses_refuse_the_next_copy(world: World) -> None:
    # Prepare
    grant = approved_grant(world, operations=["plaintext_copy"], max_uses=1)
    service = world.service("bank-01")
    fetch(world["broker-01"], service, "bank-credit", grant=grant, purpose="credit_modelling")
    # Execute
    with pytest.raises(GrantInvalid) as refused:
        fetch(world["broker-01"], service, "bank-credit", grant=grant, purpose="credit_modelling")
    # Assert
    assert refused.value.code == "uses_exhausted"
    assert world["broker-01"].grant(grant)["uses"] == 1


def test_unusual_volume_raises_an_alert(tmp_path: Path) -> None:
    # Prepare: an alliance whose governed threshold is two uses a day
    world = make_world(tmp_path / "alliance", params={"data.volume_alert_count": 2})
    try:
        grant = approved_grant(world, operations=["plaintext_copy"], max_uses=5)
        service = world.service("bank-01")
        # Execute
        for _ in range(3):
            fetch(
                world["broker-01"],
                service,
                "bank-credit",
                grant=grant,
                purpose="credit_modelling",
                columns=["c1"],
            )
        # Assert: the third use is served and flagged
        uses = world["bank-01"].log("bank-credit")
        assert [(u["outcome"], u["alerts"]) for u in uses] == [
            ("served", []),
            ("served", []),
            ("served", ["unusual_volume"]),
        ]
    finally:
        world.alliance.close()


def test_a_job_whose_grant_was_revoked_is_refused_at_acceptance_and_never_runs(
    world: World, tmp_path: Path
) -> None:
    # Prepare: a proposed job, then the bank revokes the grant it relies on
    grant = approved_grant(world, operations=["vertical_training"])
    job_id = _job(world, grant)
    world["bank-01"].revoke(grant)
    # Execute
    with pytest.raises(GrantInvalid) as refused:
        accept_job(world["bank-01"], job_id)
    with pytest.raises(JobRefused) as not_run:
        run_job({org: world[org] for org in PARTIES}, job_id, tmp_path / "job")
    # Assert
    assert refused.value.code == "grant_revoked" and not_run.value.code == "job_not_accepted"
    job = job_record(world["regulator"], job_id)
    assert job["status"] == "refused" and job["outcome"]["reason"] == "grant_revoked"
    assert not (tmp_path / "job").exists()


def test_no_party_runs_a_job_lacking_an_acceptance(world: World, tmp_path: Path) -> None:
    # Prepare: the bank accepted, the coordinator did not
    grant = approved_grant(world, operations=["vertical_training"])
    job_id = _job(world, grant)
    accept_job(world["bank-01"], job_id)
    # Execute
    with pytest.raises(JobRefused) as refused:
        run_job({org: world[org] for org in PARTIES}, job_id, tmp_path / "job")
    # Assert: refused before anything ran, and recorded aborted
    assert refused.value.code == "job_not_accepted"
    job = job_record(world["regulator"], job_id)
    assert job["status"] == "aborted" and job["outcome"]["reason"].startswith("job_not_accepted")
    assert not (tmp_path / "job").exists()


def test_a_new_version_keeps_the_history_and_the_column_ids(world: World, tmp_path: Path) -> None:
    # Prepare: version 2 drops the last column and adds one
    lines = (DATA / "breast_hetero_host.csv").read_text().splitlines()
    rows = [line.rsplit(",", 1)[0] + ",1" for line in lines]
    rows[0] = rows[0].rsplit(",", 1)[0] + ",flag"
    newer = tmp_path / "v2.csv"
    newer.write_text("\n".join(rows) + "\n")
    bank = world["bank-01"]
    # Execute
    record = bank.register("bank-credit", newer, title="Borrowers v2", description="monthly refresh", level=3)
    # Assert
    history = world["regulator"].history("bank-credit")
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["content_hash"] != history[1]["content_hash"]
    ids = {c["name"]: c["id"] for c in record["schema"]}
    assert (ids["x1"], ids["x18"], ids["flag"]) == ("c3", "c20", "c22")
    assert len(all_columns(world, "bank-credit")) == 21
