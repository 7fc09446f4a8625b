"""The ``pledgenet`` command line. Each area adds its commands from its own module below."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pledgenet",
    help="pledgenet: the stock-pledge data alliance platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:
    from pledgenet.cli.run import run

    run(app)
