"""Guarantee ratio, status, line prices and days since breach on contracts worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from risk_fixtures import AS_OF, Tiny, tiny_book, tiny_market

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import STATUS_NORMAL, STATUS_TRIGGERED, STATUS_WARNING
from pledgenet.risk.valuation import DayCount, days_since_breach, value_book


def test_ratio_counts_dividends_and_act365_interest(tiny: Tiny) -> None:
    # Prepare: c2 pledges 50,000 Alpha at CNY 10 plus CNY 20,000 dividends against CNY 300,000 at 7.30%
    # for 365 days
    # Execute
    valuation = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    # Assert
    owed = 30_000_000 * (1 + 0.073)
    assert valuation.owed_fen[2] == pytest.approx(owed)
    assert valuation.guarantee_ratio[2] == pytest.approx((50_000 * 1_000 + 2_000_000) / owed)


def test_act360_accrues_more_interest_than_act365(tiny: Tiny) -> None:
    # Execute
    act365 = value_book(tiny.book, tiny.market.price_fen, tiny.as_of, DayCount.ACT_365)
    act360 = value_book(tiny.book, tiny.market.price_fen, tiny.as_of, DayCount.ACT_360)
    # Assert: c1 accrued 365 days at 7.30%
    assert act360.owed_fen[1] == pytest.approx(100_000_000 * (1 + 0.073 * 365 / 360))
    assert act360.guarantee_ratio[1] < act365.guarantee_ratio[1]


def test_status_follows_each_contracts_own_lines() -> None:
    # Prepare: c0 is 350,000 Alpha against CNY 1.75 m, no interest: ratio 200% at CNY 10
    book, market = tiny_book(), tiny_market()
    prices = market.price_fen.copy()
    # Execute: at CNY 8 the ratio is 160% exactly (not below the warning line); at 7.99 it is below
    at_line = value_book(book, np.where(np.arange(3) == 0, 800.0, prices), AS_OF)
    below = value_book(book, np.where(np.arange(3) == 0, 799.0, prices), AS_OF)
    triggered = value_book(book, np.where(np.arange(3) == 0, 699.0, prices), AS_OF)
    # Assert
    assert at_line.status[0] == STATUS_NORMAL
    assert below.status[0] == STATUS_WARNING
    assert triggered.status[0] == STATUS_TRIGGERED
    assert triggered.count_by_status()["triggered"] >= 1


def test_line_prices_put_the_ratio_exactly_on_the_line(tiny: Tiny) -> None:
    # Execute
    valuation = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    # c0 is on Alpha, c1 on Beta, c3 on Gamma: price each stock at that contract's closing price
    at_closing = value_book(tiny.book, valuation.closing_price_fen[[0, 1, 3]], tiny.as_of)
    # Assert
    assert at_closing.guarantee_ratio[0] == pytest.approx(1.40)
    assert at_closing.guarantee_ratio[1] == pytest.approx(1.40)
    assert at_closing.guarantee_ratio[3] == pytest.approx(1.30)
    assert valuation.warning_price_fen[0] == pytest.approx(1.6 * 175_000_000 / 350_000)


def test_shortfall_is_what_restores_the_closing_line(tiny: Tiny) -> None:
    # Prepare: Alpha halves, c0 owes 1.75 m against 1.75 m of collateral (100%)
    prices = tiny.market.price_fen * np.array([0.5, 1.0, 1.0])
    # Execute
    valuation = value_book(tiny.book, prices, tiny.as_of)
    # Assert
    assert valuation.shortfall_to_closing_fen()[0] == pytest.approx(0.4 * 175_000_000)
    assert valuation.uncovered_fen()[0] == pytest.approx(0.0)
    assert valuation.shortfall_to_closing_fen()[1] == 0.0


def test_days_since_breach_counts_the_trailing_run(tiny: Tiny) -> None:
    # Prepare: Alpha at 10, 6.5 (below c0's closing price of 7), 10, 6.5, 6.0 on five consecutive days
    days = np.arange(tiny.as_of - 4, tiny.as_of + 1)
    history = np.tile(tiny.market.price_fen, (5, 1))
    history[:, 0] = [1_000.0, 650.0, 1_000.0, 650.0, 600.0]
    # Execute
    since = days_since_breach(tiny.book, history, days)
    # Assert: c0 breached two days before the last day and stayed below; Beta and Gamma never moved
    assert since[0] == 1
    assert since[1] == -1
    assert since[3] == -1


def test_a_day_without_a_close_neither_starts_nor_ends_a_breach(tiny: Tiny) -> None:
    # Prepare: Alpha breaches c0's closing price (7.00) on day 1, is suspended (no close) on days 2 and 3,
    # still below on day 4; c0 started on day 0 of this history, c3 only on the last day
    days = np.arange(tiny.as_of - 4, tiny.as_of + 1)
    book = tiny_book(start_day=np.array([tiny.as_of - 4, AS_OF - 365, AS_OF - 365, tiny.as_of]))
    history = np.tile(tiny.market.price_fen, (5, 1))
    history[:, 0] = [1_000.0, 650.0, np.nan, np.nan, 650.0]
    history[:, 2] = 100.0  # Gamma far below c3's closing line every day, c3 exists on the last one only
    # Execute
    since = days_since_breach(book, history, days)
    # Assert: the run goes on through the suspension; days before a contract's start are no breach
    assert since[0] == 3
    assert since[3] == 0


def test_a_missing_price_is_refused_not_filled(tiny: Tiny) -> None:
    # Prepare
    prices = tiny.market.price_fen.copy()
    prices[1] = np.nan
    # Execute / Assert
    with pytest.raises(DataError, match="no positive closing price"):
        value_book(tiny.book, prices, tiny.as_of)


def test_a_book_with_warning_line_under_closing_line_is_refused() -> None:
    # Execute / Assert
    with pytest.raises(DataError, match="warning line >= closing line"):
        tiny_book(warning_line_bp=np.array([12_000, 16_000, 15_000, 15_000]))
