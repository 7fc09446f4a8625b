"""``pledgenet risk ...`` on a small alliance read with --dir / --org, as a user runs it (JSON parsed).

The alliance here deliberately uses other member ids than the demo (``depository``, ``watchdog``,
``bourse``...): the CLI must find the registrar, the regulator and the exchange by their roles.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import pledgenet.cli.commands  # noqa: F401  (registers the commands)
from pledgenet.cli.app import app
from pledgenet.contracts.catalog import init_alliance
from pledgenet.demo import register_steps as demo_steps
from pledgenet.ledger.alliance import Alliance, MemberSpec

MEMBERS = [
    MemberSpec("depository", ["registrar", "governing"]),
    MemberSpec("watchdog", ["regulator"]),
    MemberSpec("bourse", ["exchange"]),
    MemberSpec("broker-x", ["broker"]),
    MemberSpec("broker-y", ["broker"]),
    MemberSpec("bank-x", ["bank"]),
    MemberSpec("trust-x", ["trust"]),
    MemberSpec("court-x", ["court"]),
]
START_MS = int(dt.datetime(2024, 12, 2, 2, 0, tzinfo=dt.UTC).timestamp() * 1000)


@dataclass
class Run:
    """What the register demo step needs: an alliance, a console, notes."""

    alliance: Alliance
    console: Console = field(default_factory=lambda: Console(file=io.StringIO()))
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger(self) -> Alliance:
        return self.alliance


@pytest.fixture(scope="module")
def alliance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The register demo's book on an alliance of other ids, with Monday's and Tuesday's closes."""
    directory = tmp_path_factory.mktemp("cli") / "alliance"
    now = [START_MS]

    def clock() -> int:
        now[0] += 1_000
        return now[0]

    with init_alliance(directory, MEMBERS, clock=clock) as ledger:
        demo_steps.register_book(Run(ledger))
        prices = {code: price for code, *_rest, price in demo_steps.STOCKS}
        for trade_date, fall in (("2024-12-02", 1.0), ("2024-12-03", 0.75)):
            now[0] = max(now[0], START_MS + (int(trade_date[-1]) - 2) * 86_400_000 + 5 * 3_600_000)
            closes = {code: round(price * fall) for code, price in prices.items()}
            receipt = ledger.submit(
                "market.publish_closes", {"trade_date": trade_date, "closes": closes}, ["bourse"]
            )
            assert receipt.valid, receipt.message
    return directory


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, ["risk", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_regulator_found_by_role_reads_every_contract(alliance_dir: Path) -> None:
    # Execute: no --org: the member holding the regulator role
    contracts = invoke("contracts", "--dir", str(alliance_dir))
    # Assert: the 7 registered contracts at Tuesday's closes (25% below Monday's, a 50% pledge rate)
    assert len(contracts) == 7
    assert {row["status"] for row in contracts} == {"warning"}
    assert all(row["ratio"] == pytest.approx(1.5, abs=0.01) for row in contracts)
    assert all(row["days_below_closing"] is None for row in contracts)


def test_a_member_sees_only_the_contracts_it_is_entitled_to(alliance_dir: Path) -> None:
    # Execute
    everything = invoke("contracts", "--dir", str(alliance_dir), "--org", "watchdog")
    bank = invoke("contracts", "--dir", str(alliance_dir), "--org", "bank-x")
    court = invoke("contracts", "--dir", str(alliance_dir), "--org", "court-x")
    # Assert: the bank reads its own contracts only; the court reads none
    assert 0 < len(bank) < len(everything)
    assert {row["pledgee"] for row in bank} == {"bank-x"}
    assert court == []


def test_alerts_go_to_the_registrar_and_regulator_found_by_role(alliance_dir: Path) -> None:
    # Execute: a further 10% fall takes every contract below its 140% closing line
    alerts = invoke("alerts", "--dir", str(alliance_dir), "--shock", "0.1")
    # Assert
    assert len(alerts) == 7
    assert all(alert["to_status"] == "triggered" for alert in alerts)
    assert all({"depository", "watchdog"} <= set(alert["recipients"]) for alert in alerts)
    assert all("bourse" not in alert["recipients"] for alert in alerts)


def test_views_and_stress_read_the_alliance(alliance_dir: Path) -> None:
    # Execute
    pledgees = invoke("views", "--by", "pledgee", "--dir", str(alliance_dir), "--date", "2024-12-02")
    stress = invoke("stress", "--dir", str(alliance_dir))
    # Assert: Monday's closes: every contract at 200%; the stress grows with the shock
    assert {row["org"] for row in pledgees} == {"broker-x", "broker-y", "bank-x", "trust-x"}
    assert all(row["share_warning"] == 0 for row in pledgees)
    by_name = {row["scenario"]: row for row in stress}
    assert by_name["uniform -30%"]["triggered"] == 7
    assert by_name["uniform -10%"]["uncovered_fen"] <= by_name["uniform -30%"]["uncovered_fen"]


def test_an_unknown_org_gets_a_clear_error(alliance_dir: Path) -> None:
    # Execute: the installed command, as a user types it
    done = subprocess.run(
        [sys.executable, "-c", "from pledgenet.cli import main; main()", "risk", "contracts",
         "--dir", str(alliance_dir), "--org", "nobody"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # Assert: the NotFound exit code, the members named, nothing on stdout
    assert done.returncode == 5
    assert "'nobody' is not a member of this alliance" in done.stderr
    assert "depository" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
