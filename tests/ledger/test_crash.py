"""kill -9 in the middle of a block: nothing committed is lost, nothing half-applied remains."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ledger_helpers import FOUNDERS

from pledgenet.contracts.catalog import init_alliance, open_alliance, verify_alliance

CHILD = textwrap.dedent(
    """
    import sys, time
    from pledgenet.contracts.catalog import open_alliance
    alliance = open_alliance(sys.argv[1])
    victim, crash_at = sys.argv[2], int(sys.argv[3])

    def stall(height):
        if height == crash_at:
            print("IN_COMMIT", height, flush=True)
            time.sleep(60)

    alliance.peer(victim).on_commit_midway = stall
    ttl = {"kind": "set_param", "name": "gov.proposal_ttl_ms", "value": 0}
    for n in range(1, 50):
        ttl["value"] = n
        receipts = alliance.submit_many([("gov.propose", {"action": dict(ttl)}, ["registrar"])] * 5)
        print("COMMITTED", " ".join(r.tx_id for r in receipts), flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["registrar", "bank-b"])
def test_kill_9_mid_block_loses_nothing_committed(tmp_path: Path, victim: str) -> None:
    # Prepare
    directory = tmp_path / "alliance"
    init_alliance(directory, FOUNDERS).close()
    crash_at = 4
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(directory), victim, str(crash_at)],
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[str] = []
    assert child.stdout is not None
    # Execute
    for line in child.stdout:
        if line.startswith("COMMITTED"):
            acknowledged.extend(line.split()[1:])
        if line.startswith("IN_COMMIT"):
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=30)
    # Assert: the victim holds no trace of the block it was writing
    victim_db = sqlite3.connect(directory / "orgs" / victim / "peer.db")
    assert victim_db.execute("SELECT max(height) FROM blocks").fetchone()[0] == crash_at - 1
    assert victim_db.execute("SELECT count(*) FROM txs WHERE height >= ?", (crash_at,)).fetchone()[0] == 0
    victim_db.close()
    assert len(acknowledged) == 5 * (crash_at - 1)
    with open_alliance(directory) as reopened:
        heights = {reopened.peer(org).height for org in reopened.orgs}
        assert len(heights) == 1  # lagging peers caught up from the most advanced one
        for tx_id in acknowledged:
            assert all(reopened.peer(org).tx(tx_id).receipt.valid for org in reopened.orgs)
        after = reopened.submit("gov.propose", {"action": {"kind": "set_param", "name": "gov.proposal_ttl_ms",
                                                           "value": 99}}, ["registrar"])  # fmt: skip
        assert after.valid
    assert all(report.ok for report in verify_alliance(directory))
