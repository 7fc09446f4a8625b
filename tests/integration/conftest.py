"""Fixtures of the integration tests: the in-process CLI over each module's own ``directory`` alliance."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import Cli


@pytest.fixture
def cli(directory: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(directory, capsys, monkeypatch)
