"""Fixtures of the risk tests. What they build lives in ``risk_fixtures``, the helper module the tests
import by name (``from conftest import`` would depend on which ``conftest`` was collected first)."""

from __future__ import annotations

import pytest
from risk_fixtures import AS_OF, Tiny, tiny_book, tiny_market

from pledgenet.sim.market import MarketShape, generate_market
from pledgenet.sim.synthetic_book import BookShape, generate_book


@pytest.fixture
def tiny() -> Tiny:
    return Tiny(market=tiny_market(), book=tiny_book(), as_of=AS_OF)


@pytest.fixture(scope="session")
def generated() -> Tiny:
    """A generated market of 1,200 stocks with 3,000 contracts (small bucket and board targets)."""
    from pledgenet.sim.calibration import CalibrationTargets

    targets = CalibrationTargets(
        companies_with_pledges=500,
        pledged_value_fen=60_000_000_000_000,
        pledged_shares=70_000_000_000,
        bucket_companies={">50%": 3, "30-50%": 26, "20-30%": 62, "10-20%": 140, "<10%": 269},
        board_companies={"main": 350, "chinext": 130, "star": 20},
        board_value_fen={"main": 49_000_000_000_000, "chinext": 10_300_000_000_000, "star": 700_000_000_000},
    )
    market = generate_market(seed=7, shape=MarketShape(main=700, chinext=350, star=150))
    market, book = generate_book(
        market, seed=7, shape=BookShape(contracts=3_000, as_of_day=AS_OF), targets=targets
    )
    return Tiny(market=market, book=book, as_of=AS_OF)
