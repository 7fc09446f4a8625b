"""On-chain closes (the market contract) and the register's contracts loaded into the risk arrays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from pledgenet.contracts import market as market_contract
from pledgenet.contracts.catalog import init_alliance
from pledgenet.demo import demo_book, members
from pledgenet.errors import MarketDataError, MissingPrice
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.records import TxReceipt
from pledgenet.risk.source import load_book
from pledgenet.risk.valuation import value_book

#: 2024-12-06 10:00 in Shanghai (02:00 UTC), one second more per call
START_MS = int(dt.datetime(2024, 12, 6, 2, 0, tzinfo=dt.UTC).timestamp() * 1000)


class Clock:
    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


@pytest.fixture(scope="module")
def alliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Alliance, Clock]]:
    clock = Clock()
    directory: Path = tmp_path_factory.mktemp("alliance") / "a"
    with init_alliance(directory, list(members.MEMBERS), clock=clock) as ledger:
        demo_book.build_book(ledger)
        closes = {code: price for code, *_rest, price in demo_book.STOCKS}
        receipt = ledger.submit(
            "market.publish_closes", {"trade_date": "2024-12-06", "closes": closes}, [members.EXCHANGE]
        )
        assert receipt.valid, receipt.message
        yield ledger, clock


def publish(
    ledger: Alliance, trade_date: str, closes: dict[str, int], org: str = members.EXCHANGE
) -> TxReceipt:
    return ledger.submit("market.publish_closes", {"trade_date": trade_date, "closes": closes}, [org])


def test_the_regulator_loads_every_contract_at_on_chain_closes(alliance: tuple[Alliance, Clock]) -> None:
    # Prepare
    ledger, _ = alliance
    regulator = ledger.member(members.REGULATOR)
    # Execute
    loaded = load_book(
        ledger.peer(members.REGULATOR), members.REGULATOR, regulator.encryption_private_key, "2024-12-06"
    )
    valuation = value_book(loaded.book, loaded.market.price_fen, loaded.as_of_day)
    # Assert: 8 contracts registered at a 35-60% pledge rate: ratios between 1/0.6 and 1/0.35
    assert loaded.book.size == 8 and loaded.not_entitled == 0
    assert valuation.guarantee_ratio.min() == pytest.approx(1 / 0.60, rel=1e-3)
    assert valuation.guarantee_ratio.max() == pytest.approx(1 / 0.35, rel=1e-3)
    assert not loaded.late


def test_a_broker_sees_only_the_contracts_it_is_party_to(alliance: tuple[Alliance, Clock]) -> None:
    # Prepare
    ledger, _ = alliance
    broker = members.BROKERS[0]
    # Execute
    loaded = load_book(
        ledger.peer(broker), broker, ledger.member(broker).encryption_private_key, "2024-12-06"
    )
    exchange = ledger.member(members.EXCHANGE).encryption_private_key
    outsider = load_book(ledger.peer(members.EXCHANGE), members.EXCHANGE, exchange, "2024-12-06")
    # Assert
    assert 0 < loaded.book.size < 8
    parties = {str(loaded.book.lenders.org[i]) for i in loaded.book.pledgee} | {
        str(loaded.book.lenders.org[i]) for i in loaded.book.agent
    }
    assert broker in parties
    assert loaded.book.size + loaded.not_entitled == 8
    assert outsider.book.size == 0 and outsider.not_entitled == 8


def test_a_missing_close_is_refused_not_filled(alliance: tuple[Alliance, Clock]) -> None:
    # Prepare: the next day's closes leave out the STAR stock
    ledger, clock = alliance
    clock.now += 86_400_000
    closes = {code: price for code, *_rest, price in demo_book.STOCKS if code != "688400"}
    assert publish(ledger, "2024-12-07", closes).valid
    regulator = ledger.member(members.REGULATOR)
    # Execute / Assert
    with pytest.raises(MissingPrice, match="688400"):
        load_book(
            ledger.peer(members.REGULATOR),
            members.REGULATOR,
            regulator.encryption_private_key,
            "2024-12-07",
        )
    partial = load_book(
        ledger.peer(members.REGULATOR), members.REGULATOR, regulator.encryption_private_key, "2024-12-07",
        allow_missing=True,
    )  # fmt: skip
    assert partial.missing_prices == ["688400"]
    assert partial.book.size == 6


def test_closes_are_signed_by_the_exchange_once_and_late_ones_are_marked(
    alliance: tuple[Alliance, Clock],
) -> None:
    # Prepare
    ledger, clock = alliance
    peer = ledger.peer(members.REGULATOR)
    # Execute
    by_broker = publish(ledger, "2024-12-08", {"600100": 600}, org=members.BROKERS[0])
    rewrite = publish(ledger, "2024-12-06", {"600100": 1})
    clock.now += 3 * 86_400_000  # three days later
    late = publish(ledger, "2024-12-09", {"600100": 590})
    # Assert
    assert not by_broker.valid and by_broker.code == "role_denied"
    assert not rewrite.valid and rewrite.code == MarketDataError.code
    assert market_contract.closes(peer, "2024-12-06")["closes"]["600100"] == 612
    assert late.valid and market_contract.closes(peer, "2024-12-09")["late"] is True
    assert any(event["name"] == "market.close_late" for event in late.events)
    assert market_contract.latest_trade_date(peer) == "2024-12-09"


def test_a_corporate_action_notice_is_recorded_once(alliance: tuple[Alliance, Clock]) -> None:
    # Prepare
    ledger, _ = alliance
    notice = {"code": "600200", "kind": "bonus_shares", "ex_date": "2024-12-20", "per_10_shares": 3}
    # Execute
    first = ledger.submit("market.notice", notice, [members.EXCHANGE])
    again = ledger.submit("market.notice", notice, [members.EXCHANGE])
    empty = ledger.submit(
        "market.notice", {**notice, "kind": "cash_dividend", "per_10_shares": 0}, [members.EXCHANGE]
    )
    # Assert
    assert first.valid
    assert not again.valid and not empty.valid
    assert market_contract.notices(ledger.peer(members.BANKS[0]), "600200")[0]["per_10_shares"] == 3
