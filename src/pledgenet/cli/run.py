"""Run the CLI app: map pledgenet errors to clear messages and exit codes."""

from __future__ import annotations

import sys

import typer

from pledgenet import errors

#: exit codes by error branch (most specific first)
EXIT_CODES: list[tuple[type[errors.PledgenetError], int]] = [
    (errors.ConfigError, 3),
    (errors.IntegrityError, 4),
    (errors.StateDivergence, 4),
    (errors.NotFound, 5),
    (errors.AccessDenied, 6),
    (errors.DataError, 7),
    (errors.ContractError, 8),
    (errors.LedgerError, 9),
    (errors.PrivacyError, 10),
    (errors.AttestationError, 11),
    (errors.PledgenetError, 1),
]


def exit_code_for(error: errors.PledgenetError) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return 1


def run(app: typer.Typer) -> None:
    # Import the command modules so that they register themselves with the app.
    from pledgenet.cli import commands  # noqa: F401

    # Standalone mode lets click report usage errors itself (a usage message and exit code 2) and turn
    # typer.Exit into the process exit code; only pledgenet's own errors are mapped here.
    try:
        app()
    except errors.PledgenetError as error:
        print(f"error [{error.code}]: {error.message}", file=sys.stderr)
        sys.exit(exit_code_for(error))
