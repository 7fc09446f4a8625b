"""A measurement on chain: recorded by the guest, values derived by every peer, checked by any member,
a pool split through the command line; only utilities and values cross to the chain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from pledgenet.contracts.catalog import init_alliance
from pledgenet.contracts.contribution import JOB, table_hash
from pledgenet.fl.contribution.chain import ContributionClient, check_record
from pledgenet.fl.contribution.vertical import VerticalGame
from pledgenet.ledger.alliance import MemberSpec

MEMBERS = [
    MemberSpec("bank-guest", ["bank", "governing"]),
    MemberSpec("bank-host", ["bank", "governing"]),
    MemberSpec("broker-host", ["broker", "governing"]),
]


def small_game() -> VerticalGame:
    rng = np.random.default_rng(7)
    features = rng.normal(size=(600, 3))
    labels = (features @ np.array([1.2, 0.8, 0.0]) + rng.normal(size=600) > 0).astype(np.int64)
    parties = {"bank-guest": [0], "bank-host": [1], "broker-host": [2]}
    return VerticalGame(parties, features[:400], labels[:400], features[400:], labels[400:])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from pledgenet.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_every_peer_derives_the_same_values_and_the_cli_splits_a_pool(tmp_path: Path) -> None:
    # Prepare: an alliance and the guest's exact measurement of its job; a sampled one saved as a report file
    directory = tmp_path / "alliance"
    game = small_game()
    exact = game.exact()
    sampled = game.monte_carlo(permutations=6, seed=2)
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(sampled.as_dict()))
    alliance = init_alliance(directory, MEMBERS)
    try:
        # Execute: the guest records the exact table in process
        receipt = ContributionClient(alliance, "bank-guest").record("job-exact", exact)
        records = [alliance.peer(org).get(JOB + "job-exact") for org in alliance.orgs]
        envelope = json.loads(alliance.peer("bank-host").tx(receipt.tx_id).envelope)
    finally:
        alliance.close()
    recorded = run_cli("contribution", "record", "job-tmc", "--dir", str(directory), "--as", "bank-guest",
                       "--report", str(report_file))  # fmt: skip
    split = run_cli("benefit", "split", "job-exact", "--pool", "100000", "--dir", str(directory),
                    "--as", "bank-guest", "--json")  # fmt: skip
    shown = run_cli(
        "contribution", "show", "job-tmc", "--dir", str(directory), "--org", "broker-host", "--json"
    )
    payouts = run_cli("benefit", "list", "--dir", str(directory), "--as", "bank-host", "--json")
    jobs = run_cli("contribution", "list", "--dir", str(directory), "--as", "broker-host")

    # Assert: one record on every peer, its values the off-chain report's, recomputable from its own table
    assert records[0] == records[1] == records[2]
    assert records[0]["values_ppm"] == {p: int(np.floor(v)) for p, v in exact.values.items()}
    assert check_record(records[0])["ok"]
    # only the players, the metric, the method and integer utilities crossed to the chain
    args = envelope["body"]["args"]
    assert set(args) == {"job", "players", "metric", "method", "estimator", "utilities"}
    assert all(type(value) is int for value in args["utilities"])
    assert recorded.returncode == 0, recorded.stderr
    assert shown.returncode == 0, shown.stderr
    shown_record = json.loads(shown.stdout)
    assert shown_record["check"]["ok"] and shown_record["estimator"] == "tmc"
    assert split.returncode == 0, split.stderr
    split_payouts = json.loads(split.stdout)["result"]["payouts"]
    assert sum(split_payouts.values()) == 100_000
    assert split_payouts["bank-guest"] > split_payouts["bank-host"] > split_payouts["broker-host"] >= 2_000
    assert [row["fen"] for row in json.loads(payouts.stdout)] == [split_payouts["bank-host"]]
    assert jobs.returncode == 0 and "job-exact" in jobs.stdout and "job-tmc" in jobs.stdout


def test_a_tampered_table_no_longer_checks_and_a_refusal_is_a_clear_cli_error(tmp_path: Path) -> None:
    # Prepare
    directory = tmp_path / "alliance"
    init_alliance(directory, MEMBERS).close()
    record = {"players": ["a", "b"], "method": "exact", "utilities": [0, 10, 20, 40],
              "values": {"a": [15, 1], "b": [25, 1]}}  # fmt: skip
    record["table_hash"] = table_hash(record["utilities"])
    tampered = {**record, "utilities": [0, 10, 20, 50]}

    # Execute
    good, bad = check_record(record), check_record(tampered)
    refused = run_cli(
        "benefit", "split", "no-such-job", "--pool", "5", "--dir", str(directory), "--as", "bank-host"
    )

    # Assert
    assert good["ok"] and not bad["ok"] and not bad["table_hash_ok"] and not bad["values_ok"]
    assert refused.returncode != 0 and "unknown_contribution" in refused.stderr
    assert "Traceback" not in refused.stderr
