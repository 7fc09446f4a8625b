"""The command line maps usage mistakes and pledgenet errors to clear messages and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from pledgenet.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_missing_option_is_a_usage_error_not_a_traceback() -> None:
    # Execute
    result = run_cli("stats", "weekly")

    # Assert
    assert result.returncode == 2
    assert "Missing option '--dir'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_directory_that_is_no_alliance_is_a_config_error(tmp_path: Path) -> None:
    # Execute
    result = run_cli("verify", "--dir", str(tmp_path))

    # Assert
    assert result.returncode == 3
    assert result.stderr.startswith("error [config]:")
    assert "not a pledgenet alliance directory" in result.stderr
