"""Pledge commands: ``pledgenet pledge register|topup|release|repurchase|extend|default|dispose`` and the
lookups ``pledgenet pledge show|list|contract|events``, ``pledgenet holdings``, ``pledgenet stats weekly``.

Every command acts as one member (``--as ORG``) of the alliance in ``--dir`` and goes through
``RegisterClient`` (operations) or ``register.member_views`` (lookups), so the same rules and sealing apply;
``--json`` prints JSON. Sealed terms are opened only for an entitled ``--as``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import AsOpt, DirOpt, JsonOpt, console, member_client, print_json, print_receipt
from pledgenet.contracts.register.terms import make_terms
from pledgenet.register import member_views
from pledgenet.register.tables import weekly_summary, weekly_table

pledge_app = typer.Typer(help="Pledge registration, its life cycle and lookups.", no_args_is_help=True)
stats_app = typer.Typer(help="The registrar's statistics.", no_args_is_help=True)
app.add_typer(pledge_app, name="pledge")
app.add_typer(stats_app, name="stats")

PreflightOpt = Annotated[
    bool,
    typer.Option(
        "--preflight/--no-preflight",
        help="check the sealed terms here first (--no-preflight: a violation is recorded on the chain"
        " as an invalid transaction with the registrar's reason code)",
    ),
]


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
    price_fen: Annotated[
        int, typer.Option(help="start price in fen (the rate uses the lower of it and the close on chain)")
    ],
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
    with member_client(directory, org) as client:
        print_receipt(
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
        start_price_fen=price_fen,
    )
    with member_client(directory, org) as client:
        print_receipt(
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
    with member_client(directory, org) as client:
        print_receipt(client.release(registration_no=registration_no, quantity=quantity), as_json)


@pledge_app.command("repurchase")
def repurchase(
    directory: DirOpt, org: AsOpt, contract_no: str, early: bool = False, as_json: JsonOpt = False
) -> None:
    """Repurchase: release every registration of the contract (``--early`` for settlement type 01)."""
    with member_client(directory, org) as client:
        print_receipt(client.repurchase(contract_no=contract_no, early=early), as_json)


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
        amount_fen=amount_fen,
        term_days=term_days,
        start_price_fen=price_fen,
    )
    with member_client(directory, org) as client:
        print_receipt(client.extend(contract_no=contract_no, terms=terms, preflight=preflight), as_json)


@pledge_app.command("default")
def declare_default(
    directory: DirOpt, org: AsOpt, contract_no: str, reason: str, as_json: JsonOpt = False
) -> None:
    """Pledgee: put a contract into default disposal (closing_line, failure_to_repurchase, ...)."""
    with member_client(directory, org) as client:
        print_receipt(client.declare_default(contract_no=contract_no, reason=reason), as_json)


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
    with member_client(directory, org) as client:
        print_receipt(
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
    """A registration: public elements, the sealed terms when ``--as`` is entitled to read them, and the
    documents anchored to it (``pledgenet doc anchor``)."""
    from pledgenet.data.client import documents_of

    with member_client(directory, org) as client:
        registration = client.registration(registration_no)
        documents = documents_of(client.peer, "registration", registration_no)
    print_json({**registration, "documents": documents})


# ---------------------------------------------------------------------- lookups


@pledge_app.command("list")
def list_pledges(
    directory: DirOpt,
    org: AsOpt,
    code: Annotated[str | None, typer.Option(help="the stock's registrations")] = None,
    account: Annotated[str | None, typer.Option(help="the pledgor account's registrations")] = None,
    include_closed: Annotated[bool, typer.Option("--all", help="released and disposed ones too")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Registrations of a stock or an account: public elements, sealed terms only if --as is entitled."""
    with member_client(directory, org) as client:
        rows = member_views.pledges(client, code=code, account=account, include_closed=include_closed)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "registration", "contract", "code", "pledgor", "pledgee", "quantity", "state", "amount (CNY)"
    )
    for row in rows:
        terms = row["terms"]
        amount = f"{terms['amount_fen'] // 100:,}" if isinstance(terms, dict) else "sealed"
        table.add_row(
            row["registration_no"],
            row["contract_no"],
            row["code"],
            row["pledgor"]["account"],
            row["pledgee"]["org"],
            f"{row['quantity']:,}",
            row["state"],
            amount,
        )
    console.print(table)


@pledge_app.command("contract")
def show_contract(directory: DirOpt, org: AsOpt, contract_no: str, as_json: JsonOpt = False) -> None:
    """A pledge contract (public): parties, state, settlement type and its registrations."""
    with member_client(directory, org) as client:
        record = client.pledge_contract(contract_no)
    if as_json:
        print_json(record)
        return
    console.print(
        f"{record['contract_no']}: {record['account']} pledges {record['code']} to "
        f"{record['pledgee']['org']} (custody {record['custody_broker']}); state {record['state']}, "
        f"settlement type {record['settlement_type']}"
    )
    registrations, still_open = record["registrations"], record["open_registrations"]
    console.print(f"registrations: {', '.join(registrations)}; open: {', '.join(still_open) or '-'}")


@pledge_app.command("events")
def register_events(
    directory: DirOpt,
    org: AsOpt,
    since: Annotated[int, typer.Option(help="from this block height on")] = 0,
    name: Annotated[
        list[str] | None,
        typer.Option(help="only these events, e.g. pledge_registered, disclosure_due (repeat)"),
    ] = None,
    code: Annotated[str | None, typer.Option(help="only events naming this stock")] = None,
    account: Annotated[str | None, typer.Option(help="only events naming this account")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The register's events (registration, release, freeze, disposal, disclosure duties) from a height."""
    with member_client(directory, org) as client:
        rows = member_views.events(client, since_height=since, names=name or (), code=code, account=account)
    if as_json:
        print_json(rows)
        return
    table = Table("height", "event", "details")
    for row in rows:
        details = ", ".join(f"{k}={v}" for k, v in sorted(row["payload"].items()))
        table.add_row(str(row["height"]), row["name"].removeprefix("register."), details)
    console.print(table)


@app.command("holdings")
def holdings(
    directory: DirOpt,
    org: AsOpt,
    account: Annotated[str | None, typer.Option()] = None,
    code: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Holdings of an account or a stock: total, free, restricted, pledged, frozen."""
    with member_client(directory, org) as client:
        rows = client.holdings(account=account, code=code)
    if as_json:
        print_json(rows)
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
    with member_client(directory, org) as client:
        stats = client.weekly_statistics(as_of=as_of or "latest", prices=prices or None)
    if as_json:
        print_json(stats)
    else:
        console.print(weekly_table(stats))
        for line in weekly_summary(stats):
            console.print(line)
