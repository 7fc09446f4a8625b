"""What the command modules share, in the spirit of a FastAPI app's ``deps``: the options every command
spells the same way, the client factory, and one way of printing JSON, receipts and tables.

    --dir DIR      the alliance directory (every command that reads or writes one)
    --as ORG       the member acting: its keys sign, its peer is read, its entitlements apply
    --org ORG      whose peer a ledger view reads (default: the first member's)
    --json         print JSON (sorted keys, two-space indent) instead of tables

Output that is not a terminal (a pipe, a log file, CI) gets ``WIDTH`` columns instead of rich's 80, so
tables are not cut (``COLUMNS`` in the environment still wins).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pledgenet.contracts.catalog import all_contracts, open_alliance
from pledgenet.ledger.alliance import read_config
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.records import TxReceipt
from pledgenet.register.client import RegisterClient

#: columns of output that is not a terminal (wide enough for every table the commands print)
WIDTH = 160


def make_console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr): the terminal's width, or ``WIDTH`` when it is not a terminal."""
    probe = Console(stderr=stderr)
    if probe.is_terminal or "COLUMNS" in os.environ:
        return probe
    return Console(stderr=stderr, width=WIDTH)


console = make_console()
notes = make_console(stderr=True)

DirOpt = Annotated[Path, typer.Option("--dir", help="the alliance directory")]
AsOpt = Annotated[str, typer.Option("--as", help="the member org acting (its keys sign)")]
OrgOpt = Annotated[str, typer.Option("--org", help="whose peer to read (default: the first member's)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@contextmanager
def member_client(directory: Path, org: str) -> Iterator[RegisterClient]:
    """The register client of member ``org`` over the alliance in ``directory`` (closed afterwards)."""
    alliance = open_alliance(directory)
    try:
        yield RegisterClient(alliance, org)
    finally:
        alliance.close()


def member_peer(directory: Path, org: str) -> Peer:
    """Member ``org``'s peer of the alliance in ``directory`` (the first member's when ``org`` is empty)."""
    config = read_config(directory)
    chosen = org or config.orgs[0]
    if chosen not in config.orgs:
        raise typer.BadParameter(f"no member {chosen!r}; members: {', '.join(config.orgs)}")
    return Peer(directory / "orgs" / chosen / "peer.db", contracts=all_contracts(), org=chosen,
                genesis_hash=config.genesis_hash)  # fmt: skip


def print_json(value: Any, *, sort_keys: bool = True) -> None:
    """``value`` as JSON on stdout (two-space indent, sorted keys unless the order is the content's, as a
    table's columns are; dates and other objects as their text)."""
    typer.echo(json.dumps(value, indent=2, sort_keys=sort_keys, default=str))


def print_receipt(receipt: TxReceipt, as_json: bool) -> None:
    """A committed transaction: the receipt as JSON, or its type, height, result and events."""
    if as_json:
        print_json(receipt.to_dict())
        return
    console.print(f"[green]committed[/green] {receipt.tx_type} at height {receipt.height}: {receipt.result}")
    for event in receipt.events:
        console.print(f"  event {event['name']}: {event['payload']}")
