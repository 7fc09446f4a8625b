"""Governance and the exchange's price feed through members' nodes: views, proposals, votes, closes."""

from __future__ import annotations

import datetime as dt

import pytest
from api_nodes import TRADE_DATE, Nodes

from pledgenet.errors import GovernanceError, MarketDataError, RoleDenied

TTL = "gov.proposal_ttl_ms"


def test_a_proposal_opened_and_carried_by_votes_on_governors_nodes(nodes: Nodes) -> None:
    # Prepare: the three governing members each use their own node
    regulator, registrar, exchange = (nodes.client(org) for org in ("regulator", "registrar", "exchange"))
    ttl = regulator.params()[TTL]
    # Execute
    opened = regulator.propose({"kind": "set_param", "name": TTL, "value": ttl + 1})
    proposal_id = opened.result["id"]
    still_open = [row["id"] for row in exchange.proposals(status="open")]
    votes = [registrar.vote(proposal_id, approve=True)]
    if votes[0].result["status"] == "open":
        votes.append(exchange.vote(proposal_id, approve=True))
    # Assert
    assert proposal_id in still_open
    assert votes[-1].result["status"] == "executed"
    assert exchange.params()[TTL] == ttl + 1
    with pytest.raises(GovernanceError) as closed:
        regulator.vote(proposal_id, approve=False)
    assert closed.value.code == "proposal_closed"


def test_a_member_without_the_governing_role_cannot_propose(nodes: Nodes) -> None:
    # Prepare
    bank = nodes.client("bank-01")
    # Execute / Assert
    with pytest.raises(RoleDenied):
        bank.propose({"kind": "set_param", "name": TTL, "value": 1})
    assert {row["org"] for row in bank.members()} >= {"bank-01", "registrar", "regulator"}
    with pytest.raises(GovernanceError) as unknown:
        nodes.client("registrar").vote("00" * 32, approve=True)
    assert unknown.value.code == "no_proposal"


def test_the_exchange_publishes_closes_and_notices_that_everyone_reads(nodes: Nodes) -> None:
    # Prepare
    exchange, bank = nodes.client("exchange"), nodes.client("bank-01")
    day = str(dt.date.fromisoformat(TRADE_DATE) + dt.timedelta(days=1))
    ex_date = str(dt.date.fromisoformat(TRADE_DATE) + dt.timedelta(days=10))
    # Execute
    published = exchange.publish_closes(trade_date=day, closes={"600100": 600, "600200": 1800})
    notice = exchange.publish_notice(code="600100", kind="bonus_shares", ex_date=ex_date, per_10_shares=2)
    # Assert
    assert published.valid and notice.valid
    assert bank.closes()["trade_date"] == day and bank.closes(TRADE_DATE)["closes"]["600100"] == 612
    assert [row["kind"] for row in bank.notices("600100")] == ["bonus_shares"]
    with pytest.raises(RoleDenied):
        bank.publish_closes(trade_date=ex_date, closes={"600100": 1})
    with pytest.raises(MarketDataError) as backwards:
        exchange.publish_closes(trade_date=TRADE_DATE, closes={"600100": 1})
    assert "already published" in str(backwards.value)
