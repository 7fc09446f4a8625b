"""Runs the ``pledgenet`` command line in process, as its script does, for the CLI tests.

``run(app)`` is the entry point of the script, so the exit codes and error lines are the ones a user sees.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pledgenet.cli.app import app
from pledgenet.cli.run import run


class Cli:
    def __init__(self, directory: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.directory, self.capsys, self.monkeypatch = directory, capsys, monkeypatch

    def raw(self, *words: str) -> tuple[int, str, str]:
        """Run ``pledgenet words...``; (exit code, stdout, stderr)."""
        self.monkeypatch.setattr(sys, "argv", ["pledgenet", *words])
        self.capsys.readouterr()
        try:
            run(app)
            code = 0
        except SystemExit as done:
            code = int(done.code or 0) if not isinstance(done.code, str) else 1
        out, err = self.capsys.readouterr()
        return code, out, err

    def __call__(self, command: str, org: str, *args: str) -> tuple[int, str, str]:
        """Run ``pledgenet <command> --dir D --as ORG args...``; (exit code, stdout, stderr)."""
        return self.raw(*command.split(), "--dir", str(self.directory), "--as", org, *args)

    def json(self, command: str, org: str, *args: str) -> Any:
        code, out, err = self(command, org, *args, "--json")
        assert code == 0, err
        return json.loads(out)
