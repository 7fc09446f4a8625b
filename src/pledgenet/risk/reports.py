"""Reports: the registrar's weekly statistics (CSV and HTML) and the regulator's risk report (HTML, JSON).

The weekly statistics follow what the registrar publishes each Friday: per stock the number of pledges,
unrestricted and restricted shares pledged, total shares and the pledge ratio; market-wide the companies
with pledges, pledged market value and shares, and companies by ratio bucket (>50%, 30-50%, 20-30%,
10-20%, <10%). They are level-1 (public) data once published. The regulator's report adds what only the
regulator sees: the distribution of guarantee ratios, contracts by status, the largest exposures and the
stress results. This module gives them as data; ``pledgenet.web.reports`` writes the CSV and the HTML pages
in the dashboard's presentation (headings people read, CNY amounts, "—" for what does not apply), one
self-contained file each (plotly.js inline, so the report opens without any network).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from pledgenet.risk.breakdowns import (
    RATIO_BUCKETS,
    by_pledgee,
    by_stock,
    concentration,
    ratio_bucket,
)
from pledgenet.risk.pledge_book import BOARDS, STATUS_NAMES, Market, PledgeBook
from pledgenet.risk.valuation import Valuation

WEEKLY_COLUMNS = (
    "code",
    "name",
    "pledges",
    "unrestricted_pledged",
    "restricted_pledged",
    "total_shares",
    "pledge_ratio",
)


def weekly_statistics(book: PledgeBook, market: Market) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-stock rows (registrar's columns, by code) and the market-wide summary."""
    stocks = by_stock(book, market)
    per_stock = stocks[list(WEEKLY_COLUMNS)].sort_values("code", kind="stable").reset_index(drop=True)
    buckets = np.bincount(ratio_bucket(stocks["pledge_ratio"].to_numpy()), minlength=len(RATIO_BUCKETS))
    board_of = {code: board for code, board in zip(stocks["code"], stocks["board"], strict=True)}
    summary: dict[str, Any] = {
        "companies_with_pledges": len(stocks),
        "pledged_value_fen": round(float(stocks["pledged_value_fen"].sum())),
        "pledged_shares": int(stocks["unrestricted_pledged"].sum() + stocks["restricted_pledged"].sum()),
        "unrestricted_share": float(
            stocks["unrestricted_pledged"].sum()
            / max(1, stocks["unrestricted_pledged"].sum() + stocks["restricted_pledged"].sum())
        ),
        "companies_by_ratio_bucket": {name: int(buckets[i]) for i, name in enumerate(RATIO_BUCKETS)},
        "companies_by_board": {b: int(sum(1 for c in board_of.values() if c == b)) for b in BOARDS},
        "pledged_value_fen_by_board": {
            b: round(float(stocks.loc[stocks["board"] == b, "pledged_value_fen"].sum())) for b in BOARDS
        },
        "highest_pledge_ratio": float(stocks["pledge_ratio"].max()) if len(stocks) else 0.0,
    }
    return per_stock, summary


def risk_report(
    book: PledgeBook, market: Market, valuation: Valuation, stress_results: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The regulator's figures as plain data (what ``--json`` prints and the HTML shows)."""
    pledgees = by_pledgee(book, market, valuation)
    owed = valuation.owed_fen
    largest = np.argsort(-owed)[:20]
    bins = np.array([0.0, 1.0, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0, 2.5, 3.0, np.inf])
    counts, _ = np.histogram(valuation.guarantee_ratio, bins=bins)
    labels = [
        f"{low:.0%}-{high:.0%}" if np.isfinite(high) else f">{low:.0%}"
        for low, high in itertools.pairwise(bins)
    ]
    return {
        "as_of_day": valuation.as_of_day,
        "contracts": book.size,
        "by_status": valuation.count_by_status(),
        "exposure_fen": round(float(owed.sum())),
        "collateral_fen": round(float(valuation.collateral_fen.sum())),
        "average_guarantee_ratio": float(valuation.collateral_fen.sum() / max(owed.sum(), 1.0)),
        "ratio_distribution": dict(zip(labels, (int(c) for c in counts), strict=True)),
        "shortfall_to_closing_fen": round(float(valuation.shortfall_to_closing_fen().sum())),
        "concentration_hhi": concentration(book, market, valuation),
        "largest_exposures": [
            {
                "contract_id": str(book.contract_ids[row]),
                "code": str(market.codes[book.stock[row]]),
                "pledgee": str(book.lenders.org[book.pledgee[row]]),
                "owed_fen": round(float(owed[row])),
                "guarantee_ratio": round(float(valuation.guarantee_ratio[row]), 4),
                "status": STATUS_NAMES[int(valuation.status[row])],
            }
            for row in largest
        ],
        "pledgees": pledgees.head(20).to_dict(orient="records"),
        "stress": [] if stress_results is None else stress_results.to_dict(orient="records"),
    }
