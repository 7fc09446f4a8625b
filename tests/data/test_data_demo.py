"""The demo's data steps run on any alliance with a bank, a broker, a registrar and a regulator, and what
they print is what the chain holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_world import MEMBERS, Clock
from rich.console import Console

from pledgenet.contracts.catalog import init_alliance
from pledgenet.demo import data_steps
from pledgenet.ledger.alliance import Alliance


@dataclass
class Run:
    ledger: Alliance
    console: Console
    quick: bool = True
    notes: dict[str, Any] = field(default_factory=dict)


def test_the_data_demo_steps_leave_a_grant_a_job_and_a_refused_attempt(tmp_path: Path) -> None:
    # Prepare
    alliance = init_alliance(tmp_path / "a", MEMBERS, clock=Clock())
    console = Console(record=True, width=200)
    try:
        run = Run(alliance, console)

        # Execute
        data_steps.catalog_and_grant(run)
        data_steps.job_and_revocation(run)

        # Assert: the printed story and the regulator's peer agree
        text = console.export_text()
        peer = alliance.peer("regulator")
        grant = peer.get(f"data/grant/{run.notes['data']['grant']}")
        [job] = [value for _key, value in peer.range("data/job/")]
        uses = [value for _key, value in peer.range("data/use/bank-credit/")]
        assert grant["status"] == "revoked" and grant["uses"] == 2
        assert job["status"] == "finished" and job["outcome"]["transcript_hash"][:16] in text
        assert [(u["operation"], u["outcome"]) for u in uses] == [
            ("plaintext_copy", "served"),
            ("vertical_training", "served"),
            ("plaintext_copy", "refused"),
        ]
        assert "refused (grant_revoked)" in text
    finally:
        alliance.close()
