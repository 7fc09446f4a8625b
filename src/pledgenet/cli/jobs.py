"""Federated jobs on the chain from the command line: ``pledgenet job create|accept|show|list|check-model``.

A job is created on chain by its guest, accepted by every participant's node (which checks its own grants
first), and run with ``pledgenet fl run --job ID --dir D --as ORG``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.data import data_client
from pledgenet.cli.deps import AsOpt, DirOpt, JsonOpt, console, print_json
from pledgenet.contracts.data import keys
from pledgenet.data.jobs import accept_job, check_model, create_job, job_record, jobs
from pledgenet.errors import BadDataArguments

job_app = typer.Typer(help="Federated jobs on the chain: create, accept, show, list.", no_args_is_help=True)
app.add_typer(job_app, name="job")


def _pairs(option: str, texts: list[str], sep: str) -> list[tuple[str, str]]:
    pairs = []
    for text in texts:
        left, found, right = text.partition(sep)
        if not left or (sep == "=" and not found):
            raise BadDataArguments(f"{option} takes LEFT{sep}RIGHT, not {text!r}")
        pairs.append((left, right))
    return pairs


def _object(option: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise BadDataArguments(f"{option} must be a JSON object")
    return value


def _print_job(job: dict[str, Any]) -> None:
    console.print(f"[bold]job {job['job']}[/bold] {job['kind']} for {job['purpose']}: {job['status']}")
    for org, role in job["participants"].items():
        accepted = "accepted" if org in job["acceptances"] else "not accepted"
        console.print(f"  {role:<12} {org} ({accepted})")
    for item in job["datasets"]:
        console.print(
            f"  data {item['dataset']} v{item['version']} of {item['owner']}"
            f" {'grant ' + item['grant'] if item['grant'] else '(own)'}"
        )
    if job["outcome"]:
        console.print(f"  outcome: {json.dumps(job['outcome'], sort_keys=True)}")


@job_app.command("create")
def create(
    directory: DirOpt,
    org: AsOpt,
    kind: Annotated[str, typer.Option("--kind", help=", ".join(keys.JOB_KINDS))],
    purpose: Annotated[str, typer.Option("--purpose")],
    party: Annotated[list[str], typer.Option("--party", help="ORG=ROLE (guest, host, coordinator)")],
    dataset: Annotated[list[str], typer.Option("--dataset", help="DATASET[:GRANT], repeatable")],
    components: Annotated[str, typer.Option("--components", help='JSON, e.g. {"hetero_lr": {"epochs": 5}}')],
    settings: Annotated[str, typer.Option("--settings", help='JSON, e.g. {"id": "id", "label": "y"}')] = "{}",
    as_json: JsonOpt = False,
) -> None:
    """Create a job on chain as its guest (refused, and the attempt recorded, without its grants)."""
    datasets = [
        {"dataset": name, "grant": grant or None} for name, grant in _pairs("--dataset", dataset, ":")
    ]
    with data_client(directory, org) as client:
        job_id = create_job(
            client,
            kind=kind,
            purpose=purpose,
            participants=dict(_pairs("--party", party, "=")),
            datasets=datasets,
            components=_object("--components", components),
            settings=_object("--settings", settings),
        )
        job = job_record(client, job_id)
    print_json(job) if as_json else _print_job(job)


@job_app.command("accept")
def accept(
    directory: DirOpt, org: AsOpt, job_id: Annotated[str, typer.Argument()], as_json: JsonOpt = False
) -> None:
    """Accept a job after your node checked your own grants (refused on chain if they do not allow it)."""
    with data_client(directory, org) as client:
        accept_job(client, job_id)
        job = job_record(client, job_id)
    print_json(job) if as_json else _print_job(job)


@job_app.command("show")
def show(
    directory: DirOpt, org: AsOpt, job_id: Annotated[str, typer.Argument()], as_json: JsonOpt = False
) -> None:
    """A job: participants, acceptances, datasets and grants, outcome."""
    with data_client(directory, org) as client:
        job = job_record(client, job_id)
    print_json(job) if as_json else _print_job(job)


@job_app.command("check-model")
def check_model_file(
    directory: DirOpt,
    org: AsOpt,
    job_id: Annotated[str, typer.Argument()],
    model: Annotated[str, typer.Argument(help="ORG.COMPONENT, e.g. bank-01.hetero_lr")],
    file: Annotated[Path, typer.Argument(help="the model file")],
) -> None:
    """Check a model file against the hash the job's outcome recorded on the chain."""
    with data_client(directory, org) as client:
        digest = check_model(client, job_id, model, file)
    console.print(f"{file} is model {model} of job {job_id} (sha256 {digest})")


@job_app.command("list")
def list_jobs(directory: DirOpt, org: AsOpt, as_json: JsonOpt = False) -> None:
    """Every job on the chain."""
    with data_client(directory, org) as client:
        records = jobs(client)
    if as_json:
        print_json(records)
        return
    table = Table("job", "kind", "purpose", "guest", "status")
    for job in records:
        table.add_row(job["job"], job["kind"], job["purpose"], job["creator"], job["status"])
    console.print(table)
