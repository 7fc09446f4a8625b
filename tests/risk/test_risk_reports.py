"""The registrar's weekly statistics and the regulator's risk report."""

from __future__ import annotations

import csv
from pathlib import Path

from risk_fixtures import Tiny

from pledgenet.risk.reports import risk_report, weekly_statistics
from pledgenet.risk.stress import run_stress, standard_scenarios
from pledgenet.risk.valuation import value_book
from pledgenet.web.reports import write_risk_report, write_weekly_report


def test_weekly_statistics_per_stock_and_buckets(tiny: Tiny) -> None:
    # Execute
    per_stock, summary = weekly_statistics(tiny.book, tiny.market)
    # Assert: Alpha 40%, Beta 5%, Gamma 10%
    assert list(per_stock["code"]) == ["300001", "600001", "600002"]
    assert summary["companies_with_pledges"] == 3
    assert summary["pledged_shares"] == 600_000
    assert summary["companies_by_ratio_bucket"] == {
        ">50%": 0,
        "30-50%": 1,
        "20-30%": 0,
        "10-20%": 1,
        "<10%": 1,
    }
    assert summary["pledged_value_fen"] == 400_000 * 1_000 + 100_000 * 2_000 + 100_000 * 500


def test_weekly_report_files_are_written_and_self_contained(tiny: Tiny, tmp_path: Path) -> None:
    # Execute
    paths = write_weekly_report(tiny.book, tiny.market, tmp_path, "2024-12-06")
    # Assert
    with paths["csv"].open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0].keys() >= {"code", "pledges", "unrestricted_pledged", "restricted_pledged", "pledge_ratio"}
    page = paths["html"].read_text()
    assert "Plotly.newPlot" in page
    assert "<script src=" not in page  # plotly.js is inline: the page opens without a network


def test_risk_report_has_the_regulators_figures(tiny: Tiny, tmp_path: Path) -> None:
    # Prepare
    valuation = value_book(tiny.book, tiny.market.price_fen * [0.65, 1.0, 1.0], tiny.as_of)
    stress = run_stress(tiny.book, tiny.market, standard_scenarios(tiny.market), tiny.as_of)
    # Execute
    report = risk_report(tiny.book, tiny.market, valuation, stress)
    page = write_risk_report(tiny.book, tiny.market, valuation, tmp_path, "2024-12-06", stress)[
        "html"
    ].read_text()
    # Assert
    assert report["by_status"]["triggered"] == 2
    assert sum(report["ratio_distribution"].values()) == 4
    assert report["largest_exposures"][0]["contract_id"] == "c0"
    assert len(report["stress"]) == 6
    assert "Stress results" in page and "5 limit-down days" in page
