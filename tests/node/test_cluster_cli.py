"""``pledgenet cluster up / status / down`` with PostgreSQL stores, as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from pledgenet.cli import commands  # noqa: F401  (registers every command with the app)
from pledgenet.cli.app import app


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_cluster_up_status_and_down_with_postgresql_stores(tmp_path: Path) -> None:
    # Prepare
    runner = CliRunner()
    directory = tmp_path / "local"

    # Execute
    up = runner.invoke(app, ["cluster", "up", str(directory), "--members", "2", "--store", "postgresql"])
    try:
        status = runner.invoke(app, ["cluster", "status", str(directory), "--json"])
        state = json.loads((directory / "cluster.json").read_text())
    finally:
        down = runner.invoke(app, ["cluster", "down", str(directory)])

    # Assert
    assert up.exit_code == 0, up.output
    assert "registrar: http://127.0.0.1:" in up.output and "client.credential" in up.output
    report = json.loads(status.stdout)
    assert [row["org"] for row in report["nodes"]] == ["registrar", "regulator"]
    assert all(row["running"] and row["height"] == 0 and row["lag"] == 0 for row in report["nodes"])
    assert report["leader"] == "orderer-registrar"
    assert all(store.startswith("postgresql://") for store in (n["store"] for n in state["nodes"].values()))
    assert down.exit_code == 0
    assert not any(alive(pid) for pid in [*state["pids"].values(), *state["etcd_pids"]])
