"""Contribution and benefit through members' nodes: the guest records, another member reads the values
its own node recomputed, the pool is split and each member reads its payout."""

from __future__ import annotations

import pytest
from api_nodes import Nodes

from pledgenet.errors import ContributionError


def test_a_measurement_recorded_split_and_read_on_members_nodes(nodes: Nodes) -> None:
    # Prepare: bank-01 ran a job with bank-02's features; utilities of {}, {bank-01}, {bank-02}, both
    guest, host = nodes.client("bank-01"), nodes.client("bank-02")
    table = {"job": "api-job", "players": ["bank-01", "bank-02"], "metric": "auc", "method": "exact",
             "estimator": "exact", "utilities": [500_000, 650_000, 600_000, 750_000]}  # fmt: skip

    # Execute
    recorded = guest.record_contribution(table)
    shown = host.contribution("api-job")
    split = guest.split_benefit("api-job", pool=1_000_001)
    payouts = host.payouts("bank-02")

    # Assert: values 150000 and 100000 ppm; 2% floor each, the rest 3:2 (under the 60% cap), every fen paid
    assert recorded.valid and split.valid
    assert shown["values_ppm"] == {"bank-01": 150_000, "bank-02": 100_000} and shown["check"]["ok"]
    assert sum(split.result["payouts"].values()) == 1_000_001
    assert [row["fen"] for row in payouts] == [split.result["payouts"]["bank-02"]] == [404_000]
    assert [row["job"] for row in host.contributions("bank-02")] == ["api-job"]
    with pytest.raises(ContributionError) as unknown:
        host.split_benefit("no-such-job", pool=5)
    assert unknown.value.code == "unknown_contribution"
