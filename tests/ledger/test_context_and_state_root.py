"""The TxContext the peer gives handlers, and the state root's determinism."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import FOUNDERS

from pledgenet.contracts.catalog import all_contracts, init_alliance
from pledgenet.crypto.merkle import root_of_hashes
from pledgenet.errors import ContractError
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.block import effects_leaf_hashes
from pledgenet.ledger.contract_api import Contract, TxContext

notes = Contract(name="notes", default_params={"notes.max": 3})


@notes.operation("write")
def write(ctx: TxContext, args: dict[str, Any]) -> Any:
    for key, value in args["put"].items():
        ctx.put(f"notes/{key}", value)
    for key in args.get("delete", []):
        ctx.delete(f"notes/{key}")
    seen = [key for key, _value in ctx.range("notes/")]
    if len(seen) > ctx.param("notes.max"):
        raise ContractError("too many notes", code="too_many")
    return {"seen": seen, "time": ctx.block_time}


@notes.operation("cosigned")
def cosigned(ctx: TxContext, args: dict[str, Any]) -> Any:
    ctx.require_signed_by(args["with"])
    ctx.put("notes/cosigned", ctx.submitter)
    return None


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Alliance]:
    with Alliance.init(tmp_path / "a", FOUNDERS, contracts=[*all_contracts(), notes]) as created:
        yield created


def test_range_sees_own_writes_sorted_and_refusal_discards_them(ledger: Alliance) -> None:
    # Prepare
    ledger.submit("notes.write", {"put": {"b": 1}}, ["registrar"])
    # Execute
    merged = ledger.submit("notes.write", {"put": {"a": 2, "c": 3}, "delete": ["b"]}, ["registrar"])
    refused = ledger.submit("notes.write", {"put": {"d": 4, "e": 5}}, ["registrar"])
    # Assert
    assert merged.result["seen"] == ["notes/a", "notes/c"]
    assert merged.result["time"] == ledger.peer("bank-b").header(merged.height).header.timestamp
    assert (refused.valid, refused.code) == (False, "too_many")
    assert [key for key, _v in ledger.peer("trust-c").range("notes/")] == ["notes/a", "notes/c"]


def test_later_transactions_in_a_block_see_earlier_writes(ledger: Alliance) -> None:
    # Execute
    first, second = ledger.submit_many(
        [("notes.write", {"put": {"x": 1}}, ["registrar"]), ("notes.write", {"put": {"y": 1}}, ["bank-b"])]
    )
    # Assert
    assert first.height == second.height
    assert second.result["seen"] == ["notes/x", "notes/y"]


def test_endorsement_is_required_by_the_handler(ledger: Alliance) -> None:
    # Execute
    alone = ledger.submit("notes.cosigned", {"with": "bank-b"}, ["broker-a"])
    together = ledger.submit("notes.cosigned", {"with": "bank-b"}, ["broker-a", "bank-b"])
    # Assert
    assert (alone.valid, alone.code) == (False, "endorsement_missing")
    assert together.valid and ledger.peer("registrar").get("notes/cosigned") == "broker-a"


def test_expired_certificate_is_refused_at_block_time(tmp_path: Path) -> None:
    # Prepare
    now = [1_750_000_000_000]
    with init_alliance(tmp_path / "a", FOUNDERS, clock=lambda: now[0]) as ledger:
        action = ledger.issue_member("bank-z", ["bank", "governing"], days=1)
        proposal = ledger.submit("gov.propose", {"action": action}, ["registrar"])
        ledger.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, ["broker-a"])
        fine = ledger.submit("gov.vote", {"proposal": proposal.tx_id, "approve": False}, ["bank-z"])
        # Execute
        now[0] += 2 * 86_400_000
        late = ledger.submit(
            "gov.propose", {"action": {"kind": "remove_member", "org": "trust-c"}}, ["bank-z"]
        )
    # Assert
    assert fine.code == "proposal_closed"  # a known, valid signer (the proposal had already passed)
    assert (late.valid, late.code) == (False, "certificate_expired")


writes = st.dictionaries(
    st.text(min_size=1, max_size=6).map(lambda s: f"k/{s}"),
    st.one_of(st.none(), st.integers().map(lambda n: str(n).encode())),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(writes=writes, seed=st.integers(0, 1000))
def test_effects_root_ignores_write_order_and_sees_every_value(
    writes: dict[str, bytes | None], seed: int
) -> None:
    # Prepare
    keys = list(writes)
    random.Random(seed).shuffle(keys)
    shuffled = {key: writes[key] for key in keys}
    # Execute
    root = root_of_hashes(effects_leaf_hashes(writes, []))
    # Assert
    assert root == root_of_hashes(effects_leaf_hashes(shuffled, []))
    if writes:
        changed = dict(writes)
        changed[keys[0]] = b'"other"'
        assert root != root_of_hashes(effects_leaf_hashes(changed, []))


def test_history_of_a_key_deleted_and_written_again_keeps_every_version(ledger: Alliance) -> None:
    # Prepare: notes/b written, deleted, written again, then twice more inside one block
    ledger.submit("notes.write", {"put": {"b": 1}}, ["registrar"])
    ledger.submit("notes.write", {"put": {}, "delete": ["b"]}, ["registrar"])
    ledger.submit("notes.write", {"put": {"b": 7}}, ["registrar"])
    same_block = ledger.submit_many(
        [("notes.write", {"put": {"b": 8}}, ["registrar"]), ("notes.write", {"put": {"b": 9}}, ["bank-b"])]
    )
    # Execute
    versions = ledger.peer("trust-c").history("notes/b")
    proof = ledger.peer("trust-c").key_proof("notes/b")
    # Assert
    assert [(v.value, v.deleted) for v in versions] == [
        (1, False),
        (None, True),
        (7, False),
        (8, False),
        (9, False),
    ]
    assert [v.tx_id for v in versions[-2:]] == [receipt.tx_id for receipt in same_block]
    assert versions[-1].height == versions[-2].height and proof.height == versions[-1].height
