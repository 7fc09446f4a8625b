"""A dataset key is released only under a ``data`` grant of attested compute on that dataset, for that
worker, valid at the release's block; every refusal is recorded, in the attest contract and in the data
contract's log of uses."""

from __future__ import annotations

from pathlib import Path

from attest_helpers import Clock, catalogue, new_alliance, set_params

from pledgenet.attest.compute import DataOwner, SealedDataset, Worker
from pledgenet.attest.views import releases

ROWS = [{"x": 1}]


def test_a_key_is_released_only_under_a_grant_for_that_dataset_and_worker(tmp_path: Path) -> None:
    # Prepare: a development worker, two datasets of the bank, grants of every wrong kind and one right
    clock = Clock(1_800_000_000_000)
    with new_alliance(tmp_path / "a", clock) as alliance:
        set_params(alliance, {"attest.policy": "development"})
        worker = Worker("dev-stats", "registrar")
        assert worker.register(alliance, worker.none_evidence()).valid
        owner = DataOwner(alliance, "bank-b")
        good = catalogue(alliance, "bank-b", "d", ROWS, workers=["dev-stats"])
        other_dataset = catalogue(alliance, "bank-b", "d2", ROWS)
        other_worker = catalogue(alliance, "bank-b", "d", ROWS[:1], workers=["other-worker"])
        unapproved = catalogue(alliance, "bank-b", "d", ROWS, approve=False)
        short = catalogue(alliance, "bank-b", "d", ROWS, lifetime_ms=60_000)
        revoked = catalogue(alliance, "bank-b", "d", ROWS)
        for sealed in (SealedDataset.seal("d", ROWS), SealedDataset.seal("d2", ROWS)):
            assert owner.register(sealed, ["dev-stats"]).valid

        # Execute: ask under each grant; revoke one and let another expire before the owner answers
        asked = {
            name: worker.request_key(alliance, "d", grant)
            for name, grant in [
                ("none", "g-missing"),
                ("other_dataset", other_dataset),
                ("other_worker", other_worker),
                ("unapproved", unapproved),
                ("short", short),
                ("revoked", revoked),
                ("good", good),
            ]
        }
        assert alliance.submit("data.revoke_grant", {"grant": revoked}, ["bank-b"]).valid
        clock.advance(120_000)
        answered = {receipt.result["id"]: receipt for receipt in owner.release_pending()}

        # Assert: refused at once without a grant, for another dataset or worker, or unapproved; refused
        # at release once revoked or expired; released under the one valid grant, its use counted
        status = {name: receipt.result["status"] for name, receipt in asked.items()}
        reason = {name: receipt.result["reason"].split(":")[0] for name, receipt in asked.items()}
        assert status == {
            "none": "refused",
            "other_dataset": "refused",
            "other_worker": "refused",
            "unapproved": "refused",
            "short": "pending",
            "revoked": "pending",
            "good": "pending",
        }
        assert reason["none"] == "no_grant" and reason["other_dataset"] == "no_grant"
        assert reason["other_worker"] == "worker_not_granted"
        assert reason["unapproved"] == "grant_not_approved"
        outcome = {
            name: (answered[asked[name].tx_id].result["status"], answered[asked[name].tx_id].result["reason"])
            for name in ("short", "revoked", "good")
        }
        assert outcome["short"][0] == "refused" and outcome["short"][1].startswith("grant_expired")
        assert outcome["revoked"][0] == "refused" and outcome["revoked"][1].startswith("grant_revoked")
        assert outcome["good"] == ("released", "")
        peer = alliance.peer("broker-a")
        assert [release["request"] for release in releases(peer)] == [asked["good"].tx_id]
        assert peer.get(f"data/grant/{good}")["uses"] == 1
        log = [value for _key, value in peer.range("data/use/d/")]
        assert [(use["outcome"], use["reason"]) for use in log] == [
            ("refused", "no_grant"),
            ("refused", "no_grant"),
            ("refused", "worker_not_granted"),
            ("refused", "grant_not_approved"),
            ("served", None),
            ("served", None),
            ("served", None),
        ]
