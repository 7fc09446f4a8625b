"""JSON views of risk supervision for one member: its contracts against their lines, its alert inbox, and
(for the regulator) the penetrating views, concentration, stress and the fire-sale cascade.

The book is what the member may read (``risk.source.load_book`` with its own key) at the latest on-chain
closes; a stock without a close is left out and said so. Amounts stay in fen and ratios in fractions
here; the pages format them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pledgenet.api.routes.views_node import NodeView
from pledgenet.api.routes.views_register import PLEDGEE_ROLES, require_role
from pledgenet.contracts.market import latest_trade_date
from pledgenet.errors import DataError, MissingPrice
from pledgenet.risk.pledge_book import Market, PledgeBook
from pledgenet.risk.source import LoadedBook
from pledgenet.risk.valuation import Valuation

VIEWS = ("stock", "shareholder", "controller", "pledgee", "industry", "board")


@dataclass(frozen=True)
class Loaded:
    source: LoadedBook
    valuation: Valuation

    @property
    def book(self) -> PledgeBook:
        return self.source.book

    @property
    def market(self) -> Market:
        return self.source.market


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with NaN as None (JSON has no NaN; the page shows "—")."""
    return [
        {
            key: (None if isinstance(value, float) and not np.isfinite(value) else value)
            for key, value in row.items()
        }
        for row in frame.astype(object).to_dict(orient="records")
    ]


def load(node: NodeView) -> Loaded:
    from pledgenet.risk.source import load_book
    from pledgenet.risk.valuation import value_book

    key = node.member().encryption_private_key
    with node.read() as peer:
        trade_date = latest_trade_date(peer)
        if trade_date is None:
            raise MissingPrice("no closing prices have been published on this alliance yet")
        source = load_book(peer, node.org, key, trade_date, allow_missing=True)
    return Loaded(source, value_book(source.book, source.market.price_fen, source.as_of_day))


def my_contracts(node: NodeView) -> dict[str, Any]:
    """The pledgee's own contracts, worst first, with the distance of the ratio to each line."""
    from pledgenet.risk.breakdowns import by_contract

    require_role(node, PLEDGEE_ROLES, "the pledgee's contracts")
    loaded = load(node)
    frame = by_contract(loaded.book, loaded.market, loaded.valuation, loaded.source.days_below())
    frame = frame[frame["pledgee"] == node.org].copy()
    frame["to_warning"] = frame["ratio"] - frame["warning_line"]
    frame["to_closing"] = frame["ratio"] - frame["closing_line"]
    return {"trade_date": loaded.source.trade_date, "contracts": _records(frame)}


def contract_valuation(node: NodeView, contract_no: str) -> dict[str, Any] | None:
    """One contract against its lines at the latest closes, when this member may read its terms."""
    from pledgenet.risk.breakdowns import by_contract

    loaded = load(node)
    frame = by_contract(loaded.book, loaded.market, loaded.valuation)
    frame = frame[frame["contract"] == contract_no].copy()
    if not len(frame):
        return None
    frame["to_warning"] = frame["ratio"] - frame["warning_line"]
    frame["to_closing"] = frame["ratio"] - frame["closing_line"]
    return {"trade_date": loaded.source.trade_date, **_records(frame)[0]}


def alerts(node: NodeView) -> dict[str, Any]:
    """Line crossings between consecutive on-chain closes delivered to this member (all for overseers)."""
    from pledgenet.risk.alerts import detect_alerts
    from pledgenet.risk.valuation import value_book

    loaded = load(node)
    history, book, market = loaded.source.history, loaded.book, loaded.market
    overseers = loaded.source.overseers
    rows: list[dict[str, Any]] = []
    previous = None
    for index in range(history.size):
        prices = history.price_fen[index]
        if np.isnan(prices[book.stock]).any():
            continue
        current = value_book(book, prices, int(history.days[index]))
        if previous is not None:
            found = detect_alerts(
                book,
                market,
                previous,
                current,
                registrar=overseers.registrars,
                regulator=overseers.regulators,
            )
            for alert in found:
                if node.org in alert.recipients:
                    row = alert.as_dict()
                    row["trade_date"] = history.trade_dates[index]
                    row["change"] = f"{alert.from_status} -> {alert.to_status}"
                    rows.append(row)
        previous = current
    return {"trade_date": loaded.source.trade_date, "alerts": rows[::-1]}


def penetrating(node: NodeView, by: str) -> dict[str, Any]:
    from pledgenet.risk import breakdowns as v

    require_role(node, {"regulator"}, "the penetrating views")
    if by not in VIEWS:
        raise DataError(f"unknown view {by!r}; use one of: {', '.join(VIEWS)}")
    loaded = load(node)
    book, market, valuation = loaded.book, loaded.market, loaded.valuation
    frames = {
        "stock": lambda: v.by_stock(book, market),
        "shareholder": lambda: v.by_shareholder(book, market, valuation),
        "controller": lambda: v.by_controller(book, market, valuation),
        "pledgee": lambda: v.by_pledgee(book, market, valuation),
        "industry": lambda: v.by_group(book, market, valuation, "industry"),
        "board": lambda: v.by_group(book, market, valuation, "board"),
    }
    return {
        "trade_date": loaded.source.trade_date,
        "contracts": book.size,
        "rows": _records(frames[by]()),
        "flags": _records(v.flags(book, market, valuation)),
    }


def report(node: NodeView) -> dict[str, Any]:
    """The regulator's risk report as data (``risk.reports.risk_report``) with the groups and stress
    results the report page shows, at the latest closes."""
    from pledgenet.risk.breakdowns import by_group
    from pledgenet.risk.reports import risk_report
    from pledgenet.risk.stress import run_stress, standard_scenarios

    require_role(node, {"regulator"}, "the risk report")
    loaded = load(node)
    book, market, valuation = loaded.book, loaded.market, loaded.valuation
    stress_results = run_stress(book, market, standard_scenarios(market), loaded.source.as_of_day)
    return {
        "trade_date": loaded.source.trade_date,
        "report": risk_report(book, market, valuation, stress_results),
        "boards": by_group(book, market, valuation, "board"),
        "industries": by_group(book, market, valuation, "industry").head(15),
        "stress": stress_results,
    }


def concentration(node: NodeView) -> dict[str, Any]:
    from pledgenet.risk.reports import risk_report

    require_role(node, {"regulator"}, "concentration")
    loaded = load(node)
    report = risk_report(loaded.book, loaded.market, loaded.valuation)
    return {
        "trade_date": loaded.source.trade_date,
        "hhi": report["concentration_hhi"],
        "largest_exposures": report["largest_exposures"],
        "report": report,
    }


def stress(node: NodeView, shock: float, days: int) -> dict[str, Any]:
    """The standard stress scenarios plus a uniform fall of ``shock``, and the cascade it sets off."""
    from pledgenet.risk.cascade import CascadeParams, run_cascade
    from pledgenet.risk.stress import run_stress, standard_scenarios, uniform_shock

    require_role(node, {"regulator"}, "stress tests")
    if not 1 <= days <= 60:
        raise DataError("the cascade runs for 1 to 60 trading days")
    loaded = load(node)
    book, market, day = loaded.book, loaded.market, loaded.source.as_of_day
    scenarios = {**standard_scenarios(market), f"uniform -{shock:.0%}": uniform_shock(market, shock)}
    results = run_stress(book, market, scenarios, day)
    cascade = run_cascade(book, market, day, uniform_shock(market, shock), params=CascadeParams(days=days))
    series = pd.DataFrame(
        {
            "day": np.arange(1, days + 1),
            "triggered": cascade.triggered,
            "new": cascade.new_breaches,
            "in_disposal": cascade.in_disposal,
            "shortfall_fen": cascade.shortfall_fen,
            "uncovered_fen": cascade.uncovered_fen,
            "sales_fen": cascade.forced_sales_fen,
        }
    )
    return {
        "trade_date": loaded.source.trade_date,
        "shock": shock,
        "stress": _records(results),
        "cascade": _records(series),
        "losses": _records(cascade.losses_by_pledgee.head(10)),
    }
