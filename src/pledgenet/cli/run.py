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
    (errors.StoreUnreadable, 12),
    (errors.NotFound, 5),
    (errors.AccessDenied, 6),
    (errors.DataError, 7),
    (errors.ContractError, 8),
    (errors.LedgerError, 9),
    (errors.PrivacyError, 10),
    (errors.AttestationError, 11),
    (errors.PledgenetError, 1),
]


#: control characters as escapes, so that an error stays one line whatever input its message quotes
_ONE_LINE = {code: f"\\x{code:02x}" for code in range(32)} | {9: "\\t", 10: "\\n", 13: "\\r"}


def one_line(message: str) -> str:
    """``message`` on one line: newlines and other control characters (from quoted input) escaped."""
    return message.translate(_ONE_LINE)


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
        print(f"error [{error.code}]: {one_line(error.message)}", file=sys.stderr)
        sys.exit(exit_code_for(error))
