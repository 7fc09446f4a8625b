"""Bad input, each refused with a clear reason code: a grading that forbids the request, an expired grant,
a grant used by another member, forged approvals, a job without a grant, tampered files.

A forbidden or malformed call is an invalid transaction: nothing in the data contract's state changes. A
use of data the grant does not allow is a refused attempt: it is recorded (that is the point), and nothing
else changes (no grant, dataset or job record, no use counted, nothing served).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from data_world import DATA, DAY_MS, World, all_columns, approved_grant

from pledgenet.data.files import check_copy, extract, read_table
from pledgenet.data.jobs import accept_job, create_job, job_record, run_job
from pledgenet.data.sharing import fetch
from pledgenet.errors import ContentMismatch, GradingForbids, GrantInvalid, NotAnApprover, PledgenetError
from pledgenet.ledger.transaction import body_digest, encode_envelope, make_body, signing_message

ATTEMPT_KEYS = ("data/use/", "data/use_seq/", "data/volume/")


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Keys of the data contract's state that differ, the attempt log left aside."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k) and not k.startswith(ATTEMPT_KEYS))


def _attempts(world: World) -> list[tuple[str, str | None]]:
    return [(u["user"], u["reason"]) for u in world["regulator"].uses() if u["outcome"] == "refused"]


@pytest.mark.parametrize(
    ("level", "operation", "code"),
    [
        (5, "plaintext_copy", "plaintext_forbidden"),
        (5, "psi", "operation_forbidden"),
        (4, "plaintext_copy", "plaintext_forbidden"),
    ],
)
def test_a_request_the_grading_forbids_is_refused_at_once(
    world: World, level: int, operation: str, code: str
) -> None:
    # Prepare
    world["bank-01"].register(
        "aggregates",
        DATA / "breast_hetero_host.csv",
        title="Market aggregates",
        description="before publication",
        level=level,
    )
    before = world.data_state()
    # Execute
    with pytest.raises(GradingForbids) as refused:
        world["broker-01"].request("aggregates", columns=["id"], purpose="statistics", operations=[operation])
    # Assert
    assert refused.value.code == code
    assert world.data_state() == before


def test_an_expired_grant_serves_nothing_and_the_attempt_is_recorded(world: World) -> None:
    # Prepare
    grant = approved_grant(world, operations=["plaintext_copy"], days=1)
    world.clock.now += 2 * DAY_MS
    before = world.data_state()
    # Execute
    with pytest.raises(GrantInvalid) as refused:
        fetch(
            world["broker-01"],
            world.service("bank-01"),
            "bank-credit",
            grant=grant,
            purpose="credit_modelling",
        )
    # Assert
    assert refused.value.code == "grant_expired"
    assert _changed(before, world.data_state()) == []
    assert world["broker-01"].grant(grant)["uses"] == 0
    assert _attempts(world) == [("broker-01", "grant_expired")]
    assert world["bank-01"].alerts("bank-credit")[0]["alerts"] == ["access_after_expiry"]


def test_a_grant_used_by_another_member_is_refused(world: World) -> None:
    # Prepare
    grant = approved_grant(world, operations=["plaintext_copy", "vertical_training"])
    before = world.data_state()
    # Execute
    with pytest.raises(GrantInvalid) as refused:
        fetch(
            world["broker-02"],
            world.service("bank-01"),
            "bank-credit",
            grant=grant,
            purpose="credit_modelling",
            columns=all_columns(world, "bank-credit"),
        )
    # Assert
    assert refused.value.code == "not_grantee"
    assert _changed(before, world.data_state()) == []
    assert _attempts(world) == [("broker-02", "not_grantee")]


def test_a_purpose_outside_the_grant_is_refused_and_raises_an_alert(world: World) -> None:
    # Prepare
    grant = approved_grant(world, operations=["plaintext_copy"])
    # Execute
    with pytest.raises(GrantInvalid) as refused:
        fetch(world["broker-01"], world.service("bank-01"), "bank-credit", grant=grant, purpose="statistics")
    # Assert
    assert refused.value.code == "purpose_mismatch"
    assert world["regulator"].alerts()[0]["alerts"] == ["purpose_outside_grant"]


def test_forged_approvals_are_refused(world: World) -> None:
    # Prepare: a request the registrar and the bank must approve
    broker = world["broker-01"]
    grant = broker.request(
        "bank-credit",
        columns=all_columns(world, "bank-credit"),
        purpose="credit_modelling",
        operations=["plaintext_copy"],
    )
    before = world.data_state()
    # Execute: the grantee approves its own request; a member no rule names approves it
    refusals = []
    for org in ("broker-01", "broker-02"):
        with pytest.raises(NotAnApprover) as refused:
            world[org].approve(grant)
        refusals.append(refused.value.code)
    # ... and an approval in the registrar's name, signed with the grantee's key
    alliance = world.alliance
    body = make_body(alliance.alliance_id, "data.approve_grant", {"grant": grant}, ["registrar"], 999)
    forged = encode_envelope(body, [alliance.member("broker-01").sign(signing_message(body_digest(body)))])
    receipt = alliance.submit_envelopes([forged])[0]
    # Assert
    assert refusals == ["not_an_approver", "not_an_approver"]
    assert (receipt.valid, receipt.code) == (False, "bad_signature")
    assert world.data_state() == before
    assert broker.grant(grant)["status"] == "requested" and broker.grant(grant)["approvals"] == {}


def test_a_job_naming_a_dataset_without_a_grant_is_refused(world: World) -> None:
    # Prepare
    before = world.data_state()
    # Execute
    with pytest.raises(GrantInvalid) as refused:
        create_job(
            world["broker-01"],
            kind="vertical_training",
            purpose="credit_modelling",
            participants={"broker-01": "guest", "bank-01": "host", "registrar": "coordinator"},
            datasets=[{"dataset": "broker-defaults"}, {"dataset": "bank-credit"}],
            components={"hetero_lr": {"epochs": 1}},
        )
    # Assert
    assert refused.value.code == "no_grant"
    assert _changed(before, world.data_state()) == []
    assert list(world["regulator"].peer.range("data/job/")) == []
    assert _attempts(world) == [("broker-01", "no_grant")]


def _tamper(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace("0.449512", "0.449513", 1))


def test_a_tampered_dataset_file_is_neither_served_nor_computed_on(world: World, tmp_path: Path) -> None:
    # Prepare: an accepted job, then one changed cell in the bank's stored file
    grant = approved_grant(world, operations=["plaintext_copy", "vertical_training"])
    participants = {"broker-01": "guest", "bank-01": "host", "registrar": "coordinator"}
    datasets = [{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": grant}]
    job_id = create_job(
        world["broker-01"],
        kind="vertical_training",
        purpose="credit_modelling",
        participants=participants,
        components={"hetero_lr": {"epochs": 1}},
        datasets=datasets,
    )
    accept_job(world["bank-01"], job_id)
    accept_job(world["registrar"], job_id)
    bank = world["bank-01"]
    _tamper(bank.store.csv_path("bank-credit", 1))
    before = world.data_state()
    # Execute
    with pytest.raises(ContentMismatch) as not_served:
        fetch(
            world["broker-01"],
            world.service("bank-01"),
            "bank-credit",
            grant=grant,
            purpose="credit_modelling",
        )
    with pytest.raises(ContentMismatch) as not_run:
        run_job({org: world[org] for org in participants}, job_id, tmp_path / "job")
    # Assert: nothing served, nothing computed; the job is recorded aborted with the reason
    assert not_served.value.code == not_run.value.code == "content_mismatch"
    assert _changed(before, world.data_state()) == [f"data/job/{job_id}"]
    job = job_record(world["regulator"], job_id)
    assert job["status"] == "aborted" and job["outcome"]["reason"].startswith("content_mismatch")
    assert not (tmp_path / "job").exists()


def test_a_copy_changed_in_transit_fails_its_check_against_the_chain(world: World) -> None:
    # Prepare
    table = read_table(DATA / "breast_hetero_host.csv")
    copy = extract(table, ["id", "x3"])
    copy["columns"]["x3"][7] = "0.0"
    # Execute / Assert
    with pytest.raises(ContentMismatch):
        check_copy(copy, world["registrar"].dataset("bank-credit")["content_hash"])


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"dataset": "nope"}, "not_in_catalog"),
        ({"columns": ["c999"]}, "unknown_column"),
        ({"purpose": "marketing"}, "unknown_purpose"),
        ({"operations": ["resale"]}, "bad_data_arguments"),
        ({"expires_at": 0}, "bad_data_arguments"),
        ({"max_uses": 0}, "bad_data_arguments"),
    ],
)
def test_a_malformed_request_changes_nothing(world: World, args: dict[str, Any], code: str) -> None:
    # Prepare
    tomorrow = world["broker-01"].now() + DAY_MS
    request = {
        "dataset": "bank-credit",
        "columns": ["c1"],
        "purpose": "credit_modelling",
        "operations": ["psi"],
        "expires_at": tomorrow,
        "max_uses": 1,
        **args,
    }
    before = world.data_state()
    # Execute
    with pytest.raises(PledgenetError) as refused:
        world["broker-01"].submit("data.request_grant", request)
    # Assert
    assert refused.value.code == code
    assert world.data_state() == before
