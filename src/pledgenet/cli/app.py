"""The typer ``app`` of the ``pledgenet`` command line. Command modules import it and add their commands;
it imports none of them back (``pledgenet.cli.commands`` imports them all)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pledgenet",
    help="pledgenet: the stock-pledge data alliance platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
