"""Contribution and benefit commands: ``pledgenet contribution record|show|list`` and
``pledgenet benefit split|list``.

``contribution record`` puts a measurement's table on chain (a report JSON as ``pledgenet.fl.contribution``
writes it: players, metric, method, estimator, table); every peer derives the Shapley values. ``show`` prints
a job's values with the reading member's own recomputation from the recorded table. ``benefit split`` shares
a pool of fen among the job's players under the governed floor and cap; ``benefit list`` prints a member's
payouts.
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import AsOpt, DirOpt, JsonOpt, OrgOpt, console, member_peer, print_json, print_receipt
from pledgenet.contracts.benefit import payouts_of_member
from pledgenet.contracts.catalog import open_alliance
from pledgenet.contracts.contribution import jobs_of
from pledgenet.errors import ConfigError
from pledgenet.fl.contribution.chain import ContributionClient, show_job

contribution_app = typer.Typer(
    help="Data contribution of federated jobs (Shapley values).", no_args_is_help=True
)
benefit_app = typer.Typer(help="Benefit pools split by contribution.", no_args_is_help=True)
app.add_typer(contribution_app, name="contribution")
app.add_typer(benefit_app, name="benefit")

JobArg = Annotated[str, typer.Argument(help="the job id")]


def _read_report(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the contribution report {path}: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"the contribution report {path} is not a JSON object")
    return value


@contribution_app.command("record")
def record(
    directory: DirOpt,
    org: AsOpt,
    job: JobArg,
    report: Annotated[Path, typer.Option("--report", help="the measurement's report (JSON)")],
    as_json: JsonOpt = False,
) -> None:
    """Record JOB's utility table on chain; every peer derives the Shapley values from it."""
    value = _read_report(report)
    with closing(open_alliance(directory)) as alliance:
        print_receipt(ContributionClient(alliance, org).record(job, value), as_json)


@contribution_app.command("show")
def show(directory: DirOpt, job: JobArg, org: OrgOpt = "", as_json: JsonOpt = False) -> None:
    """JOB's contribution record, checked: the values recomputed here from the recorded table."""
    with closing(member_peer(directory, org)) as peer:
        shown = show_job(peer, job)
    if as_json:
        print_json(shown)
        return
    check = shown["check"]
    console.print(
        f"job {job}: {shown['estimator']} Shapley of {shown['metric']} (ppm), recorded by "
        f"{shown['recorded_by']}; recomputed here: {'agrees' if check['ok'] else 'DIFFERS'}"
    )
    table = Table("member", "value (ppm)", "exact value")
    for member in shown["players"]:
        num, den = shown["values"][member]
        table.add_row(member, str(shown["values_ppm"][member]), f"{num}/{den}" if den != 1 else str(num))
    console.print(table)
    for one in shown["splits"]:
        console.print(f"split {one['split'][:12]}: pool {one['pool']} fen -> {one['payouts']}")


@contribution_app.command("list")
def list_jobs(directory: DirOpt, member: AsOpt, org: OrgOpt = "", as_json: JsonOpt = False) -> None:
    """The jobs in which a member is a player, with its value in each."""
    with closing(member_peer(directory, org or member)) as peer:
        rows = [
            {
                "job": r["job"],
                "estimator": r["estimator"],
                "metric": r["metric"],
                "value_ppm": r["values_ppm"][member],
                "players": len(r["players"]),
            }
            for r in jobs_of(peer, member)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("job", "estimator", "metric", "value (ppm)", "players")
    for row in rows:
        table.add_row(row["job"], row["estimator"], row["metric"], str(row["value_ppm"]), str(row["players"]))
    console.print(table)


@benefit_app.command("split")
def split(
    directory: DirOpt,
    org: AsOpt,
    job: JobArg,
    pool: Annotated[int, typer.Option("--pool", help="the pool, in fen")],
    as_json: JsonOpt = False,
) -> None:
    """Split a pool of fen among JOB's players by contribution (governed floor and cap)."""
    with closing(open_alliance(directory)) as alliance:
        print_receipt(ContributionClient(alliance, org).split(job, pool), as_json)


@benefit_app.command("list")
def list_payouts(directory: DirOpt, member: AsOpt, org: OrgOpt = "", as_json: JsonOpt = False) -> None:
    """The payouts recorded to a member, by job and split."""
    with closing(member_peer(directory, org or member)) as peer:
        rows = payouts_of_member(peer, member)
    if as_json:
        print_json(rows)
        return
    table = Table("job", "split", "pool (fen)", "payout (fen)")
    for row in rows:
        table.add_row(row["job"], row["split"][:12], str(row["pool"]), str(row["fen"]))
    console.print(table)
    console.print(f"total: {sum(row['fen'] for row in rows)} fen")
