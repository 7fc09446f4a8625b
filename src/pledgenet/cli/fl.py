"""``pledgenet fl``: run vertical federated-learning jobs, all parties here or one party per process."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pledgenet.cli.app import app
from pledgenet.errors import ConfigError

fl_app = typer.Typer(
    help="Federated learning: vertical (SecureBoost, hetero LR) and horizontal (FedAvg, boosting).",
    no_args_is_help=True,
)
app.add_typer(fl_app, name="fl")


@fl_app.command("run")
def run(
    job_file: Path = typer.Argument(..., help="the job's YAML file"),
    simulate: bool = typer.Option(False, "--simulate", help="run every party here (in-memory channel)"),
    party: str = typer.Option(
        "",
        "--party",
        help="run only this party, linked to the others over the network (addresses and keys "
        "from the job file)",
    ),
) -> None:
    """Run a job: ``--simulate`` runs every party here; ``--party NAME`` runs one party of a networked job."""
    from pledgenet.fl.horizontal import job as horizontal
    from pledgenet.fl.job import load_job
    from pledgenet.fl.job import simulate as simulate_job
    from pledgenet.fl.net.job import run_networked

    if simulate == bool(party):
        raise ConfigError("say either --simulate (all parties here) or --party NAME (this party only)")
    is_horizontal = horizontal.is_horizontal(job_file)  # roles aggregator / lender: horizontal FL
    job = horizontal.load_horizontal_job(job_file) if is_horizontal else load_job(job_file)
    console = Console()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, share: float) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=1.0)
            bars.update(tasks[stage], completed=share)

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
