"""The register's command line (``pledgenet pledge|freeze|holdings|stats``) against a small alliance.

Commands run in process through ``pledgenet.cli.run.run``, the entry point of the ``pledgenet`` script, so
the exit codes and error lines are the ones a user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import Cli

from pledgenet.demo import demo_book, members


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("cli")) / "alliance"
    with demo_book.create(path) as alliance:
        demo_book.build_book(alliance)
    return path


def test_register_a_pledge_and_read_it_back_in_holdings_and_weekly_statistics(cli: Cli) -> None:
    # Prepare: F0006 (custody broker-01) holds 150m shares of 600100 at CNY 6.12
    before = cli.json("stats weekly", members.REGULATOR, "--price", "600100=612")
    # Execute: 2,000,000 shares (CNY 12.24m) against a CNY 5m loan, a 41% pledge rate
    receipt = cli.json(
        "pledge register", "broker-01",
        "K-CLI-1", "F0006", "600100", "2000000", "bank-01", "--amount-fen", "500000000", "--price-fen", "612",
    )  # fmt: skip
    [holding] = cli.json("holdings", "bank-01", "--account", "F0006", "--code", "600100")
    after = cli.json("stats weekly", members.REGULATOR, "--price", "600100=612")
    # Assert
    assert receipt["valid"] is True and receipt["tx_type"] == "register.pledge"
    assert receipt["result"]["contract_no"] == "K-CLI-1"
    assert holding["pledged"] == 2_000_000 and holding["free"] == holding["total"] - 2_000_000
    stock = {s["code"]: s for s in after["stocks"]}["600100"]
    old = {s["code"]: s for s in before["stocks"]}["600100"]
    assert stock["pledges"] == old["pledges"] + 1
    assert stock["unrestricted_pledged"] == old["unrestricted_pledged"] + 2_000_000
    assert after["market"]["pledged_value_fen"] == before["market"]["pledged_value_fen"] + 2_000_000 * 612


def test_a_court_freezes_and_lifts_through_the_command_line(cli: Cli) -> None:
    # Execute
    frozen = cli.json("freeze apply", members.COURT, "600200", "F0007", "1000000", "(2024)Hu-CLI-1")
    [holding] = cli.json("holdings", members.REGISTRAR, "--account", "F0007", "--code", "600200")
    lifted = cli.json("freeze lift", members.COURT, frozen["result"]["freeze_id"])
    [after] = cli.json("holdings", members.REGISTRAR, "--account", "F0007", "--code", "600200")
    # Assert
    assert frozen["result"]["state"] == "effective" and holding["frozen"] == 1_000_000
    assert lifted["valid"] is True and after["frozen"] == 0


def test_a_pledge_over_sixty_percent_is_refused_with_its_reason_and_exit_code(cli: Cli) -> None:
    # Prepare: 1,000,000 shares at CNY 6.12 against CNY 5m is an 82% pledge rate
    words = [
        "K-CLI-RATE",
        "F0000",
        "600100",
        "1000000",
        "bank-02",
        "--amount-fen",
        "500000000",
        "--price-fen",
        "612",
    ]
    # Execute: refused on this machine, then (--no-preflight) by the registrar's verdict on the chain
    local = cli("pledge register", "broker-01", *words)
    recorded = cli("pledge register", "broker-01", *words, "--no-preflight")
    # Assert: contract refusals exit with 8 and say why, in the registrar's words
    assert local[0] == 8 and local[2].startswith("error [pledge_rate_exceeded]:")
    assert recorded[0] == 8 and recorded[2].startswith(
        "error [pledge_rate_exceeded]: register.pledge refused"
    )
    assert "refused the sealed terms" in recorded[2] and "500000000" not in recorded[2]


def test_a_public_rule_refusal_names_the_free_shares(cli: Cli) -> None:
    # Execute: F0001 holds 150m shares of 600100; pledge 160m
    words = ["K-CLI-OVER", "F0001", "600100", "160000000", "bank-01"]
    code, _out, err = cli(
        "pledge register", "broker-02", *words, "--amount-fen", "900000000", "--price-fen", "612"
    )
    # Assert
    assert code == 8 and err.startswith("error [over_pledge]:") and "are free" in err


def test_the_wrong_org_is_refused(cli: Cli) -> None:
    # Execute: an org that is no member, and a broker trying a court's freeze
    stranger = cli("holdings", "nobody", "--account", "F0006")
    broker = cli("freeze apply", "broker-01", "600100", "F0006", "1000", "(2024)Hu-X")
    # Assert
    assert stranger[0] == 5 and stranger[2].startswith("error [not_found]:") and "nobody" in stranger[2]
    assert broker[0] == 9 and broker[2].startswith("error [role_denied]:") and "court" in broker[2]
