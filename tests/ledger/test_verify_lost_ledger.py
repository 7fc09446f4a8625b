"""A lost ledger never passes verify; an unreadable one is never called tampered with.

The read-only and unreadable cases need what an auditor really has: a read-only file system, and files
the process may not read. As root (the CI), permissions do not bind, so the command runs in a private
mount namespace with the copy bind-mounted read-only (``unshare -m``), or without the capabilities that
let root read any file (``setpriv``); as another user, ``chmod`` does it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_helpers import FOUNDERS, set_ttl

from pledgenet.contracts.catalog import all_contracts, init_alliance, open_alliance, verify_alliance
from pledgenet.errors import IntegrityError
from pledgenet.ledger.block import Block
from pledgenet.ledger.store import BlockStore
from pledgenet.ledger.verify import verify_peer_database

CLI = [sys.executable, "-c", "from pledgenet.cli import main; main()"]
WIDE = {**os.environ, "COLUMNS": "500"}  # one report per line, whatever the path's length


def _db_files(directory: Path, org: str) -> list[Path]:
    return sorted((directory / "orgs" / org).glob("peer.db*"))


def _replace_with_empty_database(directory: Path, org: str) -> None:
    for file in _db_files(directory, org):
        file.unlink()
    BlockStore(directory / "orgs" / org / "peer.db").close()  # the schema, no block


@pytest.fixture
def closed_alliance(tmp_path: Path) -> Path:
    directory = tmp_path / "alliance"
    with init_alliance(directory, FOUNDERS) as alliance:
        alliance.submit("gov.propose", set_ttl(1000), ["registrar"])
    return directory


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, env=WIDE)


def test_an_empty_peer_database_fails_verify_with_its_genesis_missing(closed_alliance: Path) -> None:
    # Prepare
    _replace_with_empty_database(closed_alliance, "bank-b")
    # Execute
    reports = {Path(r.path).parent.name: r for r in verify_alliance(closed_alliance)}
    # Assert
    assert not reports["bank-b"].ok and reports["bank-b"].first_bad_height == 0
    assert "genesis missing" in reports["bank-b"].reason
    assert reports["registrar"].ok


def test_every_member_replaced_by_an_empty_database_is_a_failed_verify(closed_alliance: Path) -> None:
    # Prepare
    for spec in FOUNDERS:
        _replace_with_empty_database(closed_alliance, spec.org)
    # Execute
    result = run_cli("verify", "--dir", str(closed_alliance))
    # Assert
    assert result.returncode == 4, result.stdout + result.stderr
    assert "genesis missing" in result.stderr and "verified" not in result.stdout


def test_a_member_that_lost_its_last_blocks_is_reported_as_lagging(
    closed_alliance: Path, tmp_path: Path
) -> None:
    # Prepare: trust-c's database as of one block ago, the others one block further
    saved = tmp_path / "saved"
    saved.mkdir()
    for file in _db_files(closed_alliance, "trust-c"):
        shutil.copy(file, saved / file.name)
    with open_alliance(closed_alliance) as alliance:
        alliance.submit("gov.propose", set_ttl(2000), ["registrar"])
    for file in _db_files(closed_alliance, "trust-c"):
        file.unlink()
    for file in saved.iterdir():
        shutil.copy(file, closed_alliance / "orgs" / "trust-c" / file.name)
    # Execute
    reports = {Path(r.path).parent.name: r for r in verify_alliance(closed_alliance)}
    # Assert
    lagging = reports["trust-c"]
    assert not lagging.ok and lagging.first_bad_height == 2
    assert "trust-c lags" in lagging.reason and "registrar holds 0..2" in lagging.reason
    assert all(reports[org].ok for org in ("registrar", "broker-a", "bank-b"))


def _read_only_verify(directory: Path) -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0:
        for path in [directory, *directory.rglob("*")]:
            path.chmod(path.stat().st_mode & 0o555)
        return run_cli("verify", "--dir", str(directory))
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(directory), *CLI, "verify", "--dir", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        env=WIDE,
    )
    assert "mount:" not in result.stderr, f"could not make a read-only mount for the test: {result.stderr}"
    return result


@pytest.mark.parametrize("with_wal", [False, True])
def test_verify_reads_an_intact_alliance_on_a_read_only_copy(closed_alliance: Path, with_wal: bool) -> None:
    # Prepare: a clean copy, or one taken while the peers were open (blocks still in their -wal files)
    copy = closed_alliance.parent / "audit"
    if with_wal:
        with open_alliance(closed_alliance) as alliance:
            alliance.submit("gov.propose", set_ttl(3000), ["registrar"])
            shutil.copytree(closed_alliance, copy)
        assert (copy / "orgs" / "registrar" / "peer.db-wal").stat().st_size > 0
    else:
        shutil.copytree(closed_alliance, copy)
    # Execute
    result = _read_only_verify(copy)
    # Assert
    height = 2 if with_wal else 1
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(f"heights 0..{height} verified") == len(FOUNDERS)


def test_an_unreadable_database_is_reported_unreadable_not_tampered(closed_alliance: Path) -> None:
    # Prepare
    (closed_alliance / "orgs" / "bank-b" / "peer.db").chmod(0)
    confine = [] if os.geteuid() != 0 else ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    # Execute
    result = subprocess.run(
        [*confine, *CLI, "verify", "--dir", str(closed_alliance)],
        capture_output=True,
        text=True,
        timeout=120,
        env=WIDE,
    )
    # Assert: its own exit code and words; the readable members are verified
    assert result.returncode == 12, result.stdout + result.stderr
    assert result.stderr.startswith("error [store_unreadable]:")
    assert "UNREADABLE" in result.stdout and "BAD" not in result.stdout
    assert "first bad height" not in result.stdout + result.stderr
    assert result.stdout.count("heights 0..1 verified") == len(FOUNDERS) - 1


def test_a_header_nested_thousands_deep_is_reported_not_a_crash(closed_alliance: Path) -> None:
    # Prepare: a tampered header row (the standard decoder recurses once per level)
    deep = b'{"height":' + b"[" * 5000 + b"]" * 5000 + b"}"
    database = sqlite3.connect(closed_alliance / "orgs" / "bank-b" / "peer.db")
    with database:
        database.execute("UPDATE blocks SET header = ? WHERE height = 1", (deep,))
    database.close()
    # Execute
    reports = {Path(r.path).parent.name: r for r in verify_alliance(closed_alliance)}
    # Assert
    assert not reports["bank-b"].ok and reports["bank-b"].first_bad_height == 1
    assert "does not decode" in reports["bank-b"].reason
    with pytest.raises(IntegrityError):
        Block.decode(b'{"header":' + b"[" * 5000 + b"]" * 5000 + b"}")


def test_a_postgresql_store_that_does_not_answer_is_unreadable_not_tampered() -> None:
    # Prepare: nothing listens on port 1
    url = "postgresql://nobody@127.0.0.1:1/ledger?connect_timeout=2"
    # Execute
    report = verify_peer_database(url, contracts=all_contracts(), genesis_hash="00" * 32)
    # Assert
    assert report.unreadable and not report.ok and report.first_bad_height is None
    assert "cannot reach" in report.reason
