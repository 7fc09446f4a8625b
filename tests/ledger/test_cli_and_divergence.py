"""The ledger CLI, and a peer that halts on state divergence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pledgenet.cli.commands  # noqa: F401  (registers the commands)
from pledgenet.cli.app import app
from pledgenet.errors import IntegrityError, StateDivergence
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.ordering.base import ChainTip, sign_block


def test_cli_init_show_and_verify(tmp_path: Path) -> None:
    # Prepare
    runner = CliRunner()
    directory = tmp_path / "al"
    # Execute
    created = runner.invoke(
        app,
        [
            "init",
            "--dir",
            str(directory),
            "--member",
            "registrar:registrar,governing",
            "--member",
            "bank-b:bank",
        ],
    )
    blocks = runner.invoke(app, ["blocks", "--dir", str(directory), "--json"])
    state = runner.invoke(app, ["state", "--dir", str(directory), "gov/member/", "--json"])
    verified = runner.invoke(app, ["verify", "--dir", str(directory), "--json"])
    missing = runner.invoke(app, ["verify", "--dir", str(tmp_path / "nowhere")])
    # Assert
    assert created.exit_code == 0, created.output
    assert [h["height"] for h in json.loads(blocks.output)] == [0]
    assert sorted(json.loads(state.output)) == ["gov/member/bank-b", "gov/member/registrar"]
    assert verified.exit_code == 0 and all(r["ok"] for r in json.loads(verified.output))
    assert missing.exit_code != 0


def test_demo_refuses_to_delete_a_directory_that_is_not_an_alliance(tmp_path: Path) -> None:
    # Prepare
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("keep me")
    # Execute
    result = CliRunner().invoke(app, ["demo", "--quick", "--dir", str(precious)])
    # Assert
    assert result.exit_code != 0
    assert (precious / "thesis.txt").read_text() == "keep me"


def test_peer_halts_on_a_header_with_another_state_root(alliance: Alliance) -> None:
    # Prepare
    peer = alliance.peer("bank-b")
    tip = peer.chain_tip()
    lying_tip = ChainTip(tip.height, tip.hash, bytes(32), tip.timestamp)
    bad = sign_block(
        alliance=alliance.alliance_id,
        producer="orderer",
        key=alliance.orderer.key,
        tip=lying_tip,
        timestamp=tip.timestamp + 1,
        txs=[],
    )
    good = sign_block(
        alliance=alliance.alliance_id,
        producer="orderer",
        key=alliance.orderer.key,
        tip=tip,
        timestamp=tip.timestamp + 1,
        txs=[],
    )
    # Execute / Assert
    with pytest.raises(StateDivergence, match="state divergence at height"):
        peer.apply_block(bad)
    with pytest.raises(StateDivergence, match="halted"):
        peer.apply_block(good)
    assert peer.height == tip.height


def test_block_with_unknown_producer_key_is_refused(alliance: Alliance) -> None:
    # Prepare
    from pledgenet.crypto.identity import SigningKey

    peer = alliance.peer("trust-c")
    forged = sign_block(
        alliance=alliance.alliance_id,
        producer="orderer",
        key=SigningKey.generate(),
        tip=peer.chain_tip(),
        timestamp=peer.last_timestamp + 1,
        txs=[],
    )
    # Execute / Assert
    with pytest.raises(IntegrityError.__mro__[1]):  # LedgerError: InvalidSignature
        peer.apply_block(forged)
    assert peer.height == forged.height - 1 and peer.halted is None
