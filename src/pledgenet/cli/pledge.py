"""Register commands: ``pledgenet pledge ...``, ``pledgenet freeze ...``, ``pledgenet holdings``,
``pledgenet stats weekly`` (each with ``--json``). Every command acts as one member (``--as ORG``) of an
embedded alliance directory and goes through ``RegisterClient``, so the same rules and sealing apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.contracts.register.terms import make_terms
from pledgenet.register.client import RegisterClient
from pledgenet.register.tables import weekly_summary, weekly_table

console = Console()
pledge_app = typer.Typer(help="Pledge registration and its life cycle.", no_args_is_help=True)
freeze_app = typer.Typer(help="Judicial freezes (court members).", no_args_is_help=True)
stats_app = typer.Typer(help="The registrar's statistics.", no_args_is_help=True)
app.add_typer(pledge_app, name="pledge")
app.add_typer(freeze_app, name="freeze")
app.add_typer(stats_app, name="stats")

DirOpt = Annotated[Path, typer.Option("--dir", help="the alliance directory")]
AsOpt = Annotated[str, typer.Option("--as", help="the member org acting (its keys sign)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
PreflightOpt = Annotated[
    bool,
    typer.Option(
        "--preflight/--no-preflight",
        help="check the sealed terms here first (--no-preflight: a violation is recorded on the chain"
        " as an invalid transaction with the registrar's reason code)",
    ),
]


@contextmanager
def _client(directory: Path, org: str) -> Iterator[RegisterClient]:
    from pledgenet.contracts.catalog import open_alliance

    alliance = open_alliance(directory)
    try:
        yield RegisterClient(alliance, org)
    finally:
        alliance.close()


def _done(receipt: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(receipt.to_dict(), indent=2, sort_keys=True))
        return
    console.print(f"[green]committed[/green] {receipt.tx_type} at height {receipt.height}: {receipt.result}")
    for event in receipt.events:
        console.print(f"  event {event['name']}: {event['payload']}")


@pledge_app.command("register")
def register(
    directory: DirOpt,
    org: AsOpt,
    contract_no: str,
    account: str,
    code: str,
    quantity: int,
    pledgee: str,
    amount_fen: Annotated[int, typer.Option(help="financing amount in fen")],
    price_fen: Annotated[int, typer.Option(help="previous close in fen (for the pledge rate)")],
    rate_bp: int = 600,
    term_days: int = 365,
    use_of_funds: str = "01",
    warning_bp: int = 16_000,
    closing_bp: int = 14_000,
    share_class: str = "unrestricted",
    preflight: PreflightOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Initial pledge; the terms are sealed for the entitled members and reviewed by the registrar."""
    terms = make_terms(
        business_type="financing_initial" if amount_fen else "non_financing",
        amount_fen=amount_fen,
        annual_rate_bp=rate_bp,
        term_days=term_days,
        use_of_funds=use_of_funds,
        warning_line_bp=warning_bp,
        closing_line_bp=closing_bp,
        start_price_fen=price_fen,
    )
    with _client(directory, org) as client:
        _done(
            client.pledge(
                contract_no=contract_no,
                account=account,
                code=code,
                quantity=quantity,
                pledgee=pledgee,
                terms=terms,
                share_class=share_class,
                preflight=preflight,
            ),
            as_json,
        )


@pledge_app.command("topup")
def topup(
    directory: DirOpt,
    org: AsOpt,
    contract_no: str,
    quantity: int,
    price_fen: Annotated[int, typer.Option()],
    amount_fen: int = 0,
    preflight: PreflightOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Top-up pledge under an open contract."""
    terms = make_terms(
        business_type="financing_top_up",
        amount_fen=amount_fen,
        annual_rate_bp=0,
        term_days=365,
        use_of_funds="01",
        warning_line_bp=16_000,
        closing_line_bp=14_000,
        start_price_fen=price_fen,
    )
    with _client(directory, org) as client:
        _done(
            client.top_up(contract_no=contract_no, quantity=quantity, terms=terms, preflight=preflight),
            as_json,
        )


@pledge_app.command("release")
def release(
    directory: DirOpt,
    org: AsOpt,
    registration_no: str,
    quantity: Annotated[int | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Partial (``--quantity``) or full release of one registration."""
    with _client(directory, org) as client:
        _done(client.release(registration_no=registration_no, quantity=quantity), as_json)


@pledge_app.command("repurchase")
def repurchase(
    directory: DirOpt, org: AsOpt, contract_no: str, early: bool = False, as_json: JsonOpt = False
) -> None:
    """Repurchase: release every registration of the contract (``--early`` for settlement type 01)."""
    with _client(directory, org) as client:
        _done(client.repurchase(contract_no=contract_no, early=early), as_json)


@pledge_app.command("extend")
def extend(
    directory: DirOpt,
    org: AsOpt,
    contract_no: str,
    term_days: int,
    price_fen: Annotated[int, typer.Option()],
    amount_fen: int = 0,
    preflight: PreflightOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Extension with a new term (past three years only for a contract in default)."""
    terms = make_terms(
        business_type="financing_initial",
        amount_fen=amount_fen,
        annual_rate_bp=600,
        term_days=term_days,
        use_of_funds="01",
        warning_line_bp=16_000,
        closing_line_bp=14_000,
        start_price_fen=price_fen,
    )
    with _client(directory, org) as client:
        _done(client.extend(contract_no=contract_no, terms=terms, preflight=preflight), as_json)


@pledge_app.command("default")
def declare_default(
    directory: DirOpt, org: AsOpt, contract_no: str, reason: str, as_json: JsonOpt = False
) -> None:
    """Pledgee: put a contract into default disposal (closing_line, failure_to_repurchase, ...)."""
    with _client(directory, org) as client:
        _done(client.declare_default(contract_no=contract_no, reason=reason), as_json)


@pledge_app.command("dispose")
def dispose(
    directory: DirOpt,
    org: AsOpt,
    registration_no: str,
    mode: str,
    quantity: Annotated[int | None, typer.Option()] = None,
    channel: str = "auction",
    to_account: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Pledgee: dispose of pledged shares (mode ``sellable`` or ``transfer --to-account``)."""
    with _client(directory, org) as client:
        _done(
            client.dispose(
                registration_no=registration_no,
                mode=mode,
                quantity=quantity,
                channel=channel,
                to_account=to_account,
            ),
            as_json,
        )


@pledge_app.command("show")
def show(directory: DirOpt, org: AsOpt, registration_no: str) -> None:
    """A registration: public elements, and the sealed terms when ``--as`` is entitled to read them."""
    with _client(directory, org) as client:
        typer.echo(json.dumps(client.registration(registration_no), indent=2, sort_keys=True, default=str))


@freeze_app.command("apply")
def freeze(
    directory: DirOpt,
    org: AsOpt,
    code: str,
    account: str,
    quantity: int,
    case_no: str,
    queued: Annotated[bool, typer.Option("--queued", help="queue behind earlier freezes/pledges")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Court: judicial freeze of free shares, or a queued freeze."""
    with _client(directory, org) as client:
        _done(
            client.freeze(code=code, account=account, quantity=quantity, case_no=case_no, queued=queued),
            as_json,
        )


@freeze_app.command("lift")
def lift(directory: DirOpt, org: AsOpt, freeze_id: str, as_json: JsonOpt = False) -> None:
    """The freezing court: unfreeze (the queue moves up)."""
    with _client(directory, org) as client:
        _done(client.unfreeze(freeze_id=freeze_id), as_json)


@freeze_app.command("transfer")
def judicial_transfer(
    directory: DirOpt,
    org: AsOpt,
    freeze_id: str,
    to_account: str,
    quantity: Annotated[int | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """The freezing court: judicial transfer of frozen shares."""
    with _client(directory, org) as client:
        _done(
            client.judicial_transfer(freeze_id=freeze_id, to_account=to_account, quantity=quantity), as_json
        )


@app.command("holdings")
def holdings(
    directory: DirOpt,
    org: AsOpt,
    account: Annotated[str | None, typer.Option()] = None,
    code: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Holdings of an account or a stock: total, free, restricted, pledged, frozen."""
    with _client(directory, org) as client:
        rows = client.holdings(account=account, code=code)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    table = Table("code", "account", "total", "free", "restricted", "pledged", "frozen", "queued")
    for row in rows:
        table.add_row(
            row["code"],
            row["account"],
            *(f"{row[k]:,}" for k in ("total", "free", "restricted", "pledged", "frozen")),
            str(len(row["queued_freezes"])),
        )
    console.print(table)


@stats_app.command("weekly")
def weekly(
    directory: DirOpt,
    org: AsOpt,
    as_of: str = "",
    as_json: JsonOpt = False,
    price: Annotated[list[str] | None, typer.Option(help="CODE=FEN closing price (repeat)")] = None,
) -> None:
    """The registrar's weekly statistics per stock and market-wide buckets."""
    prices: dict[str, int] = {}
    for item in price or []:
        code, _, fen = item.partition("=")
        if not code or not fen.isdigit():
            raise typer.BadParameter(f"--price takes CODE=FEN (a closing price in fen), not {item!r}")
        prices[code] = int(fen)
    with _client(directory, org) as client:
        stats = client.weekly_statistics(as_of=as_of or "latest", prices=prices or None)
    if as_json:
        typer.echo(json.dumps(stats, indent=2, sort_keys=True))
    else:
        console.print(weekly_table(stats))
        for line in weekly_summary(stats):
            console.print(line)
