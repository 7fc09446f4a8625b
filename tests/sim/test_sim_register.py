"""The simulated book registered through the real register, read back by entitled members; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import pledgenet.cli.commands  # noqa: F401  (registers the commands)
from pledgenet.cli.app import app
from pledgenet.contracts.catalog import open_alliance
from pledgenet.demo.simulated_register import REGULATOR, pick_slice, register_slice
from pledgenet.risk.source import load_book
from pledgenet.sim.synthetic_book import generate


@pytest.fixture(scope="module")
def simulated() -> tuple:
    return generate(seed=20241206, contracts=5_000)


def test_a_registered_slice_reads_back_with_the_same_terms(simulated: tuple, tmp_path: Path) -> None:
    # Prepare
    market, book = simulated
    rows = pick_slice(market, book, 12, seed=1)
    # Execute
    done = register_slice(tmp_path / "alliance", market, book, rows)
    with open_alliance(tmp_path / "alliance") as alliance:
        regulator = load_book(
            alliance.peer(REGULATOR),
            REGULATOR,
            alliance.member(REGULATOR).encryption_private_key,
            done.trade_date,
        )
        pledgee = str(book.lenders.org[book.pledgee[rows[0]]])
        own = load_book(
            alliance.peer(pledgee), pledgee, alliance.member(pledgee).encryption_private_key, done.trade_date
        )
    # Assert: every contract went through the register and comes back with its principal and lines
    assert done.registered == 12 and done.refused == {}
    loaded = {str(c): i for i, c in enumerate(regulator.book.contract_ids)}
    for row in rows:
        i = loaded[str(book.contract_ids[row])]
        assert regulator.book.principal_fen[i] == book.principal_fen[row]
        assert regulator.book.shares[i] == book.shares[row]
        assert regulator.book.closing_line_bp[i] == book.closing_line_bp[row]
    np.testing.assert_array_equal(
        np.sort(regulator.market.price_fen), np.sort(np.round(market.price_fen[np.unique(book.stock[rows])]))
    )
    assert 0 < own.book.size < 12 and own.book.size + own.not_entitled == 12


def test_a_slice_with_more_accounts_than_one_transaction_holds_is_registered(
    simulated: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prepare: three accounts per transaction, so a slice of 8 contracts needs several of them
    monkeypatch.setattr("pledgenet.demo.simulated_register.ACCOUNTS_PER_TX", 3)
    market, book = simulated
    rows = pick_slice(market, book, 8, seed=2)
    # Execute
    done = register_slice(tmp_path / "alliance", market, book, rows)
    # Assert: every account was opened (by several transactions) and every pledge went to the register
    # (which may refuse one by its rules: the generated book is not pre-filtered by them)
    with open_alliance(tmp_path / "alliance") as alliance:
        peer = alliance.peer(REGULATOR)
        opened = [r for h in range(1, peer.height + 1) for r in peer.receipts_at(h)]
        account_txs = [r for r in opened if r.tx_type == "register.open_accounts"]
    assert done.registered + sum(done.refused.values()) == 8 and done.registered >= 6
    assert set(done.refused) <= {"product_cap_exceeded", "pledgee_cap_exceeded", "stock_cap_exceeded"}
    assert len(account_txs) >= 3 and all(r.valid for r in account_txs)


def test_cli_calibrate_views_and_report(tmp_path: Path) -> None:
    # Prepare
    runner = CliRunner()
    # Execute
    calibrated = runner.invoke(app, ["sim", "calibrate", "--contracts", "3000", "--json"])
    flags = runner.invoke(
        app, ["risk", "views", "--by", "flags", "--contracts", "3000", "--json", "--top", "5"]
    )
    report = runner.invoke(app, ["risk", "report", "--contracts", "3000", "--out", str(tmp_path), "--json"])
    bad = runner.invoke(app, ["risk", "views", "--by", "planet", "--contracts", "3000"])
    # Assert
    assert calibrated.exit_code == 0, calibrated.output
    assert all(row["relative_error"] <= 0.05 for row in json.loads(calibrated.output)["figures"])
    assert flags.exit_code == 0 and len(json.loads(flags.output)) == 5
    assert report.exit_code == 0, report.output
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".csv", ".html", ".html"]
    assert bad.exit_code != 0


def test_cli_registers_a_slice_then_reads_it_back(tmp_path: Path) -> None:
    # Prepare
    runner = CliRunner()
    directory = tmp_path / "sim-alliance"
    # Execute
    registered = runner.invoke(
        app, ["sim", "register", "--dir", str(directory), "--contracts", "6", "--json"]
    )
    contracts = runner.invoke(app, ["risk", "contracts", "--dir", str(directory), "--json"])
    # Assert: the slice's contracts, read by the regulator (found by role) at the published closes
    assert registered.exit_code == 0, registered.output
    done = json.loads(registered.stdout)
    assert done["registered"] == 6 and done["refused"] == {}
    assert contracts.exit_code == 0, contracts.output
    rows = json.loads(contracts.stdout)
    assert len(rows) == 6
    assert {row["code"] for row in rows} <= set(done["stocks"])
    assert all(
        row["ratio"] > 0 and row["pledgee"].split("-")[0] in ("broker", "bank", "trust") for row in rows
    )
