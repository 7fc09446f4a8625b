"""Freeze commands: ``pledgenet freeze apply|lift|transfer`` (court members) and ``pledgenet freeze queue``.

Like ``cli.pledge``, every command acts as one member (``--as ORG``) of the alliance in ``--dir`` and goes
through ``RegisterClient`` (operations) or ``register.member_views`` (the queue); ``--json`` prints JSON.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import AsOpt, DirOpt, JsonOpt, console, member_client, print_json, print_receipt
from pledgenet.contracts.register import keys
from pledgenet.register import member_views

freeze_app = typer.Typer(
    help="Judicial freezes (court members) and a holding's freeze queue.", no_args_is_help=True
)
app.add_typer(freeze_app, name="freeze")


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
    with member_client(directory, org) as client:
        print_receipt(
            client.freeze(code=code, account=account, quantity=quantity, case_no=case_no, queued=queued),
            as_json,
        )


@freeze_app.command("lift")
def lift(directory: DirOpt, org: AsOpt, freeze_id: str, as_json: JsonOpt = False) -> None:
    """The freezing court: unfreeze (the queue moves up)."""
    with member_client(directory, org) as client:
        print_receipt(client.unfreeze(freeze_id=freeze_id), as_json)


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
    with member_client(directory, org) as client:
        print_receipt(
            client.judicial_transfer(freeze_id=freeze_id, to_account=to_account, quantity=quantity), as_json
        )


@freeze_app.command("queue")
def freeze_queue(directory: DirOpt, org: AsOpt, code: str, account: str, as_json: JsonOpt = False) -> None:
    """A holding's effective freezes and its queue of waiting freezes, in the order they take effect."""
    with member_client(directory, org) as client:
        view = member_views.freeze_queue(client, code, account)
    if as_json:
        print_json(view)
        return
    free = view["free_by_class"]
    console.print(
        f"{code} / {account}: total {view['total']:,}, free {free[keys.UNRESTRICTED]:,} unrestricted + "
        f"{free[keys.RESTRICTED]:,} restricted, pledged {view['pledged']:,}, frozen {view['frozen']:,}"
    )
    table = Table("position", "freeze", "court", "case", "quantity", "state")
    for freeze in view["effective"]:
        table.add_row("-", freeze["freeze_id"], freeze["court"], freeze["case_no"], f"{freeze['quantity']:,}",
                      freeze["state"])  # fmt: skip
    for freeze in view["queued"]:
        table.add_row(str(freeze["position"]), freeze["freeze_id"], freeze["court"], freeze["case_no"],
                      f"{freeze['quantity']:,}", freeze["state"])  # fmt: skip
    console.print(table)
