"""The inputs that once gave tracebacks get one-line errors, and a refused ``init`` leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_invoke import assert_clean_refusal, invoke
from pledgenet.ledger.alliance import VERSION

SCRIPT = [sys.executable, "-c", "from pledgenet.cli import main; main()"]


def run_on_read_only(directory: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with ``directory`` read-only: a read-only bind mount in a private mount namespace as
    root (permissions do not bind root), ``chmod`` otherwise."""
    if os.geteuid() != 0:
        for path in [directory, *directory.rglob("*")]:
            path.chmod(path.stat().st_mode & 0o555)
        command = argv
    else:
        mount = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        command = ["unshare", "-m", "sh", "-c", mount, "sh", str(directory), *argv]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert "mount:" not in result.stderr, f"could not make a read-only mount for the test: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def alliance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("refusals") / "alliance"
    code, _out, err = invoke(["init", "--dir", str(directory), "--member", "registrar:registrar,governing"])
    assert code == 0, err
    return directory


HEADER = {"format": "pledgenet-alliance", "version": VERSION}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (json.dumps({"format": "pledgenet-alliance"}), "format"),
        (json.dumps(HEADER), "'alliance'"),
        (json.dumps({**HEADER, "alliance": "a", "genesis_hash": "h", "orgs": 5}), "'orgs'"),
        (json.dumps({**HEADER, "alliance": "a", "genesis_hash": "h", "orgs": ["../x"]}), "'orgs'"),
        (json.dumps({**HEADER, "alliance": 7, "genesis_hash": "h", "orgs": ["a"]}), "'alliance'"),
        (
            json.dumps({**HEADER, "alliance": "a", "genesis_hash": "h", "orgs": ["a"], "limits": [1]}),
            "'limits'",
        ),
        ("[" * 5000 + "]" * 5000, "not a pledgenet alliance directory"),
    ],
)
@pytest.mark.parametrize("command", ["verify", "blocks"])
def test_a_broken_alliance_json_is_a_config_error_naming_the_field(
    tmp_path: Path, config: str, field: str, command: str
) -> None:
    # Prepare
    (tmp_path / "alliance.json").write_text(config)
    # Execute
    code, _out, err = invoke([command, "--dir", str(tmp_path)])
    # Assert
    assert code == 3 and err.startswith("error [config]:") and field in err, err
    assert_clean_refusal(code, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["block", "--dir", "{dir}", "99999999999999999999999"],
        ["block", "--dir", "{dir}", "--", "-99999999999999999999999"],
        ["block", "--dir", "{dir}", "--", "-1"],
    ],
)
def test_a_height_past_64_bits_is_not_found(alliance_dir: Path, argv: list[str]) -> None:
    # Execute
    code, _out, err = invoke([word.format(dir=alliance_dir) for word in argv])
    # Assert
    assert code == 5 and err.startswith("error [not_found]: no block at height"), err


@pytest.mark.parametrize("last", ["-99999999999999999999999", "99999999999999999999999", "0"])
def test_blocks_last_takes_any_integer(alliance_dir: Path, last: str) -> None:
    # Execute
    code, out, err = invoke(["blocks", "--dir", str(alliance_dir), "--last", last, "--json"])
    # Assert: the last N blocks, none for N <= 0, all of them for a huge N
    assert code == 0, err
    heights = [header["height"] for header in json.loads(out)]
    assert heights == ([0] if last.startswith("9") else [])


def test_a_key_that_is_not_utf8_is_refused_in_one_line(alliance_dir: Path) -> None:
    # Execute: the shell passes the byte 0xff as it is (os.fsencode keeps it through argv)
    result = subprocess.run(
        [*SCRIPT, "state", "--dir", str(alliance_dir), os.fsdecode(b"gov/\xff")],
        capture_output=True,
        text=True,
    )
    # Assert
    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith("error [not_found]:") and "not valid UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_init_leaves_nothing_and_the_next_one_works(tmp_path: Path) -> None:
    # Prepare
    given_empty, fresh = tmp_path / "given", tmp_path / "new" / "deeper"
    given_empty.mkdir()
    # Execute
    refusals = [
        invoke(["init", "--dir", str(where), "--member", "a:nosuchrole"]) for where in (given_empty, fresh)
    ]
    left_behind = [*given_empty.iterdir(), *tmp_path.glob("new*")]
    again = invoke(["init", "--dir", str(given_empty), "--member", "a:registrar,governing"])
    # Assert
    for code, _out, err in refusals:
        assert code == 3 and "nosuchrole" in err, err
        assert_clean_refusal(code, err)
    assert left_behind == []
    assert again[0] == 0, again[2]


def test_init_over_a_file_is_refused(tmp_path: Path) -> None:
    # Prepare
    (tmp_path / "taken").write_text("mine")
    # Execute
    code, _out, err = invoke(["init", "--dir", str(tmp_path / "taken")])
    # Assert
    assert code == 3 and "not a directory" in err, err
    assert (tmp_path / "taken").read_text() == "mine"


@pytest.mark.parametrize("command", [["cluster", "up"], ["cluster", "status"], ["cluster", "down"]])
def test_cluster_commands_over_a_file_are_refused_and_leave_it(tmp_path: Path, command: list[str]) -> None:
    # Prepare
    (tmp_path / "taken").write_text("mine")
    # Execute
    code, _out, err = invoke([*command, str(tmp_path / "taken")])
    # Assert
    assert_clean_refusal(code, err)
    assert (tmp_path / "taken").read_text() == "mine"


def test_init_under_a_read_only_directory_is_a_config_error(tmp_path: Path) -> None:
    # Prepare
    locked = tmp_path / "locked"
    locked.mkdir()
    # Execute
    result = run_on_read_only(locked, [*SCRIPT, "init", "--dir", str(locked / "alliance")])
    # Assert
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error [config]: cannot create the alliance")
    assert list(locked.iterdir()) == []


def test_a_view_of_a_missing_peer_database_creates_nothing(alliance_dir: Path, tmp_path: Path) -> None:
    # Prepare: a copy whose only member lost its database
    copy = tmp_path / "copy"
    shutil.copytree(alliance_dir, copy)
    for file in (copy / "orgs" / "registrar").glob("peer.db*"):
        file.unlink()
    # Execute
    code, _out, err = invoke(["blocks", "--dir", str(copy)])
    # Assert: refused, and no empty database left that a later verify could take for a ledger
    assert code == 5 and "no peer database" in err, err
    assert not list((copy / "orgs" / "registrar").glob("peer.db*"))


def test_views_read_a_read_only_copy(alliance_dir: Path, tmp_path: Path) -> None:
    # Prepare
    copy = tmp_path / "copy"
    shutil.copytree(alliance_dir, copy)
    # Execute
    result = run_on_read_only(copy, [*SCRIPT, "blocks", "--dir", str(copy), "--json"])
    # Assert
    assert result.returncode == 0, result.stderr
    assert [header["height"] for header in json.loads(result.stdout)] == [0]


def test_an_error_quoting_a_newline_stays_on_one_line(alliance_dir: Path) -> None:
    # Execute
    code, _out, err = invoke(
        ["risk", "stress", "--dir", str(alliance_dir), "--date", "2024-01-01\nforged line"]
    )
    # Assert: the input is quoted escaped, not spread over lines a log reader would take for two errors
    assert_clean_refusal(code, err)
    assert "\\n" in err


@pytest.mark.parametrize("port", ["-1", "65536", "99999999999999999999999"])
def test_serve_refuses_a_port_out_of_range_in_one_line(alliance_dir: Path, port: str) -> None:
    # Execute
    code, _out, err = invoke(["serve", "--dir", str(alliance_dir), "--as", "registrar", "--port", port])
    # Assert
    assert code == 3 and "port" in err, err
    assert_clean_refusal(code, err)


@pytest.mark.parametrize("org", ["../../etc", "x" * 300, "a/b"])
def test_client_keys_refuse_an_org_that_is_no_organisation_id(alliance_dir: Path, org: str) -> None:
    # Execute: the org names a folder under orgs/, so it must be an organisation id
    revoked = invoke(["client-key", "revoke", "--dir", str(alliance_dir), "--as", org, "7"])
    issued = invoke(
        [
            "client-key",
            "issue",
            "--dir",
            str(alliance_dir),
            "--as",
            org,
            "--out",
            str(alliance_dir / "c.cred"),
        ]
    )
    # Assert
    for code, _out, err in (revoked, issued):
        assert "bad_org_id" in err, err
        assert_clean_refusal(code, err)
    assert not (alliance_dir / "c.cred").exists()
