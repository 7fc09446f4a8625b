"""The fire-sale cascade: disposal, reduction-rule caps, square-root impact, limit-down, losses."""

from __future__ import annotations

import numpy as np
import pytest
from risk_fixtures import Tiny

from pledgenet.errors import DataError
from pledgenet.risk.cascade import CascadeParams, run_cascade
from pledgenet.risk.stress import uniform_shock


def test_a_healthy_book_sells_nothing(tiny: Tiny) -> None:
    # Execute
    result = run_cascade(tiny.book, tiny.market, tiny.as_of)
    # Assert
    assert result.forced_sales_fen.sum() == 0
    assert result.triggered.sum() == 0
    assert result.losses_by_pledgee["total_loss_fen"].sum() == 0
    np.testing.assert_array_equal(result.final_price_fen, tiny.market.price_fen)


def test_forced_sales_stop_at_the_reduction_caps(tiny: Tiny) -> None:
    # Prepare: Alpha falls 40%: c0 (HoldCo A) and c2 (Person C) are triggered and cannot repay from
    # 3% of the company each (1% auction + 2% block per 90 days)
    shock = np.array([-0.4, 0.0, 0.0])
    # Execute
    result = run_cascade(tiny.book, tiny.market, tiny.as_of, shock)
    # Assert
    alpha = result.drivers.set_index("code").loc["600001"]
    assert alpha["forced_sold_shares"] == 60_000
    assert alpha["forced_sold_of_shares"] == pytest.approx(0.06)
    assert result.new_breaches[0] == 2
    assert result.forced_sales_fen[-1] == 0  # budgets exhausted long before day 20


def test_square_root_impact_and_limit_down(tiny: Tiny) -> None:
    # Prepare: one day; 5,000 shares sold by auction (25% of 20,000 a day) at 2% volatility
    shock = np.array([-0.4, 0.0, 0.0])
    one_day = CascadeParams(days=1, block_cap=0.0)
    # Execute
    result = run_cascade(tiny.book, tiny.market, tiny.as_of, shock, params=one_day)
    # Assert: impact = 1.0 x 2% x sqrt(5,000 / 20,000) = 1%
    assert result.final_price_fen[0] == pytest.approx(600.0 * 0.99)
    # Execute: a huge impact coefficient: the stock locks limit-down every day it has sellers
    locked = run_cascade(
        tiny.book, tiny.market, tiny.as_of, shock, params=CascadeParams(impact_coefficient=100.0)
    )
    # Assert: 20 limit-down closes of 10% (the auction fills only what moves the price to the limit)
    assert locked.final_price_fen[0] == pytest.approx(600.0 * 0.9**20)


def test_losses_land_on_the_pledgees_of_the_failed_contracts(tiny: Tiny) -> None:
    # Execute
    result = run_cascade(tiny.book, tiny.market, tiny.as_of, np.array([-0.6, 0.0, 0.0]))
    losses = result.losses_by_pledgee.set_index("org")
    # Assert
    assert losses.loc["broker01", "total_loss_fen"] > 0
    assert losses.loc["trust01", "total_loss_fen"] > 0
    assert losses.loc["bank01", "total_loss_fen"] == 0


def test_fire_sale_impact_spreads_breaches_to_later_days(generated: Tiny) -> None:
    # Prepare
    shock = uniform_shock(generated.market, 0.2)
    # Execute
    spiral = run_cascade(generated.book, generated.market, generated.as_of, shock)
    calm = run_cascade(
        generated.book, generated.market, generated.as_of, shock, params=CascadeParams(impact_coefficient=0.0)
    )
    # Assert
    assert spiral.new_breaches[1:].sum() > calm.new_breaches[1:].sum()
    assert spiral.losses_by_pledgee["total_loss_fen"].sum() > calm.losses_by_pledgee["total_loss_fen"].sum()
    assert spiral.drivers["second_round_breaches"].sum() > 0
    assert len(spiral.summary()["top_drivers"]) == 10


def test_bad_parameters_are_refused(tiny: Tiny) -> None:
    with pytest.raises(DataError):
        run_cascade(tiny.book, tiny.market, tiny.as_of, params=CascadeParams(auction_cap=1.5))
    with pytest.raises(DataError):
        run_cascade(tiny.book, tiny.market, tiny.as_of, np.array([-1.0, 0.0, 0.0]))
