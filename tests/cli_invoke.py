"""Runs ``pledgenet`` in process exactly as its script does, for the CLI robustness tests."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout

import pledgenet.cli.commands  # noqa: F401  (registers the commands)
from pledgenet.cli.app import app
from pledgenet.cli.run import run


def invoke(argv: list[str]) -> tuple[int, str, str]:
    """``pledgenet argv...``: (exit code, stdout, stderr). An error the CLI does not map escapes, as it
    would reach the user as a traceback."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["pledgenet", *argv]
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                run(app)
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (1 if done.code else 0)
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()


def assert_clean_refusal(code: int, err: str) -> None:
    """A refusal a user can read: usage (2) or one ``error [code]: ...`` line; never 1 or a traceback."""
    assert code not in (0, 1), f"exit code {code}: {err}"
    assert "Traceback" not in err
    if code != 2:
        assert err.startswith("error [") and err.count("\n") == 1, err
