"""``pledgenet fl``: run vertical federated-learning jobs."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pledgenet.cli import app
from pledgenet.errors import ConfigError

fl_app = typer.Typer(
    help="Vertical federated learning: alignment, SecureBoost, hetero LR.", no_args_is_help=True
)
app.add_typer(fl_app, name="fl")


@fl_app.command("run")
def run(
    job_file: Path = typer.Argument(..., help="the job's YAML file"),
    simulate: bool = typer.Option(False, "--simulate", help="run every party locally (in-memory channel)"),
) -> None:
    """Run a job; with --simulate every party runs here (deployment runs one party per member node)."""
    from pledgenet.fl.job import load_job
    from pledgenet.fl.job import simulate as simulate_job

    job = load_job(job_file)
    if not simulate:
        raise ConfigError(
            "networked runs start one party per node (pledgenet.fl.job.run_party with a NetworkChannel); "
            "use --simulate to run all parties here"
        )
    console = Console()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, share: float) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=1.0)
            bars.update(tasks[stage], completed=share)

        results = simulate_job(job, progress)
    console.print_json(json.dumps(results))
    console.print(f"models, metrics.json and report.html in {job.output}")
