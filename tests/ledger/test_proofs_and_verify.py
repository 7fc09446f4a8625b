"""Proofs check with headers only; verify names the first height that no longer matches."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ledger_helpers import set_ttl
from typer.testing import CliRunner

import pledgenet.cli.commands  # noqa: F401  (registers the commands)
from pledgenet.cli.app import app
from pledgenet.contracts.catalog import all_contracts, verify_alliance
from pledgenet.errors import IntegrityError
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.proofs import check_key_proof, check_tx_proof, verify_header_chain
from pledgenet.ledger.verify import verify_peer_database


def _grow(alliance: Alliance, blocks: int) -> list[str]:
    return [alliance.submit("gov.propose", set_ttl(1000 + n), ["registrar"]).tx_id for n in range(blocks)]


def test_tx_and_key_proofs_check_with_headers_only(alliance: Alliance) -> None:
    # Prepare
    ids = _grow(alliance, 4)
    peer = alliance.peer("trust-c")
    headers = peer.headers()
    # Execute
    verify_header_chain(headers, genesis_hash=alliance.config.genesis_hash,
                        producer_keys={"orderer": alliance.orderer.key.public_bytes})  # fmt: skip
    by_height = {h.height: h for h in headers}
    proven = check_tx_proof(peer.proof(ids[1]), by_height)
    pending = check_tx_proof(peer.proof(ids[-1]), by_height)
    key_proof = peer.key_proof(f"gov/proposal/{ids[1]}")
    # Assert
    assert proven is True and pending is False  # the last block's outcome needs the next header
    assert check_key_proof(key_proof, by_height) is True
    lying = peer.proof(ids[1]).__class__(**{**peer.proof(ids[1]).__dict__, "valid": False})
    with pytest.raises(IntegrityError):
        check_tx_proof(lying, by_height)


def test_history_lists_every_version_with_its_transaction(alliance: Alliance) -> None:
    # Prepare
    first = alliance.submit("gov.propose", set_ttl(5), ["registrar"])
    # Execute
    vote = alliance.submit("gov.vote", {"proposal": first.tx_id, "approve": True}, ["bank-b"])
    versions = alliance.peer("broker-a").history(f"gov/proposal/{first.tx_id}")
    # Assert
    assert [(v.tx_id, v.value["status"]) for v in versions] == [
        (first.tx_id, "open"),
        (vote.tx_id, "executed"),
    ]


def _tamper(db: Path, sql: str, params: tuple[object, ...]) -> None:
    connection = sqlite3.connect(db)
    connection.execute(sql, params)
    connection.commit()
    connection.close()


def test_verify_names_the_first_bad_height_after_any_change(tmp_path: Path, alliance: Alliance) -> None:
    # Prepare
    _grow(alliance, 6)
    alliance.close()
    directory = alliance.directory
    assert all(report.ok for report in verify_alliance(directory))
    config = alliance.config
    db = directory / "orgs" / "bank-b" / "peer.db"
    cases = [
        ("UPDATE txs SET envelope = replace(envelope, '1003', '1004') WHERE height = 4", 4),
        (
            "UPDATE blocks SET header = replace(header, '\"timestamp\":', '\"timestamp\":1')"
            " WHERE height = 2",
            2,
        ),
        ("UPDATE txs SET code = 'ok', valid = 1 WHERE height = 5", None),
        (
            "UPDATE writes SET data = CAST(replace(data, 'registrar', 'registrbr') AS BLOB)"
            " WHERE pos = 3 << 24",
            3,
        ),
        ("UPDATE state SET len = len - 1 WHERE key = 'gov/param/gov.proposal_ttl_ms'", 0),
    ]
    for sql, height in cases:
        copy = tmp_path / "copy.db"
        copy.write_bytes(db.read_bytes())
        _tamper(copy, sql, ())
        # Execute
        report = verify_peer_database(copy, contracts=all_contracts(), genesis_hash=config.genesis_hash)
        # Assert
        if height is None:  # a no-op change (all were already valid) must still verify
            assert report.ok
        else:
            assert (report.ok, report.first_bad_height) == (False, height), (sql, report)


def test_flipping_a_raw_byte_of_the_database_file_is_caught(tmp_path: Path, alliance: Alliance) -> None:
    # Prepare
    _grow(alliance, 3)
    marker = alliance.peer("trust-c").block(2).txs[0][-100:]  # its signatures: unique bytes
    alliance.close()
    db = alliance.directory / "orgs" / "trust-c" / "peer.db"
    data = bytearray(db.read_bytes())
    at = data.index(marker) + 10
    data[at] ^= 0x01
    db.write_bytes(bytes(data))
    # Execute
    result = CliRunner().invoke(app, ["verify", "--dir", str(alliance.directory)])
    # Assert
    assert result.exit_code != 0
    assert "first bad height 2" in result.output or "first bad height 2" in str(result.exception)
