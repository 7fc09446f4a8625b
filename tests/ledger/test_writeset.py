"""The per-transaction write set: exact round trip, chained key histories, damage detection."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledgenet.contracts.catalog import open_alliance
from pledgenet.errors import ConfigError, IntegrityError
from pledgenet.ledger import writeset
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.store import BlockStore

entries = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=40),
        st.integers(min_value=-1, max_value=2**62),
        st.one_of(st.none(), st.binary(max_size=300)),
    ),
    max_size=12,
)


@given(entries)
def test_a_write_set_comes_back_byte_for_byte(written: list[tuple[str, int, bytes | None]]) -> None:
    # Execute
    data, offsets = writeset.encode(written)
    decoded = writeset.decode(data)
    # Assert: and each value lies at its offset (what a state row keeps)
    assert decoded == written
    for (_key, _previous, value), offset in zip(written, offsets, strict=True):
        assert offset == -1 if value is None else data[offset : offset + len(value)] == value


def test_a_truncated_write_set_is_reported_as_damage() -> None:
    # Prepare
    data, _offsets = writeset.encode([("reg/sec/600000", -1, b'{"code":"600000"}')])
    # Execute / Assert
    with pytest.raises(IntegrityError, match="damaged"):
        writeset.decode(data[:-3])


def test_history_of_a_nonce_lists_one_version_per_transaction(alliance: Alliance) -> None:
    # Prepare: three more transactions of the registrar (refused or not, each spends its nonce)
    peer = alliance.peer("registrar")
    before = len(peer.history("ledger/nonce/registrar"))
    for _ in range(3):
        alliance.submit(
            "gov.propose", {"action": {"kind": "set_param", "name": "x.y", "value": 1}}, ["registrar"]
        )
    # Execute
    versions = peer.history("ledger/nonce/registrar")
    # Assert: one version per transaction of the registrar, oldest first, each naming its transaction
    assert len(versions) == before + 3
    assert [v.value for v in versions[-3:]] == [before + 1, before + 2, before + 3]
    assert [v.height for v in versions] == sorted(v.height for v in versions)
    assert all(peer.tx(v.tx_id).receipt.submitter == "registrar" for v in versions)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        # the per-write layout: a history row per write
        (
            "CREATE TABLE history (key TEXT, height INTEGER, idx INTEGER, value BLOB)",
            "one history row per write",
        ),
        # the intermediate layout: one write set per transaction, but values copied into world state
        (
            "CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB, height INTEGER, idx INTEGER)",
            "earlier pledgenet",
        ),
    ],
)
def test_a_database_of_an_earlier_layout_is_refused_with_a_clear_error(
    tmp_path: Path, table: str, message: str
) -> None:
    # Prepare: a database holding an earlier layout's table
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(table)
    # Execute / Assert
    with pytest.raises(IntegrityError, match=message):
        BlockStore(path)


def test_an_alliance_directory_of_the_registry_era_is_refused_with_a_clear_error(
    alliance: Alliance,
) -> None:
    # Prepare: the directory's marker rewritten as the format before the register's rename wrote it
    directory = alliance.directory
    alliance.close()
    marker = directory / "alliance.json"
    data = json.loads(marker.read_text())
    marker.write_text(json.dumps({**data, "version": 1}))
    # Execute / Assert: refused before any peer is opened, naming what changed
    with pytest.raises(ConfigError, match=r"earlier pledgenet.*register"):
        open_alliance(directory)
