"""A small alliance for the dashboard tests: the scenario's members and book, two days of closes, and a
small dataset of bank-01's with a grant broker-01 requested on it (waiting for the bank's approval), and
broker-02's approved grant with one use of it for another purpose (refused, with an alert)."""

from __future__ import annotations

from pathlib import Path

from pledgenet.contracts.catalog import init_alliance
from pledgenet.data.client import DataClient
from pledgenet.demo import demo_book, members
from pledgenet.ledger.alliance import Alliance

#: bank-01's dataset and the grant broker-01 requested on it
DATASET = "bank-loans"
GRANT_PURPOSE = "credit_modelling"

#: 2024-12-02 09:00 Shanghai
START_MS = 1_733_101_200_000


def build(directory: Path) -> Alliance:
    """The scenario's book, closes for Monday and (10% lower) Tuesday; the alliance is left open."""
    now = [START_MS]

    def clock() -> int:
        now[0] += 1_000
        return now[0]

    alliance = init_alliance(directory, list(members.MEMBERS), clock=clock)
    book = demo_book.build_book(alliance)
    for day, (trade_date, fall) in enumerate((("2024-12-02", 1.0), ("2024-12-03", 0.70))):
        now[0] = max(now[0], START_MS + day * 86_400_000 + 7 * 3_600_000)
        closes = {code: round(price * fall) for code, price in book.prices.items()}
        receipt = alliance.submit(
            "market.publish_closes", {"trade_date": trade_date, "closes": closes}, [members.EXCHANGE]
        )
        assert receipt.valid, receipt.message
    loans = directory.parent / f"{DATASET}.csv"
    loans.write_text("id,amount,rate\n1,100000,4.5\n2,250000,3.9\n3,80000,5.1\n", encoding="utf-8")
    DataClient(alliance, "bank-01").register(
        DATASET, loans, title="Pledge loans", description="the bank's pledge loans", level=1
    )
    DataClient(alliance, members.BROKERS[0]).request(
        DATASET, columns=["amount", "rate"], purpose=GRANT_PURPOSE, operations=["aggregate_query"]
    )
    # broker-02's approved grant, and a use of it for another purpose: refused, with an alert
    other = DataClient(alliance, members.BROKERS[1]).request(
        DATASET, columns=["amount"], purpose="statistics", operations=["aggregate_query"]
    )
    DataClient(alliance, "bank-01").approve(other)
    use = {
        "dataset": DATASET,
        "requester": members.BROKERS[1],
        "grant": other,
        "purpose": "risk_pricing",
        "operation": "aggregate_query",
        "columns": DataClient(alliance, "bank-01").column_ids(DATASET, ["amount"]),
    }
    receipt = alliance.submit("data.record_access", use, ["bank-01", members.BROKERS[1]])
    assert receipt.valid and receipt.result["alerts"] == ["purpose_outside_grant"], receipt.result
    return alliance
