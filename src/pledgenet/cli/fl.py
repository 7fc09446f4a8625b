"""``pledgenet fl``: run vertical federated-learning jobs, all parties here or one party per process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pledgenet.cli.app import app
from pledgenet.errors import ConfigError
from pledgenet.fl.spec import Progress as Progress_

fl_app = typer.Typer(
    help="Federated learning: vertical (SecureBoost, hetero LR) and horizontal (FedAvg, boosting).",
    no_args_is_help=True,
)
app.add_typer(fl_app, name="fl")


@contextmanager
def _bars(console: Console) -> Iterator[Progress_]:
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, share: float) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=1.0)
            bars.update(tasks[stage], completed=share)

        yield progress


@fl_app.command("run")
def run(
    job_file: Path | None = typer.Argument(None, help="the job's YAML file (not with --job)"),
    simulate: bool = typer.Option(False, "--simulate", help="run every party here (in-memory channel)"),
    party: str = typer.Option(
        "",
        "--party",
        help="run only this party, linked to the others over the network (addresses and keys "
        "from the job file)",
    ),
    job_id: str = typer.Option(
        "", "--job", help="run the job with this id from the chain (with --dir and --as)"
    ),
    directory: Path | None = typer.Option(None, "--dir", help="the alliance directory (with --job)"),
    org: str = typer.Option("", "--as", help="the member asking for the run (with --job)"),
    output: Path = typer.Option(Path("fl-out"), "--output", help="where a chain job's files go"),
) -> None:
    """Run a job: ``--simulate`` runs every party here; ``--party NAME`` runs one party of a networked job;
    ``--job ID --dir D --as ORG`` runs a job created and accepted on the chain (every party's node here),
    refused unless the chain says yes, its outcome recorded there."""
    from pledgenet.fl.horizontal import job as horizontal
    from pledgenet.fl.job import load_job
    from pledgenet.fl.job import simulate as simulate_job
    from pledgenet.fl.net.job import run_networked

    console = Console()
    if job_id:
        _run_chain_job(console, job_id, directory, org, output)
        return
    if job_file is None or simulate == bool(party):
        raise ConfigError(
            "say a job file and either --simulate (all parties here) or --party NAME (this party only), "
            "or --job ID --dir D --as ORG for a job on the chain"
        )
    is_horizontal = horizontal.is_horizontal(job_file)  # roles aggregator / lender: horizontal FL
    job = horizontal.load_horizontal_job(job_file) if is_horizontal else load_job(job_file)
    with _bars(console) as progress:
        if is_horizontal:
            results = (
                horizontal.simulate(job, progress)
                if simulate
                else horizontal.run_networked(job, party, progress)
            )
        else:
            results = simulate_job(job, progress) if simulate else run_networked(job, party, progress)
    if results:
        console.print_json(json.dumps(results))
        console.print(f"models, metrics.json and report.html in {job.output}")
    else:
        console.print(f"{party}: done; its model files are in {job.output}")


def _run_chain_job(console: Console, job_id: str, directory: Path | None, org: str, output: Path) -> None:
    from pledgenet.contracts.catalog import open_alliance
    from pledgenet.data.client import DataClient
    from pledgenet.data.jobs import job_record, run_job

    if directory is None or not org:
        raise ConfigError("--job needs --dir (the alliance) and --as (the member asking)")
    alliance = open_alliance(directory)
    try:
        asking = DataClient(alliance, org)
        job = job_record(asking, job_id)
        clients = {party: DataClient(alliance, party) for party in job["participants"]}
        with _bars(console) as progress:
            outcome = run_job(clients, job_id, output / job_id, progress)
    finally:
        alliance.close()
    console.print_json(json.dumps(outcome))
    console.print(f"job {job_id} finished and recorded; model files in {output / job_id}")
