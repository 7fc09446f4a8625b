"""``pledgenet client-key`` and ``pledgenet serve`` as a user runs them (serve as its own process)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from api_nodes import Nodes

from pledgenet.cli.app import app
from pledgenet.cli.run import run
from pledgenet.client import NodeClient
from pledgenet.errors import ConfigError, NotAuthenticated

PLEDGENET = str(Path(sys.executable).with_name("pledgenet"))


def pledgenet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *words: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["pledgenet", *words])
    capsys.readouterr()
    try:
        run(app)
        code = 0
    except SystemExit as done:
        code = int(done.code or 0) if not isinstance(done.code, str) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_client_key_issue_writes_a_private_file_and_never_overwrites(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare
    out = tmp_path / "alice.credential"
    words = [
        "client-key",
        "issue",
        "--dir",
        str(directory),
        "--as",
        "bank-01",
        "--name",
        "alice",
        "--out",
        str(out),
    ]
    # Execute
    first = pledgenet(monkeypatch, capsys, *words)
    second = pledgenet(monkeypatch, capsys, *words)
    unknown = pledgenet(monkeypatch, capsys, *words[:5], "nobody", "--out", str(tmp_path / "x"))
    # Assert
    assert first[0] == 0 and "alice (bank-01)" in first[1]
    assert out.stat().st_mode & 0o777 == 0o600
    assert second[0] == 3 and "never overwritten" in second[2]
    assert unknown[0] == 5 and "nobody" in unknown[2]


def test_serve_runs_a_members_node_that_its_clients_use_and_revocation_stops(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare: a credential, and the node as its own process on a free port
    credential = tmp_path / "bob.credential"
    code, out, err = pledgenet(
        monkeypatch, capsys, "client-key", "issue", "--dir", str(directory), "--as", "broker-01",
        "--name", "bob", "--out", str(credential),
    )  # fmt: skip
    assert code == 0, err
    serial = int(re.search(r"serial (\d+)", out).group(1))  # type: ignore[union-attr]
    process = subprocess.Popen(
        [PLEDGENET, "serve", "--dir", str(directory), "--as", "broker-01", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        url = _printed_url(process)
        # Execute
        with NodeClient(url, credential) as node:
            who = node.node()
            holdings = node.holdings(code="600100")
            pledgenet(
                monkeypatch,
                capsys,
                "client-key",
                "revoke",
                "--dir",
                str(directory),
                "--as",
                "broker-01",
                str(serial),
            )
            with pytest.raises(NotAuthenticated) as refused:
                node.node()
        # Assert
        assert who["org"] == "broker-01" and who["caller"] == "bob"
        assert any(row["account"] == "C600100" for row in holdings)
        assert refused.value.code == "client_certificate_revoked"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def _printed_url(process: subprocess.Popen[str]) -> str:
    """The API URL ``serve`` prints, once it is listening."""
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"serve exited with {process.wait()}")
        found = re.search(r"API:\s+(http://\S+)/api/v1", line)
        if found:
            return found.group(1)
    raise AssertionError("serve printed no URL within a minute")


def test_a_client_of_a_node_that_is_not_there_gets_a_clear_error(nodes: Nodes) -> None:
    # Prepare: a port nothing listens on
    credential = nodes.credential("bank-01")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Execute / Assert
    with pytest.raises(ConfigError, match="cannot reach a pledgenet node"):
        NodeClient(f"http://127.0.0.1:{port}", credential)


def test_the_ledger_views_read_a_node_exactly_as_they_read_the_directory(
    nodes: Nodes, directory: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare: bank-01's node, one of its clients, and a transaction to look at
    url, credential = nodes.url("bank-01"), nodes.credential("bank-01")
    tx_id = nodes.client("bank-01").blocks(limit=1)[0]["height"]
    last_tx = nodes.client("bank-01").block(tx_id)["txs"][0]["tx_id"]
    views = [
        ["blocks", "--last", "5"],
        ["block", "3"],
        ["tx", last_tx],
        ["state", "gov/member/"],
        ["state", "gov/member/bank-01", "--history"],
    ]
    for view in views:
        # Execute
        local = pledgenet(monkeypatch, capsys, *view, "--dir", str(directory), "--org", "bank-01", "--json")
        remote = pledgenet(
            monkeypatch, capsys, *view, "--node", url, "--credential", str(credential), "--json"
        )
        # Assert
        assert local[0] == 0 and remote[0] == 0, (view, local[2], remote[2])
        assert json.loads(remote[1]) == json.loads(local[1]), view
    both = pledgenet(
        monkeypatch, capsys, "blocks", "--dir", str(directory), "--node", url, "--credential", str(credential)
    )
    neither = pledgenet(monkeypatch, capsys, "blocks")
    assert both[0] == 3 and "without --dir" in both[2]
    assert neither[0] == 3 and "--node URL" in neither[2]
