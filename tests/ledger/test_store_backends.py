"""One store suite, run against both backends: SQLite (the embedded default) and PostgreSQL.

Each test replays a small alliance's chain into a peer on the backend under test and checks what a user
of the peer sees: the same state root, the same answers to queries, ``verify`` passing (and catching a
tampered row), and a ``kill -9`` inside a block's commit leaving the whole block or none of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import set_ttl

from pledgenet.contracts.catalog import all_contracts
from pledgenet.devcluster.postgres import LocalPostgres
from pledgenet.errors import ConfigError
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.store import open_store
from pledgenet.ledger.verify import verify_peer_database


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "peer.db")
    else:
        server: LocalPostgres = request.getfixturevalue("local_postgres")
        yield server.create_database()


def _grow(alliance: Alliance, blocks: int) -> None:
    for n in range(blocks):
        alliance.submit_many([("gov.propose", set_ttl(1000 + 10 * n + i), ["registrar"]) for i in range(3)])
    alliance.submit("gov.propose", {"bad": "args"}, ["broker-a"])  # an invalid transaction, kept in its block


def _replay(source: Peer, location: str, alliance: Alliance, upto: int | None = None) -> Peer:
    peer = Peer(location, contracts=all_contracts(), org="x", genesis_hash=alliance.config.genesis_hash)
    for height in range(peer.height + 1, (source.height if upto is None else upto) + 1):
        peer.apply_block(source.block(height))
    return peer


def _tamper(location: str, sql: str) -> None:
    store: Any = open_store(location)  # both backends' connections take plain SQL through ``execute``
    try:
        store.db.execute(sql)
    finally:
        store.close()


def test_a_peer_on_either_backend_reaches_the_same_state_and_answers(
    alliance: Alliance, location: str
) -> None:
    # Prepare
    _grow(alliance, 4)
    source = alliance.peer("trust-c")
    # Execute
    peer = _replay(source, location, alliance)
    # Assert
    assert (peer.height, peer.last_hash, peer.state_root) == (
        source.height,
        source.last_hash,
        source.state_root,
    )
    assert peer.store.range("") == source.store.range("")
    assert peer.history("gov/param/gov.proposal_ttl_ms") == source.history("gov/param/gov.proposal_ttl_ms")
    for height in range(peer.height + 1):
        assert peer.receipts_at(height) == source.receipts_at(height)
        assert peer.store.write_set_rows(height) == source.store.write_set_rows(height)
    last = source.receipts_at(source.height)[0]
    assert not last.valid
    assert peer.tx(last.tx_id).receipt == last
    peer.close()
    reopened = Peer(location, contracts=all_contracts(), genesis_hash=alliance.config.genesis_hash)
    assert reopened.chain_tip() == source.chain_tip()
    reopened.close()


def test_verify_passes_on_either_backend_and_names_a_tampered_row(alliance: Alliance, location: str) -> None:
    # Prepare
    _grow(alliance, 3)
    _replay(alliance.peer("bank-b"), location, alliance).close()
    genesis = alliance.config.genesis_hash
    # Execute
    clean = verify_peer_database(location, contracts=all_contracts(), genesis_hash=genesis)
    _tamper(location, "UPDATE txs SET code = 'tampered' WHERE height = 2 AND idx = 1")
    tampered = verify_peer_database(location, contracts=all_contracts(), genesis_hash=genesis)
    # Assert
    assert clean.ok and clean.height == alliance.peer("bank-b").height
    assert (tampered.ok, tampered.first_bad_height) == (False, 2)
    assert "outcomes differ" in tampered.reason


CHILD = textwrap.dedent(
    """
    import sys, time
    from pledgenet.contracts.catalog import all_contracts
    from pledgenet.ledger.peer import Peer
    source = Peer(sys.argv[1], contracts=all_contracts())
    peer = Peer(sys.argv[2], contracts=all_contracts())
    crash_at = int(sys.argv[3])

    def stall(height):
        if height == crash_at:
            print("IN_COMMIT", flush=True)
            time.sleep(60)

    peer.on_commit_midway = stall
    for height in range(peer.height + 1, source.height + 1):
        peer.apply_block(source.block(height))
    """
)


@pytest.mark.slow
def test_kill_9_inside_a_block_commit_leaves_all_or_nothing(alliance: Alliance, location: str) -> None:
    # Prepare
    _grow(alliance, 4)
    source = alliance.peer("registrar")
    crash_at = 3
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, source.store.path, location, str(crash_at)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    # Execute
    assert child.stdout.readline().strip() == "IN_COMMIT"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    # Assert: nothing of block 3 is stored; the peer resumes from block 2 to the same root
    store = open_store(location, read_only=True)
    assert store.heights() == list(range(crash_at))
    assert store.tx_rows("height >= ?", (crash_at,)) == []
    store.close()
    peer = _replay(source, location, alliance)
    assert peer.state_root == source.state_root
    peer.close()
    assert verify_peer_database(
        location, contracts=all_contracts(), genesis_hash=alliance.config.genesis_hash
    ).ok


def test_a_postgresql_database_has_one_writing_peer(
    local_postgres: LocalPostgres, alliance: Alliance
) -> None:
    # Prepare
    url = local_postgres.create_database()
    first = Peer(url, contracts=all_contracts())
    # Execute / Assert
    with pytest.raises(ConfigError, match="already open for writing"):
        Peer(url, contracts=all_contracts())
    first.close()
    Peer(url, contracts=all_contracts()).close()  # free again once the first closed
