"""The simulated market and book reproduce the published 2024-12-06 figures within 5%."""

from __future__ import annotations

import numpy as np
import pytest

from pledgenet.risk.pledge_book import BOARD_CHINEXT, BOARD_MAIN, BOARD_STAR
from pledgenet.risk.valuation import value_book
from pledgenet.sim.calibration import CalibrationTargets, compare
from pledgenet.sim.market import generate_market
from pledgenet.sim.paths import simulate_price_paths
from pledgenet.sim.synthetic_book import BookShape, generate, generate_book


@pytest.fixture(scope="module")
def simulated() -> tuple:
    return generate(seed=20241206, contracts=20_000)


def test_every_published_figure_is_within_5_percent(simulated: tuple) -> None:
    # Prepare
    market, book = simulated
    # Execute
    rows = compare(book, market, CalibrationTargets())
    # Assert
    off = [row for row in rows if row["relative_error"] > 0.05]
    assert off == [], off
    assert {row["figure"] for row in rows} >= {"companies_with_pledges", "pledged_value_fen", "bucket >50%"}


def test_another_seed_is_calibrated_too_and_differs() -> None:
    # Execute
    market, book = generate_book(generate_market(seed=5), seed=5, shape=BookShape(contracts=8_000))
    first_market, _ = generate(seed=20241206, contracts=8_000)
    # Assert
    assert all(row["relative_error"] <= 0.05 for row in compare(book, market))
    assert not np.array_equal(market.price_fen, first_market.price_fen)


def test_same_seed_same_market() -> None:
    # Execute
    a_market, a_book = generate(seed=11, contracts=5_000)
    b_market, b_book = generate(seed=11, contracts=5_000)
    # Assert
    np.testing.assert_array_equal(a_market.price_fen, b_market.price_fen)
    np.testing.assert_array_equal(a_book.principal_fen, b_book.principal_fen)


def test_market_shape_and_book_plausibility(simulated: tuple) -> None:
    # Prepare
    market, book = simulated
    # Execute
    valuation = value_book(book, market.price_fen, BookShape().as_of_day)
    # Assert: 4,000+ stocks on three boards; every holding covers what it pledged
    assert market.size >= 4_000
    assert {BOARD_MAIN, BOARD_CHINEXT, BOARD_STAR} == set(np.unique(market.board))
    pledged = np.bincount(book.holding, weights=book.shares, minlength=book.holdings.size)
    assert np.all(pledged <= book.holdings.shares)
    assert 1.5 < valuation.collateral_fen.sum() / valuation.owed_fen.sum() < 3.0
    assert book.size == 20_000


def test_price_paths_respect_limits_and_volatility_by_board(simulated: tuple) -> None:
    # Prepare
    market, _ = simulated
    # Execute
    paths = simulate_price_paths(market, 60, seed=1)
    returns = paths[1:] / paths[:-1] - 1.0
    # Assert
    np.testing.assert_array_equal(paths[0], market.price_fen)
    assert np.all(np.abs(returns) <= market.daily_limit() + 0.011)  # a fen of rounding on cheap stocks
    main = returns[:, (market.board == BOARD_MAIN) & ~market.is_st].std()
    chinext = returns[:, market.board == BOARD_CHINEXT].std()
    assert chinext > main
