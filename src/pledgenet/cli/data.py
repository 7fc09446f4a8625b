"""Data as a governed asset on the command line: ``pledgenet data ...`` and ``pledgenet doc ...``.

Every command acts as one member (``--as ORG``) of an embedded alliance directory (``--dir``) through
``pledgenet.data.client.DataClient``, prints ``--json`` on request, and lets ``cli.run`` map a refusal to
``error [<reason code>]: ...`` and its exit code. ``data fetch`` plays the owner's node in process (in the
embedded alliance the owner's store and keys are local): the use is recorded on the chain first, and the
copy comes sealed for the requester alone. Jobs are in ``cli.jobs``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import AsOpt, DirOpt, JsonOpt, console, print_json
from pledgenet.contracts.catalog import open_alliance
from pledgenet.contracts.data import keys
from pledgenet.data.client import DataClient
from pledgenet.data.sharing import OwnerService, fetch
from pledgenet.errors import BadDataArguments

data_app = typer.Typer(help="Datasets: catalog, grants, sealed copies, the use log.", no_args_is_help=True)
doc_app = typer.Typer(help="Documents as evidence: anchor, verify, list.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(doc_app, name="doc")


@contextmanager
def data_client(directory: Path, org: str) -> Iterator[DataClient]:
    """The data client of member ``org`` over the alliance in ``directory`` (closed afterwards)."""
    alliance = open_alliance(directory)
    try:
        yield DataClient(alliance, org)
    finally:
        alliance.close()


def _column_spec(text: str) -> tuple[str, dict[str, Any]]:
    """``NAME=LEVEL[:PI]`` (``id=3:C2``) as a column's classification."""
    name, _, grade = text.partition("=")
    level, _, pi = grade.partition(":")
    if not name or not level.isdigit():
        raise BadDataArguments(f"--column takes NAME=LEVEL[:PI] (e.g. id=3:C2), not {text!r}")
    return name, {"level": int(level), "pi": pi or None}


def _show(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(record)
        return
    console.print(
        f"[bold]{record['dataset']}[/bold] v{record['version']}: {record['title']} "
        f"(level {record['level']}{', ' + record['pi'] if record['pi'] else ''}; "
        f"{record['rows']:,} rows; owner {record['owner']})"
    )
    console.print(f"  {record['description']}")
    console.print(f"  content {record['content_hash']}  at node {record['location']['node']}")
    table = Table("id", "name", "type", "level", "pi")
    for column in record["schema"]:
        table.add_row(
            column["id"],
            column["name"] or "[dim]sealed[/dim]",
            column["type"],
            str(column["level"]),
            column["pi"] or "",
        )
    console.print(table)


@data_app.command("register")
def register(
    directory: DirOpt,
    org: AsOpt,
    dataset: Annotated[str, typer.Argument(help="the dataset's id")],
    file: Annotated[Path, typer.Argument(help="the CSV file (header line first)")],
    title: Annotated[str, typer.Option("--title")],
    description: Annotated[str, typer.Option("--description")],
    level: Annotated[int, typer.Option("--level", help="JR/T 0197-2020 level of the dataset, 1-5")],
    pi: Annotated[str | None, typer.Option("--pi", help="JR/T 0171-2020 class: C1, C2 or C3")] = None,
    column: Annotated[list[str] | None, typer.Option("--column", help="NAME=LEVEL[:PI], repeatable")] = None,
    hide_names: Annotated[bool, typer.Option("--hide-names", help="seal names of level >= 3")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Register a dataset you own (or its next version); the file stays in your store."""
    columns = dict(_column_spec(text) for text in column or [])
    with data_client(directory, org) as client:
        record = client.register(
            dataset,
            file,
            title=title,
            description=description,
            level=level,
            pi=pi,
            columns=columns,
            hide_names=hide_names,
        )
    _show(record, as_json)


@data_app.command("list")
def list_datasets(directory: DirOpt, org: AsOpt, as_json: JsonOpt = False) -> None:
    """The catalog: every dataset's latest version."""
    with data_client(directory, org) as client:
        records = client.datasets()
    if as_json:
        print_json(records)
        return
    table = Table("dataset", "v", "title", "owner", "level", "rows", "columns")
    for record in records:
        table.add_row(
            record["dataset"],
            str(record["version"]),
            record["title"],
            record["owner"],
            str(record["level"]),
            f"{record['rows']:,}",
            str(len(record["schema"])),
        )
    console.print(table)


@data_app.command("show")
def show(
    directory: DirOpt,
    org: AsOpt,
    dataset: Annotated[str, typer.Argument()],
    version: Annotated[int | None, typer.Option("--version")] = None,
    history: Annotated[bool, typer.Option("--history", help="every version")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A dataset as you may see it (hidden names only where you are entitled), and its grants."""
    with data_client(directory, org) as client:
        if history:
            records = [client.dataset(dataset, int(v["version"])) for v in client.history(dataset)]
        else:
            records = [client.dataset(dataset, version)]
        grants = client.grants(dataset)
    if as_json:
        print_json({"versions": records, "grants": grants})
        return
    for record in records:
        _show(record, False)
    for grant in grants:
        console.print(
            f"  grant {grant['grant']}: {grant['grantee']} {grant['status']} for {grant['purpose']} "
            f"({', '.join(grant['operations'])}; {grant['uses']}/{grant['max_uses']} uses)"
        )


@data_app.command("request")
def request(
    directory: DirOpt,
    org: AsOpt,
    dataset: Annotated[str, typer.Argument()],
    column: Annotated[list[str], typer.Option("--column", help="a column name or id, repeatable")],
    purpose: Annotated[str, typer.Option("--purpose", help="from the governed list")],
    operation: Annotated[list[str], typer.Option("--operation", help=", ".join(keys.OPERATIONS))],
    days: Annotated[int, typer.Option("--days")] = 90,
    max_uses: Annotated[int, typer.Option("--max-uses")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Request a grant; a request the grading forbids is refused at once with its reason."""
    with data_client(directory, org) as client:
        grant = client.grant(
            client.request(
                dataset, columns=column, purpose=purpose, operations=operation, days=days, max_uses=max_uses
            )
        )
    if as_json:
        print_json(grant)
    else:
        console.print(
            f"grant {grant['grant']} requested (level {grant['level']}); "
            f"approvals needed: {', '.join(grant['required'])}"
        )


def _decide(directory: Path, org: str, grant_id: str, as_json: bool, action: str, reason: str) -> None:
    with data_client(directory, org) as client:
        if action == "approve":
            client.approve(grant_id)
        elif action == "refuse":
            client.refuse(grant_id, reason)
        else:
            client.revoke(grant_id, reason)
        grant = client.grant(grant_id)
    if as_json:
        print_json(grant)
    else:
        console.print(
            f"grant {grant_id}: {grant['status']} (approvals: {', '.join(sorted(grant['approvals']))})"
        )


@data_app.command("approve")
def approve(
    directory: DirOpt, org: AsOpt, grant: Annotated[str, typer.Argument()], as_json: JsonOpt = False
) -> None:
    """Approve a grant as its owner or as an approver the grading names."""
    _decide(directory, org, grant, as_json, "approve", "")


@data_app.command("refuse")
def refuse(
    directory: DirOpt,
    org: AsOpt,
    grant: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason")],
    as_json: JsonOpt = False,
) -> None:
    """Refuse a requested grant."""
    _decide(directory, org, grant, as_json, "refuse", reason)


@data_app.command("revoke")
def revoke(
    directory: DirOpt,
    org: AsOpt,
    grant: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason")] = "revoked",
    as_json: JsonOpt = False,
) -> None:
    """Revoke a grant (owner or regulator): every later use is refused."""
    _decide(directory, org, grant, as_json, "revoke", reason)


@data_app.command("fetch")
def fetch_copy(
    directory: DirOpt,
    org: AsOpt,
    dataset: Annotated[str, typer.Argument()],
    grant: Annotated[str, typer.Option("--grant")],
    purpose: Annotated[str, typer.Option("--purpose")],
    out: Annotated[Path, typer.Option("--out", help="where to write the copy (CSV)")],
    column: Annotated[list[str] | None, typer.Option("--column", help="default: the grant's")] = None,
) -> None:
    """Get a plaintext copy from the owner's node: recorded on chain first, sealed for you alone."""
    with data_client(directory, org) as client:
        owner = DataClient(client.alliance, client.dataset(dataset)["owner"])
        table = fetch(
            client, OwnerService(owner), dataset, grant=grant, purpose=purpose, columns=column, out=out
        )
    console.print(f"{table.rows:,} rows x {len(table.names)} columns checked against the chain, in {out}")


@data_app.command("log")
def log(
    directory: DirOpt,
    org: AsOpt,
    dataset: Annotated[str | None, typer.Option("--dataset")] = None,
    user: Annotated[str | None, typer.Option("--user")] = None,
    purpose: Annotated[str | None, typer.Option("--purpose")] = None,
    alerts: Annotated[bool, typer.Option("--alerts", help="only uses that raised an alert")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Every use and attempt you may list (all for a regulator, your datasets' for an owner)."""
    with data_client(directory, org) as client:
        uses = [use for use in client.log(dataset, user=user, purpose=purpose) if use["alerts"] or not alerts]
    if as_json:
        print_json(uses)
        return
    table = Table("dataset", "#", "height", "user", "operation", "purpose", "grant", "outcome", "alerts")
    for use in uses:
        outcome = use["outcome"] if use["reason"] is None else f"{use['outcome']} ({use['reason']})"
        table.add_row(
            use["dataset"],
            str(use["use"]),
            str(use["height"]),
            use["user"],
            use["operation"],
            use["purpose"],
            use["grant"] or "",
            outcome,
            ", ".join(use["alerts"]),
        )
    console.print(table)


# ---------------------------------------------------------------------- documents


def _record(text: str) -> tuple[str, str]:
    kind, _, record = text.partition(":")
    if kind not in keys.DOC_RECORD_KINDS or not record:
        raise BadDataArguments(f"--record takes KIND:ID, KIND one of {', '.join(keys.DOC_RECORD_KINDS)}")
    return kind, record


def _print_doc(doc: dict[str, Any]) -> None:
    console.print(
        f"{doc['hash']}  {doc['type']} '{doc['title']}' signed by {doc['signer']}; anchored by "
        f"{doc['anchored_by']} at height {doc['height']} (time {doc['at']}) "
        f"for {doc['record_kind']} {doc['record']}"
    )


@doc_app.command("anchor")
def anchor(
    directory: DirOpt,
    org: AsOpt,
    file: Annotated[Path, typer.Argument()],
    doc_type: Annotated[str, typer.Option("--type", help=", ".join(keys.DOC_TYPES))],
    signer: Annotated[str, typer.Option("--signer", help="who signed the document")],
    record: Annotated[str, typer.Option("--record", help="KIND:ID, e.g. registration:NANHU-0001")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Anchor a document's hash to a registration, freeze, dataset or job; the file stays with you."""
    kind, record_id = _record(record)
    with data_client(directory, org) as client:
        doc = client.anchor(
            file, doc_type=doc_type, signer=signer, record_kind=kind, record=record_id, title=title
        )
    print_json(doc) if as_json else _print_doc(doc)


@doc_app.command("verify")
def verify(
    directory: DirOpt, org: AsOpt, file: Annotated[Path, typer.Argument()], as_json: JsonOpt = False
) -> None:
    """Check a file against the chain: who anchored it, when, for which record (a changed byte fails)."""
    with data_client(directory, org) as client:
        doc = client.verify(file)
    print_json(doc) if as_json else _print_doc(doc)


@doc_app.command("list")
def list_docs(
    directory: DirOpt,
    org: AsOpt,
    record: Annotated[str | None, typer.Option("--record", help="KIND:ID: that record's documents")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Anchored documents, all or a record's."""
    kind, record_id = _record(record) if record else (None, None)
    with data_client(directory, org) as client:
        docs = client.documents(kind, record_id)
    if as_json:
        print_json(docs)
        return
    for doc in docs:
        _print_doc(doc)
