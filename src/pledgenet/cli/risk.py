"""``pledgenet risk``: contracts, views, stress, cascade, alerts and reports over a book.

The book comes from an alliance directory (``--dir``: the member ``--org`` reads the contracts it is
entitled to at the on-chain closes of ``--date``, the latest by default; without ``--org`` the alliance's
regulator, found by its role) or, without ``--dir``, from the simulated market (``--seed``, ``--contracts``).
Tables show chosen columns in CNY millions and percentages; ``--json`` prints every column in raw units
(fen, fractions). Notes (stocks left out, contracts the member may not read) go to stderr, so ``--json``
output stays parseable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from pledgenet.cli.app import app
from pledgenet.cli.deps import console, notes, print_json
from pledgenet.errors import DataError, MissingPrice
from pledgenet.risk.display import table
from pledgenet.risk.pledge_book import IntArray, Market, PledgeBook

risk_app = typer.Typer(
    help="Penetrating risk supervision: contracts, views, stress, cascade, alerts, reports.",
    no_args_is_help=True,
)
app.add_typer(risk_app, name="risk")

DirOpt = Annotated[
    Path | None, typer.Option("--dir", help="alliance directory (default: the simulated market)")
]
OrgOpt = Annotated[
    str, typer.Option("--org", help="the member whose entitled view is loaded (default: the regulator)")
]
DateOpt = Annotated[str, typer.Option("--date", help="trade date of the on-chain closes (default: latest)")]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed of the simulated market")]
ContractsOpt = Annotated[int, typer.Option("--contracts", help="contracts in the simulated book")]
ShockOpt = Annotated[float, typer.Option("--shock", help="uniform price fall applied first (0.2 = -20%)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON (every column, raw units)")]
TopOpt = Annotated[int, typer.Option("--top", help="rows to show")]
VIEWS = ("stock", "shareholder", "controller", "pledgee", "industry", "board", "flags")


@dataclass(frozen=True)
class Source:
    """A book to analyse: its market, contracts, valuation day and who gets alerts."""

    market: Market
    book: PledgeBook
    day: int
    org: str
    registrars: tuple[str, ...]
    regulators: tuple[str, ...]
    #: days each contract has stood below its closing line over the on-chain closes (alliances only)
    days_below: IntArray | None = None


def load(directory: Path | None, org: str, date: str, seed: int, contracts: int) -> Source:
    """The market, the book and the valuation day, from the alliance or the simulator."""
    if directory is None:
        from pledgenet.demo.members import REGISTRAR, REGULATOR
        from pledgenet.sim.synthetic_book import BookShape, generate

        market, book = generate(seed=seed, contracts=contracts)
        # the simulator has no alliance: alerts are addressed to the demo members' registrar and regulator
        return Source(market, book, BookShape().as_of_day, org or REGULATOR, (REGISTRAR,), (REGULATOR,))
    from pledgenet.contracts.catalog import open_alliance
    from pledgenet.contracts.market import latest_trade_date
    from pledgenet.risk.chain import check_member, overseers
    from pledgenet.risk.source import load_book

    with open_alliance(directory) as alliance:
        governance = alliance.producer_peer
        org = org or overseers(governance).supervisor
        check_member(governance, org)
        peer = alliance.peer(org)
        trade_date = date or latest_trade_date(peer)
        if trade_date is None:
            raise MissingPrice("no closing prices have been published on this alliance yet")
        loaded = load_book(
            peer, org, alliance.member(org).encryption_private_key, trade_date, allow_missing=True
        )
        days_below = loaded.days_below()
    late = " (published late)" if loaded.late else ""
    notes.print(f"[dim]{org}'s view at the closes of {trade_date}{late}: {loaded.book.size} contracts[/]")
    if loaded.not_entitled:
        notes.print(f"[dim]{org} is not entitled to {loaded.not_entitled} contracts; they are left out[/]")
    for code, why in loaded.left_out.items():
        notes.print(f"[dim]{code} left out: {why}[/]")
    for action in loaded.pending_actions():
        notes.print(f"[dim]not yet applied by the register (closes scaled to its quantities): {action}[/]")
    return Source(
        loaded.market,
        loaded.book,
        loaded.as_of_day,
        org,
        loaded.overseers.registrars,
        loaded.overseers.regulators,
        days_below,
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return list(json.loads(frame.to_json(orient="records")))


def _show(frame: pd.DataFrame, spec: str, title: str, top: int, as_json: bool) -> None:
    if as_json:
        print_json(_records(frame.head(top)), sort_keys=False)
        return
    console.print(table(frame, spec, title, top))


def _shocked(market: Market, shock: float) -> np.ndarray:
    from pledgenet.risk.stress import uniform_shock

    return market.price_fen * (1.0 + uniform_shock(market, shock))


@risk_app.command("contracts")
def contracts_view(
    directory: DirOpt = None, org: OrgOpt = "", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, shock: ShockOpt = 0.0, top: TopOpt = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Every contract, worst first: ratio against its own lines, status, the close at which it hits the
    closing line, and the days it has stood below that line over the on-chain closes."""
    from pledgenet.risk.breakdowns import by_contract
    from pledgenet.risk.valuation import value_book

    source = load(directory, org, date, seed, contracts)
    market = source.market.with_prices(_shocked(source.market, shock))
    valuation = value_book(source.book, market.price_fen, source.day)
    days = source.days_below if shock == 0.0 else None
    frame = by_contract(source.book, market, valuation, days)
    _show(frame, "contracts", f"{source.book.size:,} contracts seen by {source.org}", top, as_json)


@risk_app.command("views")
def views(
    by: Annotated[str, typer.Option("--by", help=f"one of: {', '.join(VIEWS)}")] = "pledgee",
    directory: DirOpt = None, org: OrgOpt = "", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, shock: ShockOpt = 0.0, top: TopOpt = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A penetrating view of the book (after an optional uniform shock)."""
    from pledgenet.risk import breakdowns as v
    from pledgenet.risk.valuation import value_book

    if by not in VIEWS:
        raise DataError(f"unknown view {by!r}; use one of: {', '.join(VIEWS)}")
    source = load(directory, org, date, seed, contracts)
    book = source.book
    market = source.market.with_prices(_shocked(source.market, shock))
    valuation = value_book(book, market.price_fen, source.day)
    frames = {
        "stock": lambda: v.by_stock(book, market),
        "shareholder": lambda: v.by_shareholder(book, market, valuation),
        "controller": lambda: v.by_controller(book, market, valuation),
        "pledgee": lambda: v.by_pledgee(book, market, valuation),
        "industry": lambda: v.by_group(book, market, valuation, "industry"),
        "board": lambda: v.by_group(book, market, valuation, "board"),
        "flags": lambda: v.flags(book, market, valuation),
    }  # fmt: skip
    _show(frames[by](), by, f"by {by}: {book.size:,} contracts seen by {source.org}", top, as_json)


@risk_app.command("stress")
def stress(
    directory: DirOpt = None, org: OrgOpt = "", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """The standard stress scenarios: uniform falls, a ChiNext/STAR shock, limit-down days."""
    from pledgenet.risk.stress import run_stress, standard_scenarios

    source = load(directory, org, date, seed, contracts)
    results = run_stress(source.book, source.market, standard_scenarios(source.market), source.day)
    _show(results, "stress", f"stress: {source.book.size:,} contracts", 50, as_json)


@risk_app.command("cascade")
def cascade(
    directory: DirOpt = None, org: OrgOpt = "", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, shock: ShockOpt = 0.2,
    days: Annotated[int, typer.Option("--days", help="trading days to run")] = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A fire-sale cascade after a uniform shock: breaches per day, losses per pledgee, driving stocks."""
    from pledgenet.risk.cascade import CascadeParams, run_cascade
    from pledgenet.risk.stress import uniform_shock

    source = load(directory, org, date, seed, contracts)
    result = run_cascade(
        source.book,
        source.market,
        source.day,
        uniform_shock(source.market, shock),
        params=CascadeParams(days=days),
    )
    if as_json:
        payload = {**result.summary(), "losses_by_pledgee": _records(result.losses_by_pledgee.head(20)),
                   "drivers": _records(result.drivers.head(20))}  # fmt: skip
        print_json(payload, sort_keys=False)
        return
    series = pd.DataFrame({"day": np.arange(days), "triggered": result.triggered, "new": result.new_breaches,
                           "in_disposal": result.in_disposal, "shortfall_fen": result.shortfall_fen,
                           "uncovered_fen": result.uncovered_fen,
                           "sales_fen": result.forced_sales_fen})  # fmt: skip
    console.print(table(series, "cascade", f"cascade after a {shock:.0%} fall, by day"))
    console.print(table(result.losses_by_pledgee, "losses", "losses by pledgee", 10))
    console.print(table(result.drivers, "drivers", "stocks driving the spiral", 10))


@risk_app.command("alerts")
def alerts(
    shock: ShockOpt = 0.1, directory: DirOpt = None, org: OrgOpt = "", date: DateOpt = "",
    seed: SeedOpt = 20241206, contracts: ContractsOpt = 20_000, top: TopOpt = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Line crossings caused by a uniform shock, with their recipients."""
    from pledgenet.risk.alerts import detect_alerts
    from pledgenet.risk.valuation import value_book

    source = load(directory, org, date, seed, contracts)
    before = value_book(source.book, source.market.price_fen, source.day)
    after = value_book(source.book, _shocked(source.market, shock), source.day)
    found = detect_alerts(
        source.book, source.market, before, after, registrar=source.registrars, regulator=source.regulators
    )
    frame = pd.DataFrame([a.as_dict() for a in found])
    if as_json:
        print_json(_records(frame.head(top)), sort_keys=False)
        return
    if len(frame):
        frame["change"] = frame["from_status"] + " -> " + frame["to_status"]
    console.print(table(frame, "alerts", f"{len(found)} alerts after a {shock:.0%} fall", top))


@risk_app.command("report")
def report(
    out: Annotated[Path, typer.Option("--out", help="folder for the CSV and HTML files")] = Path("reports"),
    directory: DirOpt = None, org: OrgOpt = "", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, as_json: JsonOpt = False,
    lang: Annotated[str, typer.Option("--lang", help="language of the HTML pages: en or zh-CN")] = "en",
) -> None:  # fmt: skip
    """The registrar's weekly statistics (CSV, HTML) and the regulator's risk report (HTML)."""
    from pledgenet.risk.stress import run_stress, standard_scenarios
    from pledgenet.risk.valuation import value_book
    from pledgenet.web.reports import write_risk_report, write_weekly_report

    source = load(directory, org, date, seed, contracts)
    book, market, day = source.book, source.market, source.day
    label = str(np.datetime64(day, "D"))
    stress_results = run_stress(book, market, standard_scenarios(market), day)
    if lang not in ("en", "zh-CN"):
        raise DataError(f"unknown language {lang!r}: use en or zh-CN")
    paths = {**write_weekly_report(book, market, out, label, lang)}
    paths["risk_html"] = write_risk_report(
        book, market, value_book(book, market.price_fen, day), out, label, stress_results, lang
    )["html"]
    if as_json:
        print_json({name: str(path) for name, path in paths.items()}, sort_keys=False)
        return
    for name, path in paths.items():
        console.print(f"{name}: {path}")
