"""The registrar's verdict on sealed terms through the real alliance: a refusal recorded on every peer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pledgenet.contracts.catalog import verify_alliance
from pledgenet.demo import demo_book, members
from pledgenet.errors import TermsViolation
from pledgenet.ledger.alliance import Alliance
from pledgenet.register.client import RegisterClient


@pytest.fixture(scope="module")
def alliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alliance]:
    created = demo_book.create(Path(tmp_path_factory.mktemp("verdicts")) / "alliance")
    demo_book.build_book(created)
    yield created
    created.close()


def test_a_pledge_over_sixty_percent_is_an_invalid_transaction_on_every_peer(alliance: Alliance) -> None:
    # Prepare: 1,000,000 shares of 600100 at CNY 6.12 are worth CNY 6.12m; CNY 5m is an 82% pledge rate
    broker = RegisterClient(alliance, members.BROKERS[0])
    height = alliance.peer(members.REGISTRAR).height
    before = alliance.peer(members.REGISTRAR).range("reg/")
    # Execute: the broker skips its own check; the registrar's verdict goes on the chain
    with pytest.raises(TermsViolation) as refused:
        broker.pledge(
            contract_no="ZY-RATE-ONCHAIN",
            account="F0000",
            code="600100",
            quantity=1_000_000,
            pledgee=members.BANKS[1],
            terms=demo_book.terms_for(500_000_000, 612),
            preflight=False,
        )
    # Assert: recorded invalid at the next height by every peer, nothing changed, the terms stay sealed
    assert refused.value.code == "pledge_rate_exceeded"
    for org in alliance.orgs:
        peer = alliance.peer(org)
        [receipt] = peer.receipts_at(height + 1)
        assert (receipt.valid, receipt.code, receipt.tx_type) == (
            False,
            "pledge_rate_exceeded",
            "register.pledge",
        )
        assert peer.range("reg/") == before
    stored = alliance.peer(members.TRUST).tx(receipt.tx_id)
    assert stored.receipt.code == "pledge_rate_exceeded"
    assert b"500000000" not in stored.envelope and b"amount_fen" not in stored.envelope
    assert b'"verdict":"pledge_rate_exceeded"' in stored.envelope


def test_the_submitters_own_check_refuses_before_anything_is_submitted(alliance: Alliance) -> None:
    # Prepare
    broker = RegisterClient(alliance, members.BROKERS[0])
    height = alliance.peer(members.REGISTRAR).height
    # Execute
    with pytest.raises(TermsViolation) as refused:
        broker.pledge(
            contract_no="ZY-RATE-LOCAL",
            account="F0000",
            code="600100",
            quantity=1_000_000,
            pledgee=members.BANKS[1],
            terms=demo_book.terms_for(500_000_000, 612),
        )
    # Assert
    assert refused.value.code == "pledge_rate_exceeded"
    assert alliance.peer(members.REGISTRAR).height == height


def test_the_chain_with_refused_verdicts_verifies(alliance: Alliance) -> None:
    # Execute
    reports = verify_alliance(alliance.directory)
    # Assert
    assert all(report.ok for report in reports), [r for r in reports if not r.ok]
