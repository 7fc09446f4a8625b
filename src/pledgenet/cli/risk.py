"""``pledgenet risk``: views, stress, cascade, alerts and reports over a book.

The book comes from an alliance directory (``--dir``: the member ``--org`` reads the contracts it is
entitled to at the on-chain closes of ``--date``, the latest by default) or, without ``--dir``, from the
simulated market (``--seed``, ``--contracts``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from pledgenet.cli import app
from pledgenet.errors import DataError, MissingPrice
from pledgenet.risk.book import Market, PledgeBook

risk_app = typer.Typer(
    help="Penetrating risk supervision: views, stress, cascade, alerts, reports.", no_args_is_help=True
)
app.add_typer(risk_app, name="risk")
console = Console()

DirOpt = Annotated[
    Path | None, typer.Option("--dir", help="alliance directory (default: the simulated market)")
]
OrgOpt = Annotated[str, typer.Option("--org", help="the member whose entitled view is loaded")]
DateOpt = Annotated[str, typer.Option("--date", help="trade date of the on-chain closes (default: latest)")]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed of the simulated market")]
ContractsOpt = Annotated[int, typer.Option("--contracts", help="contracts in the simulated book")]
ShockOpt = Annotated[float, typer.Option("--shock", help="uniform price fall applied first (0.2 = -20%)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
TopOpt = Annotated[int, typer.Option("--top", help="rows to show")]
VIEWS = ("stock", "shareholder", "controller", "pledgee", "industry", "board", "flags")


def load(
    directory: Path | None, org: str, date: str, seed: int, contracts: int
) -> tuple[Market, PledgeBook, int]:
    """The market, the book and the valuation day, from the alliance or the simulator."""
    if directory is None:
        from pledgenet.sim.book import BookShape, generate

        market, book = generate(seed=seed, contracts=contracts)
        return market, book, BookShape().as_of_day
    from pledgenet.contracts.market import latest_trade_date
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.risk.source import load_book

    with Alliance.open(directory) as alliance:
        peer = alliance.peer(org)
        trade_date = date or latest_trade_date(peer)
        if trade_date is None:
            raise MissingPrice("no closing prices have been published on this alliance yet")
        loaded = load_book(peer, org, alliance.member(org).encryption_private_key, trade_date)
    if loaded.not_entitled:
        console.print(f"[dim]{org} is not entitled to {loaded.not_entitled} contracts; they are left out[/]")
    return loaded.market, loaded.book, loaded.as_of_day


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


def _show(frame: pd.DataFrame, title: str, top: int, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_records(frame.head(top)), indent=2))
        return
    table = Table(title=title)
    shown = frame.head(top)
    for column in shown.columns:
        table.add_column(str(column), justify="right")
    for _, row in shown.iterrows():
        table.add_row(*[f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


def _shocked(market: Market, shock: float) -> np.ndarray:
    from pledgenet.risk.stress import uniform_shock

    return market.price_fen * (1.0 + uniform_shock(market, shock))


@risk_app.command("views")
def views(
    by: Annotated[str, typer.Option("--by", help=f"one of: {', '.join(VIEWS)}")] = "pledgee",
    directory: DirOpt = None, org: OrgOpt = "csrc", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, shock: ShockOpt = 0.0, top: TopOpt = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A penetrating view of the book (after an optional uniform shock)."""
    from pledgenet.risk import views as v
    from pledgenet.risk.valuation import value_book

    if by not in VIEWS:
        raise DataError(f"unknown view {by!r}; use one of: {', '.join(VIEWS)}")
    market, book, day = load(directory, org, date, seed, contracts)
    market = market.with_prices(_shocked(market, shock))
    valuation = value_book(book, market.price_fen, day)
    frames = {
        "stock": lambda: v.by_stock(book, market),
        "shareholder": lambda: v.by_shareholder(book, market, valuation),
        "controller": lambda: v.by_controller(book, market, valuation),
        "pledgee": lambda: v.by_pledgee(book, market, valuation),
        "industry": lambda: v.by_group(book, market, valuation, "industry"),
        "board": lambda: v.by_group(book, market, valuation, "board"),
        "flags": lambda: v.flags(book, market, valuation),
    }
    _show(frames[by](), f"by {by}: {book.size:,} contracts", top, as_json)


@risk_app.command("stress")
def stress(
    directory: DirOpt = None, org: OrgOpt = "csrc", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """The standard stress scenarios: uniform falls, a ChiNext/STAR shock, limit-down days."""
    from pledgenet.risk.stress import run_stress, standard_scenarios

    market, book, day = load(directory, org, date, seed, contracts)
    _show(run_stress(book, market, standard_scenarios(market), day), "stress", 50, as_json)


@risk_app.command("cascade")
def cascade(
    directory: DirOpt = None, org: OrgOpt = "csrc", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, shock: ShockOpt = 0.2,
    days: Annotated[int, typer.Option("--days", help="trading days to run")] = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """A fire-sale cascade after a uniform shock: breaches per day, losses per pledgee, driving stocks."""
    from pledgenet.risk.cascade import CascadeParams, run_cascade
    from pledgenet.risk.stress import uniform_shock

    market, book, day = load(directory, org, date, seed, contracts)
    result = run_cascade(book, market, day, uniform_shock(market, shock), params=CascadeParams(days=days))
    if as_json:
        payload = {**result.summary(), "losses_by_pledgee": _records(result.losses_by_pledgee.head(20)),
                   "drivers": _records(result.drivers.head(20))}  # fmt: skip
        typer.echo(json.dumps(payload, indent=2))
        return
    series = pd.DataFrame({"day": np.arange(days), "triggered": result.triggered, "new": result.new_breaches,
                           "in_disposal": result.in_disposal, "shortfall_cny_m": result.shortfall_fen / 1e8,
                           "sales_cny_m": result.forced_sales_fen / 1e8})  # fmt: skip
    _show(series, "cascade by day", days, False)
    _show(result.losses_by_pledgee, "losses by pledgee (fen)", 10, False)
    _show(result.drivers, "stocks driving the spiral", 10, False)


@risk_app.command("alerts")
def alerts(
    shock: ShockOpt = 0.1, directory: DirOpt = None, org: OrgOpt = "csrc", date: DateOpt = "",
    seed: SeedOpt = 20241206, contracts: ContractsOpt = 20_000, top: TopOpt = 20, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Line crossings caused by a uniform shock, with their recipients."""
    from pledgenet.risk.alerts import detect_alerts
    from pledgenet.risk.valuation import value_book

    market, book, day = load(directory, org, date, seed, contracts)
    before = value_book(book, market.price_fen, day)
    after = value_book(book, _shocked(market, shock), day)
    found = detect_alerts(book, market, before, after, registrar="csdc", regulator="csrc")
    _show(pd.DataFrame([a.as_dict() for a in found]), f"{len(found)} alerts", top, as_json)


@risk_app.command("report")
def report(
    out: Annotated[Path, typer.Option("--out", help="folder for the CSV and HTML files")] = Path("reports"),
    directory: DirOpt = None, org: OrgOpt = "csrc", date: DateOpt = "", seed: SeedOpt = 20241206,
    contracts: ContractsOpt = 20_000, as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """The registrar's weekly statistics (CSV, HTML) and the regulator's risk report (HTML)."""
    from pledgenet.risk.reports import write_risk_report, write_weekly_report
    from pledgenet.risk.stress import run_stress, standard_scenarios
    from pledgenet.risk.valuation import value_book

    market, book, day = load(directory, org, date, seed, contracts)
    label = str(np.datetime64(day, "D"))
    stress_results = run_stress(book, market, standard_scenarios(market), day)
    paths = {**write_weekly_report(book, market, out, label)}
    paths["risk_html"] = write_risk_report(
        book, market, value_book(book, market.price_fen, day), out, label, stress_results
    )["html"]
    if as_json:
        typer.echo(json.dumps({name: str(path) for name, path in paths.items()}, indent=2))
        return
    for name, path in paths.items():
        console.print(f"{name}: {path}")
