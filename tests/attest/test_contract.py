"""The attest contract with genuine evidence: every peer verifies at the block time, the governed policy
decides, refusals are recorded, a measurement removed from the allow-list revokes at the next block."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from attest_helpers import (
    PAIR_TIME,
    Clock,
    evidence,
    new_alliance,
    quote,
    refused,
    set_params,
    sgx_report_key,
)

from pledgenet.attest.compute import DataOwner, SealedDataset
from pledgenet.attest.views import requests, worker_status_now
from pledgenet.contracts.attest import RELEASE, WORKER
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.transaction import MAX_TX_BYTES

SGX_ENTRY = {
    "name": "hello-enclave",
    "type": "sgx",
    "mrenclave": "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb",
    "mrsigner": "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6",
    "min_isv_svn": 0,
}
SGX_POLICY = {
    "attest.tcb_statuses": ["UpToDate", "ConfigurationAndSWHardeningNeeded"],
    "attest.advisories": ["INTEL-SA-00289", "INTEL-SA-00615"],
}


@pytest.fixture
def clock() -> Clock:
    return Clock(PAIR_TIME * 1000)


@pytest.fixture
def alliance(tmp_path: Path, clock: Clock) -> Iterator[Alliance]:
    with new_alliance(tmp_path / "alliance", clock) as created:
        yield created


def register_sgx(alliance: Alliance, worker: str = "stats-sgx", key: str | None = None) -> Any:
    args = {"worker": worker, "public_key": key or sgx_report_key(), "evidence": evidence("sgx_quote", "sgx")}
    return alliance.submit("attest.register_worker", args, ["registrar"])


def test_the_default_policy_refuses_the_genuine_sgx_quote_for_its_tcb_status(alliance: Alliance) -> None:
    # Execute
    receipt = register_sgx(alliance)

    # Assert: verified by every peer, then refused by policy; nothing written
    assert refused(receipt, "tcb_status_not_accepted")
    assert "ConfigurationAndSWHardeningNeeded" in receipt.message
    assert alliance.peer("bank-b").get(WORKER + "stats-sgx") is None


def test_a_quote_whose_measurement_is_not_allow_listed_is_refused(alliance: Alliance) -> None:
    # Prepare: statuses and advisories accepted, but the allow-list names another enclave
    other = {**SGX_ENTRY, "name": "other", "mrenclave": "11" * 32}
    set_params(alliance, {**SGX_POLICY, "attest.measurements": [other]})

    # Execute
    receipt = register_sgx(alliance)

    # Assert
    assert refused(receipt, "measurement_not_allowed")
    assert alliance.peer("registrar").get(WORKER + "stats-sgx") is None


def test_an_allow_listed_genuine_quote_registers_its_worker_on_every_peer(alliance: Alliance) -> None:
    # Prepare
    set_params(alliance, {**SGX_POLICY, "attest.measurements": [SGX_ENTRY]})

    # Execute
    receipt = register_sgx(alliance)

    # Assert
    assert receipt.valid, receipt.message
    records = [alliance.peer(org).get(WORKER + "stats-sgx") for org in alliance.orgs]
    assert records[0] == records[1] == records[2]
    record = records[0]
    assert record["label"] == "attested (sgx)" and record["measurement_name"] == "hello-enclave"
    assert record["tcb_status"] == "ConfigurationAndSWHardeningNeeded"
    assert record["expires_at"] == PAIR_TIME * 1000 + 24 * 3600 * 1000
    assert worker_status_now(alliance.peer("bank-b"), "stats-sgx").valid


def test_the_report_data_must_commit_to_the_workers_key(alliance: Alliance) -> None:
    # Prepare
    set_params(alliance, {**SGX_POLICY, "attest.measurements": [SGX_ENTRY]})

    # Execute
    receipt = register_sgx(alliance, key="ab" * 32)

    # Assert
    assert refused(receipt, "report_data_mismatch")


def test_a_registration_with_quote_and_collateral_fits_one_transaction(alliance: Alliance) -> None:
    # Execute
    for name, kind in (("sgx_quote", "sgx"), ("tdx_quote", "tdx")):
        args = {"worker": "w", "public_key": "00" * 32, "evidence": evidence(name, kind)}
        size = len(alliance.sign("attest.register_worker", args, ["registrar"]))

        # Assert: about half the 64 KiB limit
        assert len(quote(name)) * 2 < size < MAX_TX_BYTES * 3 // 5


def test_tdx_measurements_pin_mrtd_and_the_rtmrs_given(alliance: Alliance) -> None:
    # Prepare
    tdx_key = quote("tdx_quote")[48 + 520 : 48 + 552].hex()
    mrtd = "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"
    wrong_rtmr = {"name": "td", "type": "tdx", "mrtd": mrtd, "rtmrs": [None, None, None, "ff" * 48]}
    args = {"worker": "stats-td", "public_key": tdx_key, "evidence": evidence("tdx_quote", "tdx")}
    set_params(alliance, {"attest.measurements": [wrong_rtmr]})

    # Execute
    pinned_wrong = alliance.submit("attest.register_worker", args, ["bank-b"])
    set_params(alliance, {"attest.measurements": [{**wrong_rtmr, "rtmrs": [None, None, None, "00" * 48]}]})
    pinned_right = alliance.submit("attest.register_worker", args, ["bank-b"])
    set_params(alliance, {"attest.evidence_types": ["sgx"]})

    # Assert
    assert refused(pinned_wrong, "measurement_not_allowed")
    assert pinned_right.valid, pinned_right.message
    assert worker_status_now(alliance.peer("registrar"), "stats-td").status == "revoked"


def test_removing_a_measurement_revokes_its_workers_at_the_next_block(alliance: Alliance) -> None:
    # Prepare: an attested worker, a dataset allowing it, one key already released, one request pending
    set_params(alliance, {**SGX_POLICY, "attest.measurements": [SGX_ENTRY]})
    assert register_sgx(alliance).valid
    owner = DataOwner(alliance, "bank-b")
    assert owner.register(SealedDataset.seal("bank-loans", [{"amount_fen": 1}]), ["stats-sgx"]).valid
    first = alliance.submit(
        "attest.request_key", {"worker": "stats-sgx", "dataset": "bank-loans"}, ["registrar"]
    )
    [released] = owner.release_pending()
    second = alliance.submit(
        "attest.request_key", {"worker": "stats-sgx", "dataset": "bank-loans"}, ["registrar"]
    )

    # Execute
    set_params(alliance, {"attest.measurements": []})
    [answer] = owner.release_pending()
    third = alliance.submit(
        "attest.request_key", {"worker": "stats-sgx", "dataset": "bank-loans"}, ["registrar"]
    )

    # Assert: the release before went through; after the vote, the pending request and a new one are refused
    assert first.result["status"] == "pending" and released.result["status"] == "released"
    assert alliance.peer("broker-a").get(RELEASE + first.tx_id)["label"] == "attested (sgx)"
    assert answer.valid and answer.result["status"] == "refused"
    assert answer.result["reason"].startswith("revoked: measurement_not_allowed")
    assert third.valid and third.result["status"] == "refused"
    assert alliance.peer("broker-a").get(RELEASE + second.tx_id) is None
    statuses = [(r["id"], r["status"]) for r in requests(alliance.peer("broker-a"))]
    assert sorted(statuses) == sorted(
        [(first.tx_id, "released"), (second.tx_id, "refused"), (third.tx_id, "refused")]
    )


def test_an_expired_registration_is_refused_until_renewed(alliance: Alliance, clock: Clock) -> None:
    # Prepare
    set_params(
        alliance, {**SGX_POLICY, "attest.measurements": [SGX_ENTRY], "attest.registration_ttl_ms": 60_000}
    )
    assert register_sgx(alliance).valid
    assert DataOwner(alliance, "bank-b").register(SealedDataset.seal("d1", [{"x": 1}]), ["stats-sgx"]).valid
    clock.advance(61_000)

    # Execute
    stale = alliance.submit("attest.request_key", {"worker": "stats-sgx", "dataset": "d1"}, ["registrar"])
    hijack = alliance.submit("attest.register_worker", {"worker": "stats-sgx", "public_key": sgx_report_key(),
                             "evidence": evidence("sgx_quote", "sgx")}, ["broker-a"])  # fmt: skip
    renewed = register_sgx(alliance)
    fresh = alliance.submit("attest.request_key", {"worker": "stats-sgx", "dataset": "d1"}, ["registrar"])

    # Assert
    assert (
        stale.valid and stale.result["status"] == "refused" and stale.result["reason"].startswith("expired")
    )
    assert refused(hijack, "not_operator")
    assert renewed.valid and renewed.events[0]["payload"]["renewal"] is True
    assert fresh.result["status"] == "pending"


def test_a_request_from_an_unattested_worker_is_refused_and_recorded(alliance: Alliance) -> None:
    # Prepare
    assert DataOwner(alliance, "bank-b").register(SealedDataset.seal("d1", [{"x": 1}]), ["ghost"]).valid

    # Execute
    receipt = alliance.submit("attest.request_key", {"worker": "ghost", "dataset": "d1"}, ["registrar"])

    # Assert
    assert receipt.valid
    [record] = requests(alliance.peer("bank-b"))
    assert record["status"] == "refused" and record["reason"].startswith("not_registered")
    assert record["label"] == "not attested"
    assert [event["name"] for event in receipt.events] == ["attest.key_refused"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("attest.policy", "lenient"),
        ("attest.evidence_types", ["sgx", "none"]),
        ("attest.tcb_statuses", ["Fine"]),
        ("attest.measurements", [{"name": "x", "type": "sgx"}]),
        ("attest.measurements", [{"name": "x", "type": "tdx", "mrtd": "00"}]),
        ("attest.registration_ttl_ms", 5),
    ],
)
def test_governance_refuses_a_malformed_policy_when_proposed(
    alliance: Alliance, name: str, value: Any
) -> None:
    # Execute
    action = {"kind": "set_param", "name": name, "value": value}
    receipt = alliance.submit("gov.propose", {"action": action}, ["registrar"])

    # Assert
    assert refused(receipt, "bad_param")
    assert alliance.peer("registrar").get(f"gov/param/{name}") != value


def test_a_registration_ends_with_its_collateral_and_stale_collateral_is_refused(tmp_path: Path) -> None:
    # Prepare: a block time 100 s before the SGX collateral's first expiry
    valid_until = verify_sgx_until()
    clock = Clock((valid_until - 100) * 1000)
    with new_alliance(tmp_path / "a", clock) as alliance:
        set_params(alliance, {**SGX_POLICY, "attest.measurements": [SGX_ENTRY]})
        registered = register_sgx(alliance)
        assert (
            DataOwner(alliance, "bank-b").register(SealedDataset.seal("d1", [{"x": 1}]), ["stats-sgx"]).valid
        )
        clock.advance(200_000)

        # Execute
        request = alliance.submit(
            "attest.request_key", {"worker": "stats-sgx", "dataset": "d1"}, ["registrar"]
        )
        renewal = register_sgx(alliance)

        # Assert
        assert registered.valid and registered.result["expires_at"] == valid_until * 1000
        assert request.result["status"] == "refused" and request.result["reason"].startswith("expired")
        assert refused(renewal, "collateral_expired")


def verify_sgx_until() -> int:
    from pledgenet.crypto.attestation.evidence import verify

    until = verify(quote("sgx_quote"), evidence("sgx_quote", "sgx")["collateral"], PAIR_TIME).valid_until
    assert until is not None
    return until
