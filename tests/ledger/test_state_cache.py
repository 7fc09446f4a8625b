"""The peer's read cache of committed state, and the background checkpoints: invisible to contracts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import FOUNDERS

from pledgenet.contracts.catalog import all_contracts
from pledgenet.errors import ContractError
from pledgenet.ledger import writeset
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.cache import StateCache
from pledgenet.ledger.contract_api import Contract, TxContext
from pledgenet.ledger.store import BlockStore

probe = Contract(name="probe", default_params={"probe.list": [1, 2]})


@probe.operation("put")
def put(ctx: TxContext, args: dict[str, Any]) -> Any:
    ctx.put(f"probe/{args['key']}", args["value"])
    if args.get("fail"):
        raise ContractError("refused after writing", code="refused")
    return None


@probe.operation("read")
def read(ctx: TxContext, args: dict[str, Any]) -> Any:
    value = ctx.get(f"probe/{args['key']}")
    if args.get("mutate") and value is not None:
        value["mutated"] = True  # read, changed, never put: must not reach anyone else
    listed = ctx.param("probe.list")
    if args.get("mutate"):
        listed.append(99)
    return {"value": ctx.get(f"probe/{args['key']}"), "list": ctx.param("probe.list")}


@probe.operation("grant")
def grant(ctx: TxContext, args: dict[str, Any]) -> Any:
    """Write a member record directly (a stand-in for a governance vote that changes roles)."""
    ctx.put(f"gov/member/{args['org']}", {"org": args["org"], "roles": args["roles"]})
    return None


@probe.operation("roles")
def roles(ctx: TxContext, args: dict[str, Any]) -> Any:
    return sorted(ctx.roles_of(args["org"]))


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Alliance]:
    with Alliance.init(tmp_path / "a", FOUNDERS, contracts=[*all_contracts(), probe]) as created:
        yield created


def test_a_refused_transaction_leaves_nothing_for_later_reads(ledger: Alliance) -> None:
    # Prepare
    ledger.submit("probe.put", {"key": "k", "value": {"n": 1}}, ["registrar"])
    # Execute: in one block, a refused overwrite, then a read; then a read in the next block
    refused, same_block = ledger.submit_many(
        [
            ("probe.put", {"key": "k", "value": {"n": 2}, "fail": True}, ["broker-a"]),
            ("probe.read", {"key": "k"}, ["bank-b"]),
        ]
    )
    next_block = ledger.submit("probe.read", {"key": "k"}, ["trust-c"])
    # Assert
    assert (refused.valid, refused.code) == (False, "refused")
    assert same_block.result["value"] == next_block.result["value"] == {"n": 1}
    assert ledger.peer("trust-c").get("probe/k") == {"n": 1}


def test_reads_see_each_block_as_it_commits(ledger: Alliance) -> None:
    # Prepare: the value is read (and so cached) before it changes
    ledger.submit("probe.put", {"key": "k", "value": {"n": 1}}, ["registrar"])
    ledger.submit("probe.read", {"key": "k"}, ["bank-b"])
    # Execute
    ledger.submit("probe.put", {"key": "k", "value": {"n": 2}}, ["broker-a"])
    after = ledger.submit("probe.read", {"key": "k"}, ["bank-b"])
    # Assert
    assert after.result["value"] == {"n": 2}


def test_a_handler_that_changes_what_it_read_changes_nothing_for_others(ledger: Alliance) -> None:
    # Prepare
    ledger.submit("probe.put", {"key": "k", "value": {"n": 1}}, ["registrar"])
    # Execute
    first, second = ledger.submit_many(
        [
            ("probe.read", {"key": "k", "mutate": True}, ["broker-a"]),
            ("probe.read", {"key": "k"}, ["bank-b"]),
        ]
    )
    third = ledger.submit("probe.read", {"key": "k"}, ["trust-c"])
    # Assert: each read is a fresh value; governed lists too
    assert first.result == {"value": {"n": 1}, "list": [1, 2]}
    assert second.result == third.result == {"value": {"n": 1}, "list": [1, 2]}


def test_a_change_of_roles_is_seen_by_the_next_transaction_and_block(ledger: Alliance) -> None:
    # Prepare: the roles of "ghost" are read (and so cached) while it is no member
    before = ledger.submit("probe.roles", {"org": "ghost"}, ["registrar"])
    # Execute
    _granted, same_block = ledger.submit_many(
        [
            ("probe.grant", {"org": "ghost", "roles": ["bank"]}, ["broker-a"]),
            ("probe.roles", {"org": "ghost"}, ["bank-b"]),
        ]
    )
    next_block = ledger.submit("probe.roles", {"org": "ghost"}, ["trust-c"])
    # Assert
    assert before.result == []
    assert same_block.result == next_block.result == ["bank"]


def test_a_reopened_peer_computes_the_same_state_root(tmp_path: Path) -> None:
    # Prepare: writes through a warm cache, then a restart with a cold one
    with Alliance.init(tmp_path / "a", FOUNDERS, contracts=[*all_contracts(), probe]) as ledger:
        for n in range(3):
            ledger.submit("probe.put", {"key": f"k{n % 2}", "value": {"n": n}}, ["registrar"])
        roots = {org: ledger.peer(org).state_root for org in ledger.orgs}
    # Execute
    with Alliance.open(tmp_path / "a", contracts=[*all_contracts(), probe]) as reopened:
        receipt = reopened.submit("probe.read", {"key": "k0"}, ["bank-b"])
        after = {org: reopened.peer(org).state_root for org in reopened.orgs}
    # Assert
    assert len(set(roots.values())) == 1 and len(set(after.values())) == 1
    assert receipt.result["value"] == {"n": 2}


def test_a_full_cache_drops_its_older_half_and_still_answers(tmp_path: Path) -> None:
    # Prepare: a store holding five keys of about 170 bytes in the cache's accounting
    store = BlockStore(tmp_path / "s.db")

    def commit(height: int, values: dict[str, bytes]) -> None:
        entries = [(key, -1, value) for key, value in values.items()]
        data, offsets = writeset.encode(entries)
        upserts = [
            (key, writeset.position(height, 0), offset, len(value))
            for (key, _previous, value), offset in zip(entries, offsets, strict=True)
            if value is not None
        ]
        store.commit_block(
            height=height,
            block_hash=f"h{height}",
            header=b"{}",
            signature=b"",
            effects_root=b"",
            state_root_after=b"",
            tx_rows=[],
            upserts=upserts,
            deletes=[],
            write_sets=[(writeset.position(height, 0), data)],
        )

    old = b'"' + b"x" * 100 + b'"'
    commit(0, {f"probe/{n}": old for n in range(5)})
    small = StateCache(store, max_bytes=300)  # room for one entry
    roomy = StateCache(store, max_bytes=700)  # room for four
    # Execute
    seen = [small.committed(f"probe/{n}") for n in (0, 1, 2, 0, 1, 2)]
    for n in range(5):  # the fifth pushes out the older two
        roomy.committed(f"probe/{n}")
    misses = roomy.misses
    kept = [roomy.committed(f"probe/{n}") for n in (2, 3, 4)]
    kept_without_reads = roomy.misses == misses
    dropped_then_read = roomy.committed("probe/0")
    commit(1, {"probe/0": b'"new"'})
    small.applied({"probe/0": b'"new"', "probe/9": None}, {"probe/0": 1 << 24, "probe/9": 1 << 24})
    # Assert
    assert all(value == old for value in seen) and small.misses == 6
    assert kept == [old] * 3 and kept_without_reads and dropped_then_read == old
    assert roomy.misses == misses + 1
    assert small.committed("probe/0") == b'"new"' and small.committed("probe/9") is None
    store.close()


def test_checkpoints_run_beside_the_commits_and_stop_with_the_peer(ledger: Alliance) -> None:
    # Prepare
    checkpointer = ledger.peer("registrar").store.checkpointer
    assert checkpointer is not None
    # Execute
    for n in range(3):
        ledger.submit("probe.put", {"key": f"k{n}", "value": n}, ["registrar"])
    deadline = time.monotonic() + 10
    while checkpointer.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    # Assert
    assert checkpointer.runs >= 1 and checkpointer.last_error is None
