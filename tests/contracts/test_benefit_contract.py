"""The benefit contract: a pool of fen split by contribution, floor and cap governed, no fen made or lost."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from memory_context import MemoryLedger

from pledgenet.contracts import benefit, contribution, governance
from pledgenet.contracts.benefit import split_pool

MEMBERS = {org: {"org": org, "roles": ["bank"]} for org in ("guest", "host-a", "host-b", "host-c")}


def recorded(utilities: list[int]) -> MemoryLedger:
    chain = MemoryLedger([governance.contract, contribution.contract, benefit.contract], MEMBERS)
    players = ["guest", "host-a", "host-b", "host-c"][: (len(utilities) - 1).bit_length()]
    args = {"job": "job-1", "players": players, "metric": "auc", "method": "exact", "utilities": utilities}
    assert chain.submit("contribution.record", args, ["guest"]).valid
    return chain


@settings(max_examples=150, deadline=None)
@given(
    pool=st.integers(1, 10**12),
    values=st.lists(st.fractions(min_value=-1000, max_value=10**6), min_size=1, max_size=8),
    floor_bps=st.integers(0, 1250),
    cap_bps=st.integers(1250, 10_000),
)
def test_payouts_sum_to_the_pool_and_keep_the_floor_and_the_cap(
    pool: int, values: list[Fraction], floor_bps: int, cap_bps: int
) -> None:
    # Prepare
    players = {f"m{i}": value for i, value in enumerate(values)}

    # Execute
    payouts = split_pool(pool, players, floor_bps, cap_bps)

    # Assert
    cap = max(pool * cap_bps // 10_000, -(-pool // len(players)))
    assert sum(payouts.values()) == pool
    assert all(pool * floor_bps // 10_000 <= fen <= cap for fen in payouts.values())


def test_shares_follow_positive_contributions_and_a_negative_one_gets_the_floor() -> None:
    # Prepare: host-a is worth three times host-b; host-c harms the model
    values = {"host-a": Fraction(300), "host-b": Fraction(100), "host-c": Fraction(-50)}

    # Execute: floor 10%, no binding cap
    payouts = split_pool(1_000, values, 1_000, 10_000)

    # Assert: 100 each, then the remaining 700 as 3:1 (525 and 175)
    assert payouts == {"host-a": 625, "host-b": 275, "host-c": 100}


def test_the_cap_holds_a_dominant_player_and_shares_the_excess_by_weight() -> None:
    # Execute: a cap of 50% on a player worth 90% of the total
    payouts = split_pool(1_001, {"a": Fraction(9), "b": Fraction(2), "c": Fraction(1)}, 0, 5_000)

    # Assert: a is held at 500 fen, the other 501 go 2:1 with the odd fen to the largest remainder
    assert payouts == {"a": 500, "b": 334, "c": 167}


def test_a_split_on_chain_records_payouts_per_member_and_is_the_same_on_every_replay() -> None:
    # Prepare: a 2-player game where host-a brings everything
    chain = recorded([0, 0, 500_000, 500_000])

    # Execute
    receipt = chain.submit("benefit.split", {"job": "job-1", "pool": 10_001}, ["guest"])
    replay = split_pool(10_001, {"guest": Fraction(0), "host-a": Fraction(500_000)}, 200, 6000)

    # Assert: the guest keeps the 2% floor; host-a's share is capped at 60% and the excess returns
    assert receipt.valid, receipt.message
    assert receipt.result["payouts"] == replay == {"guest": 4001, "host-a": 6000}
    member_rows = chain.snapshot("ben/member/host-a/")
    assert [row["fen"] for row in member_rows.values()] == [6000]


def test_a_split_of_an_unknown_job_or_by_an_outsider_or_of_a_bad_pool_is_refused() -> None:
    # Prepare
    chain = recorded([0, 0, 500_000, 500_000])

    # Execute
    unknown = chain.submit("benefit.split", {"job": "job-2", "pool": 100}, ["guest"])
    outsider = chain.submit("benefit.split", {"job": "job-1", "pool": 100}, ["host-c"])
    negative = chain.submit("benefit.split", {"job": "job-1", "pool": -5}, ["guest"])

    # Assert
    assert (unknown.code, outsider.code, negative.code) == (
        "unknown_contribution",
        "not_a_player",
        "bad_benefit",
    )
    assert chain.snapshot("ben/") == {}
