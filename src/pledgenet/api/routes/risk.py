"""Risk supervision over the contracts this member may read, as ``pledgenet risk`` shows them.

The book is the member's own entitled view (``risk.source.load_book`` with the member's key) at the
on-chain closes of ``date`` (the latest by default): the regulator sees every contract, a bank its own.
Rows come in raw units (fen, fractions), every column, as ``--json`` prints them; ``null`` where a figure
does not apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query

from pledgenet.api.backend import MemberBackend
from pledgenet.api.deps import NodeDep
from pledgenet.errors import DataError, MissingPrice

router = APIRouter(prefix="/risk", tags=["risk"])

VIEWS = ("stock", "shareholder", "controller", "pledgee", "industry", "board", "flags")
DateQuery = Annotated[str, Query(description="trade date of the on-chain closes (default: latest)")]
ShockQuery = Annotated[
    float, Query(gt=-1.0, lt=1.0, description="uniform price fall applied first (0.2 = -20%)")
]
TopQuery = Annotated[int, Query(ge=1, le=100_000)]
Row = dict[str, Any]


@dataclass(frozen=True)
class MemberBook:
    """What the risk engine needs, as this member may see it, and what was left out."""

    loaded: Any  # risk.source.LoadedBook
    notes: list[str]


def load(backend: MemberBackend, date: str) -> MemberBook:
    from pledgenet.contracts.market import latest_trade_date
    from pledgenet.risk.source import load_book

    key = backend.member().encryption_private_key
    with backend.read() as peer:
        trade_date = date or latest_trade_date(peer)
        if trade_date is None:
            raise MissingPrice("no closing prices have been published on this alliance yet")
        loaded = load_book(peer, backend.org, key, trade_date, allow_missing=True)
    notes = [f"{backend.org}'s view at the closes of {trade_date}: {loaded.book.size} contracts"]
    if loaded.not_entitled:
        notes.append(f"{backend.org} is not entitled to {loaded.not_entitled} contracts; they are left out")
    notes += [f"{code} left out: {why}" for code, why in loaded.left_out.items()]
    return MemberBook(loaded, notes)


def records(frame: pd.DataFrame) -> list[Row]:
    return list(json.loads(frame.to_json(orient="records")))


def _shocked(market: Any, shock: float) -> Any:
    from pledgenet.risk.stress import uniform_shock

    return market.with_prices(market.price_fen * (1.0 + uniform_shock(market, shock)))


@router.get("/contracts", response_model=Row)
def contracts(backend: NodeDep, date: DateQuery = "", shock: ShockQuery = 0.0, top: TopQuery = 100) -> Row:
    """Every contract this member may read, worst first: guarantee ratio, status, distance to the lines,
    the close at which it hits the closing line, days below it."""
    from pledgenet.risk.breakdowns import by_contract
    from pledgenet.risk.valuation import value_book

    book = load(backend, date)
    loaded = book.loaded
    market = _shocked(loaded.market, shock)
    valuation = value_book(loaded.book, market.price_fen, loaded.as_of_day)
    days = loaded.days_below() if shock == 0.0 else None
    frame = by_contract(loaded.book, market, valuation, days)
    return {"trade_date": loaded.trade_date, "notes": book.notes, "rows": records(frame.head(top))}


@router.get("/views/{by}", response_model=Row)
def view(
    backend: NodeDep, by: str, date: DateQuery = "", shock: ShockQuery = 0.0, top: TopQuery = 100
) -> Row:
    """A penetrating view: by stock, shareholder, controller, pledgee, industry, board, or the flags."""
    from pledgenet.risk import breakdowns as v
    from pledgenet.risk.valuation import value_book

    if by not in VIEWS:
        raise DataError(f"unknown view {by!r}; use one of: {', '.join(VIEWS)}")
    book = load(backend, date)
    loaded = book.loaded
    market = _shocked(loaded.market, shock)
    valuation = value_book(loaded.book, market.price_fen, loaded.as_of_day)
    frames = {
        "stock": lambda: v.by_stock(loaded.book, market),
        "shareholder": lambda: v.by_shareholder(loaded.book, market, valuation),
        "controller": lambda: v.by_controller(loaded.book, market, valuation),
        "pledgee": lambda: v.by_pledgee(loaded.book, market, valuation),
        "industry": lambda: v.by_group(loaded.book, market, valuation, "industry"),
        "board": lambda: v.by_group(loaded.book, market, valuation, "board"),
        "flags": lambda: v.flags(loaded.book, market, valuation),
    }
    concentration = v.concentration(loaded.book, market, valuation)
    return {
        "trade_date": loaded.trade_date,
        "notes": book.notes,
        "concentration": concentration,
        "rows": records(frames[by]().head(top)),
    }


@router.get("/stress", response_model=Row)
def stress(backend: NodeDep, date: DateQuery = "") -> Row:
    """The standard stress scenarios: uniform falls, a ChiNext/STAR shock, limit-down days."""
    from pledgenet.risk.stress import run_stress, standard_scenarios

    book = load(backend, date)
    loaded = book.loaded
    results = run_stress(loaded.book, loaded.market, standard_scenarios(loaded.market), loaded.as_of_day)
    return {"trade_date": loaded.trade_date, "notes": book.notes, "rows": records(results)}


@router.get("/cascade", response_model=Row)
def cascade(
    backend: NodeDep,
    date: DateQuery = "",
    shock: ShockQuery = 0.2,
    days: Annotated[int, Query(ge=1, le=250)] = 20,
) -> Row:
    """A fire-sale cascade after a uniform shock: breaches per day, losses per pledgee, driving stocks."""
    from pledgenet.risk.cascade import CascadeParams, run_cascade
    from pledgenet.risk.stress import uniform_shock

    book = load(backend, date)
    loaded = book.loaded
    result = run_cascade(
        loaded.book,
        loaded.market,
        loaded.as_of_day,
        uniform_shock(loaded.market, shock),
        params=CascadeParams(days=days),
    )
    summary = json.loads(json.dumps(result.summary(), default=_plain))
    return {
        "trade_date": loaded.trade_date,
        "notes": book.notes,
        **summary,
        "losses_by_pledgee": records(result.losses_by_pledgee.head(20)),
        "drivers": records(result.drivers.head(20)),
    }


@router.get("/alerts", response_model=Row)
def alerts(backend: NodeDep, date: DateQuery = "", shock: ShockQuery = 0.1, top: TopQuery = 100) -> Row:
    """Line crossings a uniform shock would cause, with their recipients (pledgee, broker, overseers)."""
    from pledgenet.risk.alerts import detect_alerts
    from pledgenet.risk.valuation import value_book

    book = load(backend, date)
    loaded = book.loaded
    before = value_book(loaded.book, loaded.market.price_fen, loaded.as_of_day)
    after = value_book(loaded.book, _shocked(loaded.market, shock).price_fen, loaded.as_of_day)
    found = detect_alerts(
        loaded.book,
        loaded.market,
        before,
        after,
        registrar=loaded.overseers.registrars,
        regulator=loaded.overseers.regulators,
    )
    rows = json.loads(json.dumps([alert.as_dict() for alert in found[:top]], default=_plain))
    return {"trade_date": loaded.trade_date, "notes": book.notes, "count": len(found), "rows": rows}


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON values (NaN as null)."""
    if isinstance(value, np.ndarray):
        return [_plain(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and item != item else item
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
