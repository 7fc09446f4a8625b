"""The register's book on the command line: ``pledgenet security ...`` and ``pledgenet account ...``.

Like ``cli.pledge``, every command acts as one member (``--as ORG``) of an embedded alliance directory,
goes through ``RegisterClient`` (operations) or ``register.member_views`` (queries), prints ``--json`` on
request, and lets ``cli.run`` map refusals to ``error [<reason code>]: ...`` and the exit code. Sealed
fields (an account's identity data, a registration's terms) are opened only for an entitled ``--as``;
identity data given here is sealed by the client before anything is signed or submitted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import AsOpt, DirOpt, JsonOpt, console, member_client, print_json, print_receipt
from pledgenet.contracts.register import keys
from pledgenet.errors import BadRegisterArguments
from pledgenet.register import member_views

security_app = typer.Typer(
    help="Securities: listing, share transfers, corporate actions.", no_args_is_help=True
)
account_app = typer.Typer(help="Securities accounts (identity data sealed).", no_args_is_help=True)
app.add_typer(security_app, name="security")
app.add_typer(account_app, name="account")

HOLDER_TYPES = {"individual": keys.BORROWER_INDIVIDUAL, "institution": keys.BORROWER_INSTITUTION}


def _choice(option: str, value: str, allowed: Any) -> str:
    """Refuse a value outside the register's vocabulary here, before anything is signed."""
    if value not in allowed:
        raise BadRegisterArguments(f"{option} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _placement(text: str) -> dict[str, Any]:
    """``ACCOUNT=UNRESTRICTED[,RESTRICTED]`` as a listing's holding."""
    account, _, quantities = text.partition("=")
    parts = quantities.split(",")
    if not account or not 1 <= len(parts) <= 2 or not all(part.isdigit() for part in parts):
        raise BadRegisterArguments(
            f"--holding takes ACCOUNT=UNRESTRICTED[,RESTRICTED] (shares), not {text!r}"
        )
    placement: dict[str, Any] = {"account": account, keys.UNRESTRICTED: int(parts[0])}
    if len(parts) == 2:
        placement[keys.RESTRICTED] = int(parts[1])
    return placement


# ---------------------------------------------------------------------- securities


@security_app.command("register")
def register_security(
    directory: DirOpt,
    org: AsOpt,
    code: str,
    short_name: Annotated[str, typer.Option(help="the stock's short name")],
    holding: Annotated[
        list[str],
        typer.Option(help="ACCOUNT=UNRESTRICTED[,RESTRICTED]: where the capital sits (repeat; all of it)"),
    ],
    board: Annotated[str, typer.Option(help="main, chinext, star or bse")] = "main",
    industry: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option(help="default A-share")] = None,
    total_shares: Annotated[
        int | None, typer.Option(help="the share capital (default: the sum of --holding; checked if given)")
    ] = None,
    restricted_shares: Annotated[
        int | None, typer.Option(help="default: the sum placed as restricted")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Registrar: list a security and place its whole share capital in existing accounts."""
    _choice("--board", board, keys.BOARDS)
    placements = [_placement(text) for text in holding]
    restricted = sum(p.get(keys.RESTRICTED, 0) for p in placements)
    security: dict[str, Any] = {
        "code": code,
        "short_name": short_name,
        "board": board,
        "total_shares": total_shares
        if total_shares is not None
        else restricted + sum(p[keys.UNRESTRICTED] for p in placements),
        "restricted_shares": restricted_shares if restricted_shares is not None else restricted,
        "holdings": placements,
    }
    if industry is not None:
        security["industry"] = industry
    if category is not None:
        security["category"] = category
    with member_client(directory, org) as client:
        print_receipt(client.list_security(**security), as_json)


@security_app.command("show")
def show_securities(
    directory: DirOpt,
    org: AsOpt,
    code: Annotated[str | None, typer.Argument()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Listed securities (or one): board, capital, restricted shares, pledges and shares pledged."""
    with member_client(directory, org) as client:
        rows = member_views.securities(client, code)
    if as_json:
        print_json(rows)
        return
    table = Table("code", "name", "board", "industry", "total shares", "restricted", "pledges", "pledged")
    for row in rows:
        table.add_row(
            row["code"],
            row["short_name"],
            row["board"],
            row["industry"],
            f"{row['total_shares']:,}",
            f"{row['restricted_shares']:,}",
            str(row["pledges"]),
            f"{sum(row['pledged'].values()):,}",
        )
    console.print(table)


@security_app.command("transfer")
def transfer_shares(
    directory: DirOpt,
    org: AsOpt,
    code: str,
    from_account: str,
    to_account: str,
    quantity: int,
    share_class: Annotated[str, typer.Option(help="unrestricted or restricted")] = "unrestricted",
    as_json: JsonOpt = False,
) -> None:
    """The source account's custody broker: move free shares to another account (its broker co-signs)."""
    _choice("--share-class", share_class, keys.SHARE_CLASSES)
    with member_client(directory, org) as client:
        receipt = client.transfer(
            code=code,
            from_account=from_account,
            to_account=to_account,
            quantity=quantity,
            share_class=share_class,
        )
        print_receipt(receipt, as_json)


@security_app.command("bonus")
def bonus_shares(directory: DirOpt, org: AsOpt, code: str, per_10: int, as_json: JsonOpt = False) -> None:
    """Registrar: bonus or transfer shares, PER_10 new shares for every 10 (pledges and freezes follow)."""
    with member_client(directory, org) as client:
        print_receipt(client.corporate_action(code=code, kind="bonus", per_10=per_10), as_json)


@security_app.command("split")
def split_shares(
    directory: DirOpt, org: AsOpt, code: str, numerator: int, denominator: int, as_json: JsonOpt = False
) -> None:
    """Registrar: split (or consolidate) every holding, pledge and freeze by NUMERATOR/DENOMINATOR."""
    with member_client(directory, org) as client:
        print_receipt(
            client.corporate_action(code=code, kind="split", numerator=numerator, denominator=denominator),
            as_json,
        )


# ---------------------------------------------------------------------- accounts


def _accounts_from_file(path: Path) -> list[dict[str, Any]]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BadRegisterArguments(f"--file {path}: {error}") from None
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict) for item in items):
        raise BadRegisterArguments(f"--file {path} must hold an account object or a list of them")
    return items


@account_app.command("open")
def open_account(
    directory: DirOpt,
    org: AsOpt,
    account: Annotated[str | None, typer.Argument(help="the account number (or --file)")] = None,
    holder_name: Annotated[str | None, typer.Option()] = None,
    holder_type: Annotated[str, typer.Option(help="individual or institution")] = "individual",
    custody_broker: Annotated[str | None, typer.Option(help="the broker member keeping the account")] = None,
    controls: Annotated[
        list[str] | None,
        typer.Option(help="CODE of which the holder is the controlling shareholder (repeat)"),
    ] = None,
    financial_institution: Annotated[bool, typer.Option("--financial-institution")] = False,
    id_type: Annotated[str | None, typer.Option(help="identity document type (sealed)")] = None,
    id_number: Annotated[
        str | None, typer.Option(help="identity number (sealed; --file keeps it off the shell history)")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="JSON account object(s) as RegisterClient.open_accounts takes them"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Registrar or the custody broker: open securities accounts; identity data is sealed for the custody
    broker, the registrar and the regulator before it leaves this machine."""
    _choice("--holder-type", holder_type, HOLDER_TYPES)
    if (account is None) == (file is None):
        raise BadRegisterArguments("give either ACCOUNT (with --holder-name, --custody-broker) or --file")
    if file is not None:
        items = _accounts_from_file(file)
    else:
        if not holder_name or not custody_broker:
            raise BadRegisterArguments("an account needs --holder-name and --custody-broker")
        if (id_type is None) != (id_number is None):
            raise BadRegisterArguments("identity data needs both --id-type and --id-number")
        item: dict[str, Any] = {
            "account": account,
            "holder_name": holder_name,
            "holder_type": HOLDER_TYPES[holder_type],
            "financial_institution": financial_institution,
            "custody_broker": custody_broker,
            "controlling_shareholder_of": sorted(set(controls or [])),
        }
        if id_type is not None:
            item["identity"] = {"id_type": id_type, "id_number": id_number}
        items = [item]
    with member_client(directory, org) as client:
        print_receipt(client.open_accounts(items), as_json)


@account_app.command("show")
def show_account(directory: DirOpt, org: AsOpt, account: str, as_json: JsonOpt = False) -> None:
    """An account: holder, custody broker, controlling-shareholder links; identity if --as is entitled."""
    with member_client(directory, org) as client:
        view = member_views.account(client, account)
    if as_json:
        print_json(view)
        return
    for name in ("account", "holder_name", "holder_type", "financial_institution", "custody_broker"):
        console.print(f"{name}: {view[name]}")
    console.print(f"controlling shareholder of: {', '.join(view['controlling_shareholder_of']) or '-'}")
    console.print(f"identity: {view['identity']} (readable by {', '.join(view['identity_readers']) or '-'})")
