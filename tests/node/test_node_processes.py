"""Member nodes as real processes: etcd (3 members), two orderers and a node per member.

What a user must see: a transaction submitted to one member's node commits on every node; a node killed
with -9 mid-block, or offline while blocks commit (past what etcd retains), catches up to the same state
root; a node whose state database was changed halts with a clear divergence error while the others go on;
a node without an etcd quorum refuses a submission clearly and acknowledges nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from node_harness import HERE, PROBE, Notes, client, settled, tip, tips, wait_for
from typer.testing import CliRunner

from pledgenet.cli import commands  # noqa: F401  (registers every command with the app)
from pledgenet.cli.app import app
from pledgenet.errors import ConfigError, OrderingUnavailable, UnknownRecord
from pledgenet.ledger.ordering.etcd import EtcdLayout
from pledgenet.ledger.ordering.etcd_client import EtcdClient, prefix_end
from pledgenet.ledger.store import open_store
from pledgenet.node.cluster import LocalAlliance
from pledgenet.node.run import HALTED

SUBMITTER = "registrar"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAlliance]:
    directory = Path(tmp_path_factory.mktemp("nodes")) / "local"
    # etcd keeps 20 blocks: a node offline for longer catches up from the other members' stores
    alliance = LocalAlliance(
        directory,
        members=3,
        retain_blocks=20,
        compact_every=10,
        extra_contracts=[PROBE],
        pythonpath=[str(HERE)],
    )
    try:
        yield alliance.up()
    finally:
        alliance.down()


@pytest.fixture(scope="module")
def notes(local: LocalAlliance) -> Notes:
    return Notes(local, SUBMITTER)


def commit(local: LocalAlliance, notes: Notes, count: int, *, per_block: int = 1) -> None:
    with client(local, SUBMITTER) as node:
        for _ in range(0, count, per_block):
            answers = node.submit_envelopes([notes.next() for _ in range(per_block)], wait=True)
            assert all(answer["receipt"]["valid"] for answer in answers), answers


def test_a_submission_commits_on_every_members_node(local: LocalAlliance, notes: Notes) -> None:
    # Prepare
    envelopes = [notes.next("hello") for _ in range(3)]

    # Execute
    with client(local, SUBMITTER) as node:
        answers = node.submit_envelopes(envelopes, wait=True)

    # Assert
    assert [answer["receipt"]["valid"] for answer in answers] == [True, True, True]
    wait_for(lambda: settled(local, local.orgs), 30, "every node at etcd's top")
    assert len(set(tips(local, local.orgs).values())) == 1
    with client(local, "exchange") as other:
        assert other.get_state(f"probe/{SUBMITTER}/n1") == {"text": "hello"}


def test_the_cli_reads_the_register_and_the_cluster_through_nodes(local: LocalAlliance) -> None:
    # Prepare
    runner = CliRunner()
    node = ["--node", local.url(SUBMITTER), "--credential", str(local.credential(SUBMITTER))]

    # Execute
    holdings = runner.invoke(app, ["holdings", *node, "--json"])
    pledges = runner.invoke(app, ["pledge", "list", *node, "--code", "600100", "--json"])
    both = runner.invoke(app, ["holdings", *node, "--dir", str(local.alliance_dir)])
    status = runner.invoke(app, ["cluster", "status", str(local.directory), "--json"])

    # Assert
    assert holdings.exit_code == 0 and json.loads(holdings.stdout) == []
    assert isinstance(pledges.exception, UnknownRecord)  # the node's refusal, as the same error class
    assert isinstance(both.exception, ConfigError) and "without --dir" in both.exception.message
    report = json.loads(status.stdout)
    assert report["leader"] in local.state["orderers"]
    assert [row["org"] for row in report["nodes"]] == local.orgs
    assert all(row["running"] and row["lag"] is not None and row["lag"] >= 0 for row in report["nodes"])


def test_a_node_killed_mid_block_catches_up_to_the_same_state_root(
    local: LocalAlliance, notes: Notes
) -> None:
    # Prepare: blocks keep coming while the regulator's node is killed
    traffic = threading.Thread(target=commit, args=(local, notes, 40), kwargs={"per_block": 5})
    traffic.start()
    wait_for(lambda: tip(local.node_store("regulator"))[0] > 5, 60, "blocks at the regulator's node")

    # Execute
    local.stop_process("regulator", kill=True)
    traffic.join()
    local.start_node("regulator")
    local.wait_healthy(60, ["regulator"])

    # Assert
    wait_for(lambda: settled(local, local.orgs), 60, "the restarted node at etcd's top")
    assert len(set(tips(local, local.orgs).values())) == 1


def test_a_node_offline_past_etcds_log_catches_up_from_other_stores(
    local: LocalAlliance, notes: Notes
) -> None:
    # Prepare
    local.stop_process("exchange")
    offline_at = tip(local.node_store("exchange"))[0]

    # Execute: more blocks than etcd retains
    commit(local, notes, 45)
    etcd = EtcdClient(local.state["etcd"])
    layout = EtcdLayout(local.state["alliance"])
    oldest = layout.height_of(etcd.range(layout.blocks, prefix_end(layout.blocks), limit=1)[1][0].key)
    etcd.close()
    local.start_node("exchange")

    # Assert
    assert oldest > offline_at + 1, "etcd still held every block the node missed: the test proves nothing"
    wait_for(lambda: settled(local, local.orgs), 60, "the exchange's node at etcd's top")
    assert len(set(tips(local, local.orgs).values())) == 1


def test_a_changed_row_halts_that_node_with_a_divergence_and_no_other(
    local: LocalAlliance, notes: Notes
) -> None:
    # Prepare: the regulator's copy of the submitter's member record disappears from its state database
    local.stop_process("regulator")
    with sqlite3.connect(local.node_store("regulator")) as db:
        changed = db.execute("DELETE FROM state WHERE key = ?", (f"gov/member/{SUBMITTER}",)).rowcount
    assert changed == 1
    local.start_node("regulator")
    process = local.processes["regulator"]

    # Execute
    commit(local, notes, 3)

    # Assert
    assert process.wait(timeout=60) == HALTED
    log = local.node_log("regulator").read_text()
    assert "HALTED [state_divergence]" in log and "state divergence at height" in log
    others = [org for org in local.orgs if org != "regulator"]
    commit(local, notes, 2)
    wait_for(lambda: settled(local, others), 30, "the other nodes at etcd's top")
    assert len(set(tips(local, others).values())) == 1


def test_a_submission_without_an_etcd_quorum_is_refused_and_not_acknowledged(
    local: LocalAlliance, notes: Notes
) -> None:
    # Prepare
    assert local.etcd is not None
    envelope = notes.next("during the outage")
    local.etcd.stop_member(1)
    local.etcd.stop_member(2)

    # Execute
    with client(local, SUBMITTER) as node, pytest.raises(OrderingUnavailable) as refused:
        node.submit_envelope(envelope, wait=False)

    # Assert: a clear refusal; once etcd is back, resubmitting the same envelope commits it exactly once
    assert "etcd" in refused.value.message and "resubmit the same envelope" in refused.value.message
    local.etcd.start_member(1)
    local.etcd.start_member(2)
    local.etcd.wait_healthy([0, 1, 2])
    with client(local, SUBMITTER) as node:
        answer = node.submit_envelope(envelope, wait=True)
        again = node.submit_envelope(envelope, wait=True)
    assert answer["receipt"]["valid"]
    assert again["receipt"] == answer["receipt"]  # the resubmission is the same, already committed one
    store = open_store(local.node_store(SUBMITTER), read_only=True)
    try:
        rows = store.tx_rows("tx_id = ?", (answer["tx_id"],))
    finally:
        store.close()
    assert sum(int(row[6]) for row in rows) == 1
