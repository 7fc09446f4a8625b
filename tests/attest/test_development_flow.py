"""Under the development policy the whole flow runs with the `none` evidence type, labelled "not
attested" everywhere; the default production policy refuses `none`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attest_helpers import Clock, new_alliance, refused, set_params

from pledgenet.attest.compute import DataOwner, SealedDataset, Worker, joint_statistics, open_dataset
from pledgenet.attest.views import jobs, releases, workers
from pledgenet.encoding import canonical, sha256_hex
from pledgenet.errors import EnvelopeError

BANK_ROWS = [
    {"pledged_shares": 1_000_000, "amount_fen": 5_000_000_00},
    {"pledged_shares": 300, "amount_fen": 7},
]
BROKER_ROWS = [{"pledged_shares": 2_500_000, "amount_fen": 9_000_000_00}]


def test_production_policy_refuses_the_none_evidence_type(tmp_path: Path) -> None:
    # Prepare
    with new_alliance(tmp_path / "a", Clock(1_800_000_000_000)) as alliance:
        worker = Worker("dev-stats", "registrar")

        # Execute
        receipt = worker.register(alliance, worker.none_evidence())

        # Assert
        assert refused(receipt, "development_only")
        assert "not attested" in receipt.message
        assert workers(alliance.peer("registrar")) == []


def test_the_development_flow_runs_end_to_end_and_says_not_attested(tmp_path: Path) -> None:
    # Prepare: two owners' datasets, a worker the registrar operates, the development policy by vote
    with new_alliance(tmp_path / "a", Clock(1_800_000_000_000)) as alliance:
        set_params(alliance, {"attest.policy": "development"})
        worker = Worker("dev-stats", "registrar")
        bank, broker = DataOwner(alliance, "bank-b"), DataOwner(alliance, "broker-a")
        bank_data = SealedDataset.seal("bank-b.loans", BANK_ROWS)
        broker_data = SealedDataset.seal("broker-a.pledges", BROKER_ROWS)

        # Execute: register, announce, request, release, open, compute, record
        registered = worker.register(alliance, worker.none_evidence())
        assert bank.register(bank_data, ["dev-stats"]).valid
        assert broker.register(broker_data, ["dev-stats"]).valid
        asked = [worker.request_key(alliance, data.dataset) for data in (bank_data, broker_data)]
        answered = bank.release_pending() + broker.release_pending()
        peer = alliance.peer("registrar")
        tables = {
            data.dataset: open_dataset(
                data.dataset, worker.dataset_key(peer, request.tx_id), data.nonce, data.ciphertext
            )
            for data, request in zip((bank_data, broker_data), asked, strict=True)
        }
        result = joint_statistics(tables, ["pledged_shares", "amount_fen"])
        recorded = worker.record_job(alliance, "joint-2025w26", sorted(tables), result)

        # Assert: each step valid, the statistics pooled, and "not attested" on every record
        assert registered.valid and registered.result["label"] == "not attested"
        assert [receipt.result["status"] for receipt in asked] == ["pending", "pending"]
        assert [receipt.result["status"] for receipt in answered] == ["released", "released"]
        assert result["count"] == 3 and result["sum"]["pledged_shares"] == 3_500_300
        assert recorded.valid, recorded.message
        other = alliance.peer("bank-b")
        [job] = jobs(other)
        assert job["result_hash"] == sha256_hex(canonical(result))
        assert job["measurement"] == {"type": "none"} and job["label"] == "not attested"
        assert {release["label"] for release in releases(other)} == {"not attested"}
        assert workers(other)[0]["label"] == "not attested" and workers(other)[0]["status"] == "valid"


def test_leaving_development_revokes_none_workers_and_records_the_refusal(tmp_path: Path) -> None:
    # Prepare
    with new_alliance(tmp_path / "a", Clock(1_800_000_000_000)) as alliance:
        set_params(alliance, {"attest.policy": "development"})
        worker = Worker("dev-stats", "registrar")
        assert worker.register(alliance, worker.none_evidence()).valid
        assert (
            DataOwner(alliance, "bank-b").register(SealedDataset.seal("d", [{"x": 1}]), ["dev-stats"]).valid
        )

        # Execute
        set_params(alliance, {"attest.policy": "production"})
        receipt = worker.request_key(alliance, "d")
        job = worker.record_job(alliance, "j", ["d"], {"n": 1})

        # Assert
        assert receipt.valid and receipt.result["status"] == "refused"
        assert receipt.result["reason"].startswith("revoked: development_only")
        assert refused(job, "worker_not_attested")


def test_a_released_key_opens_only_inside_its_worker(tmp_path: Path) -> None:
    # Prepare
    with new_alliance(tmp_path / "a", Clock(1_800_000_000_000)) as alliance:
        set_params(alliance, {"attest.policy": "development"})
        worker, impostor = Worker("dev-stats", "registrar"), Worker("dev-stats", "registrar")
        assert worker.register(alliance, worker.none_evidence()).valid
        owner = DataOwner(alliance, "bank-b")
        assert owner.register(SealedDataset.seal("d", [{"x": 1}]), ["dev-stats"]).valid
        request = worker.request_key(alliance, "d")
        owner.release_pending()

        # Execute / Assert: the worker opens it; another key (same worker id) does not; the chain shows no key
        assert worker.dataset_key(alliance.peer("registrar"), request.tx_id) == owner.keys["d"]
        with pytest.raises(EnvelopeError):
            impostor.dataset_key(alliance.peer("registrar"), request.tx_id)
        on_chain = json.dumps(alliance.peer("broker-a").range("attest/"))
        assert owner.keys["d"].hex() not in on_chain


def test_the_datasets_allow_list_decides_which_workers_may_ask(tmp_path: Path) -> None:
    # Prepare
    with new_alliance(tmp_path / "a", Clock(1_800_000_000_000)) as alliance:
        set_params(alliance, {"attest.policy": "development"})
        worker = Worker("dev-stats", "registrar")
        assert worker.register(alliance, worker.none_evidence()).valid
        owner = DataOwner(alliance, "bank-b")
        assert owner.register(SealedDataset.seal("d", [{"x": 1}]), ["someone-else"]).valid

        # Execute
        before = worker.request_key(alliance, "d")
        by_stranger = alliance.submit(
            "attest.allow_workers", {"dataset": "d", "workers": ["dev-stats"]}, ["broker-a"]
        )
        allowed = alliance.submit(
            "attest.allow_workers", {"dataset": "d", "workers": ["dev-stats"]}, ["bank-b"]
        )
        after = worker.request_key(alliance, "d")

        # Assert
        assert before.result["status"] == "refused" and before.result["reason"].startswith("not_allowed")
        assert refused(by_stranger, "not_owner")
        assert allowed.valid and after.result["status"] == "pending"
