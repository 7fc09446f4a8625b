"""``pledgenet sim``: the calibrated simulated market and pledge book."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pledgenet.cli.app import app
from pledgenet.cli.deps import JsonOpt, console, print_json

sim_app = typer.Typer(
    help="Simulated market and pledge book calibrated to the registrar's figures.", no_args_is_help=True
)
app.add_typer(sim_app, name="sim")

SeedOpt = Annotated[int, typer.Option("--seed", help="random seed (same seed, same market)")]
ContractsOpt = Annotated[int, typer.Option("--contracts", help="contracts in the simulated book")]


@sim_app.command("calibrate")
def calibrate(seed: SeedOpt = 20241206, contracts: ContractsOpt = 20_000, as_json: JsonOpt = False) -> None:
    """Generate the market and book; compare their statistics with the published 2024-12-06 figures."""
    from pledgenet.sim.calibration import compare
    from pledgenet.sim.synthetic_book import generate

    market, book = generate(seed=seed, contracts=contracts)
    rows = compare(book, market)
    if as_json:
        print_json({"stocks": market.size, "contracts": book.size, "figures": rows}, sort_keys=False)
        return
    table = Table(title=f"{market.size:,} stocks, {book.size:,} contracts (seed {seed})")
    for column in ("figure", "generated", "target", "error"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for row in rows:
        table.add_row(
            str(row["figure"]),
            f"{row['generated']:,.4g}",
            f"{row['target']:,.4g}",
            f"{row['relative_error']:.2%}",
        )
    console.print(table)


@sim_app.command("register")
def register(
    directory: Annotated[Path, typer.Option("--dir", help="a new alliance directory")],
    contracts: Annotated[int, typer.Option("--contracts", help="contracts to register")] = 40,
    seed: SeedOpt = 20241206,
    as_json: JsonOpt = False,
) -> None:
    """Create an alliance and register a slice of the simulated book through the real register."""
    from pledgenet.demo.simulated_register import pick_slice, register_slice
    from pledgenet.sim.synthetic_book import generate

    market, book = generate(seed=seed)
    done = register_slice(directory, market, book, pick_slice(market, book, contracts, seed))
    if as_json:
        print_json(done.as_dict(), sort_keys=False)
        return
    console.print(f"registered {done.registered} contracts on {len(done.stocks)} stocks in {directory}; "
                  f"refused: {done.refused or 'none'}; closes published for {done.trade_date}")  # fmt: skip
