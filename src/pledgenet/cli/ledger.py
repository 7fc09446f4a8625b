"""Ledger commands: init, demo, verify, and views of blocks, transactions and state (``--json``).

Each takes the alliance directory as ``--dir``, as every other command does (``pledgenet verify --dir D``);
the views (blocks, block, tx, state) read a member's node instead with ``--node URL --credential FILE``
(``cli.sources``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import DirOpt, JsonOpt, OrgOpt, console, print_json
from pledgenet.cli.sources import CredentialOpt, LedgerDirOpt, NodeOpt, ledger_source
from pledgenet.contracts.catalog import init_alliance
from pledgenet.errors import IntegrityError, StoreUnreadable
from pledgenet.ledger.alliance import MemberSpec


@app.command("init")
def init(
    directory: DirOpt,
    member: Annotated[
        list[str] | None,
        typer.Option(
            "--member", help="founding member as org:role1,role2 (repeat); default: a sample alliance"
        ),
    ] = None,
) -> None:
    """Create a new alliance directory with keys for the founding members and a genesis block."""
    from pledgenet.demo.runner import FOUNDERS

    founders = FOUNDERS
    if member:
        founders = []
        for text in member:
            org, _, roles = text.partition(":")
            founders.append(MemberSpec(org.strip(), [r.strip() for r in roles.split(",") if r.strip()]))
    with init_alliance(directory, founders) as alliance:
        console.print(f"alliance [bold]{alliance.alliance_id}[/] created in {directory}")
        console.print(f"members: {', '.join(alliance.orgs)}; genesis {alliance.config.genesis_hash[:16]}…")


@app.command("demo")
def demo(
    quick: Annotated[bool, typer.Option("--quick", help="a short run (under a minute)")] = False,
    directory: Annotated[Path, typer.Option("--dir", help="where to leave the alliance")] = Path(
        "demo-alliance"
    ),
) -> None:
    """Run an embedded alliance end to end and leave it in --dir (recreated on each run)."""
    from pledgenet.demo.runner import run_demo
    from pledgenet.web.demo import serve_instructions

    run_demo(directory, quick, console)
    for line in serve_instructions(directory):
        console.print(line, soft_wrap=True)


@app.command("verify")
def verify(directory: DirOpt, as_json: JsonOpt = False) -> None:
    """Re-derive every hash, signature, Merkle root and the state of every peer; name the first bad height."""
    from pledgenet.contracts.catalog import verify_alliance

    reports = verify_alliance(directory)
    if as_json:
        print_json([report.to_dict() for report in reports])
    else:
        for report in reports:
            if report.ok:
                console.print(f"[green]ok[/]  {report.path}: heights 0..{report.height} verified")
            elif report.unreadable:
                console.print(f"[yellow]UNREADABLE[/] {report.path}: {report.reason}")
            else:
                console.print(
                    f"[red]BAD[/] {report.path}: first bad height {report.first_bad_height}: {report.reason}"
                )
    bad = [report for report in reports if not report.ok and not report.unreadable]
    if bad:
        first = min(report.first_bad_height or 0 for report in bad)
        raise IntegrityError(f"verification failed; first bad height {first} ({bad[0].reason})")
    unread = [report for report in reports if report.unreadable]
    if unread:
        raise StoreUnreadable(
            f"{len(unread)} peer database(s) could not be read, so were not verified ({unread[0].reason})"
        )


@app.command("blocks")
def blocks(
    directory: LedgerDirOpt = None,
    org: OrgOpt = "",
    as_json: JsonOpt = False,
    last: int = 20,
    node: NodeOpt = None,
    credential: CredentialOpt = None,
) -> None:
    """List block headers (the last N)."""
    headers = ledger_source(directory, org, node, credential).headers(last)
    if as_json:
        print_json(headers)
        return
    table = Table("height", "hash", "txs", "timestamp", "state root (after previous)")
    for header in headers:
        table.add_row(str(header["height"]), header["hash"][:16], str(header["tx_count"]),
                      str(header["timestamp"]), header["state_root"][:16])  # fmt: skip
    console.print(table)


@app.command("block")
def block(
    height: int,
    directory: LedgerDirOpt = None,
    org: OrgOpt = "",
    as_json: JsonOpt = False,
    node: NodeOpt = None,
    credential: CredentialOpt = None,
) -> None:
    """One block: header and its transactions' outcomes."""
    found = ledger_source(directory, org, node, credential).block(height)
    if as_json:
        print_json(found)
        return
    console.print(found["header"])
    table = Table("#", "tx id", "type", "submitter", "valid", "code")
    for receipt in found["txs"]:
        table.add_row(str(receipt["index"]), receipt["tx_id"][:16], receipt["tx_type"], receipt["submitter"],
                      "yes" if receipt["valid"] else "[red]no[/]", receipt["code"])  # fmt: skip
    console.print(table)


@app.command("tx")
def tx(
    tx_id: str,
    directory: LedgerDirOpt = None,
    org: OrgOpt = "",
    as_json: JsonOpt = False,
    node: NodeOpt = None,
    credential: CredentialOpt = None,
) -> None:
    """A transaction by id, with its Merkle proof."""
    data = ledger_source(directory, org, node, credential).tx(tx_id)
    if as_json:
        print_json(data)
    else:
        console.print(data)


@app.command("state")
def state(
    prefix: Annotated[str, typer.Argument(help="a key, or a prefix ending in '/'")] = "",
    directory: LedgerDirOpt = None,
    org: OrgOpt = "",
    as_json: JsonOpt = False,
    history: Annotated[bool, typer.Option("--history", help="every version of the key")] = False,
    node: NodeOpt = None,
    credential: CredentialOpt = None,
) -> None:
    """World state by key or prefix, or a key's history."""
    source = ledger_source(directory, org, node, credential)
    if history:
        versions = source.history(prefix)
        if as_json:
            print_json(versions)
        else:
            for version in versions:
                console.print(version)
        return
    rows = source.range(prefix)
    if as_json:
        print_json({key: value for key, value in rows})
        return
    table = Table("key", "value")
    for key, value in rows:
        text = json.dumps(value, sort_keys=True)
        table.add_row(key, text if len(text) < 120 else text[:117] + "...")
    console.print(table)
