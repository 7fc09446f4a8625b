"""A simulated A-share market: stocks with boards, industries, share capital, prices, volumes, volatility.

The shapes are plausible rather than fitted: total shares and prices are log-normal by board (main-board
companies larger and cheaper, STAR smaller and dearer), daily turnover and volatility by board (ChiNext
and STAR move more), a few percent of main-board stocks under special treatment (ST, 5% daily limit).
What must match published figures is the pledge book on top of it; ``pledgenet.sim.synthetic_book``
then rescales the share capital and prices of the pledged companies so that the market-wide totals hit
the targets.
Everything is drawn from one seeded generator, so a seed gives the same market on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import BOARD_CHINEXT, BOARD_MAIN, BOARD_STAR, Market

#: Shenwan level-1 industries (31), English names
INDUSTRIES: tuple[str, ...] = (
    "agriculture",
    "mining",
    "chemicals",
    "steel",
    "nonferrous metals",
    "electronics",
    "home appliances",
    "food and beverage",
    "textiles and apparel",
    "light manufacturing",
    "pharmaceuticals",
    "utilities",
    "transportation",
    "real estate",
    "commerce and retail",
    "social services",
    "banking",
    "non-bank finance",
    "conglomerates",
    "building materials",
    "building decoration",
    "power equipment",
    "machinery",
    "defense",
    "automobiles",
    "computers",
    "media",
    "telecommunications",
    "coal",
    "petroleum and petrochemicals",
    "environmental protection",
)


@dataclass(frozen=True)
class MarketShape:
    """Numbers of stocks by board and the per-board distributions (medians; log-normal spreads)."""

    main: int = 3_150
    chinext: int = 1_350
    star: int = 580
    st_share_of_main: float = 0.04
    median_shares: tuple[float, float, float] = (800e6, 350e6, 400e6)
    spread_shares: float = 0.9
    median_price_yuan: tuple[float, float, float] = (8.0, 15.0, 25.0)
    spread_price: float = 0.6
    daily_turnover: tuple[float, float, float] = (0.015, 0.03, 0.025)
    daily_volatility: tuple[float, float, float] = (0.022, 0.030, 0.033)
    st_volatility: float = 0.028

    @property
    def total(self) -> int:
        return self.main + self.chinext + self.star


def _codes(rng: np.random.Generator, shape: MarketShape) -> np.ndarray:
    shanghai = shape.main // 2
    shenzhen = shape.main - shanghai
    sh = 600_000 + np.sort(rng.choice(4_000, size=shanghai, replace=False))
    sz = 1 + np.sort(rng.choice(3_999, size=shenzhen, replace=False))
    chinext = 300_001 + np.arange(shape.chinext)
    star = 688_001 + np.arange(shape.star)
    return np.array([f"{code:06d}" for code in np.concatenate([sh, sz, chinext, star])])


def generate_market(seed: int = 20241206, shape: MarketShape | None = None) -> Market:
    """A market of ``shape.total`` stocks (5,080 by default), deterministic for a seed."""
    shape = shape or MarketShape()
    if min(shape.main, shape.chinext, shape.star) < 0 or shape.total == 0:
        raise DataError("a market needs a non-negative number of stocks on each board and at least one stock")
    rng = np.random.default_rng(seed)
    board = np.concatenate(
        [
            np.full(shape.main, BOARD_MAIN),
            np.full(shape.chinext, BOARD_CHINEXT),
            np.full(shape.star, BOARD_STAR),
        ]
    ).astype(np.int64)
    n = shape.total
    codes = _codes(rng, shape)
    industry = rng.integers(0, len(INDUSTRIES), size=n).astype(np.int64)
    is_st = (board == BOARD_MAIN) & (rng.random(n) < shape.st_share_of_main)
    medians = np.asarray(shape.median_shares)[board]
    total_shares = np.maximum(30e6, medians * np.exp(rng.normal(0.0, shape.spread_shares, n)))
    total_shares = (np.round(total_shares / 100.0) * 100.0).astype(np.int64)
    price_yuan = np.asarray(shape.median_price_yuan)[board] * np.exp(rng.normal(0.0, shape.spread_price, n))
    price_yuan = np.where(is_st, price_yuan * 0.4, price_yuan)
    price_fen = np.maximum(100.0, np.round(price_yuan * 100.0))
    turnover = np.asarray(shape.daily_turnover)[board] * np.exp(rng.normal(0.0, 0.5, n))
    volatility = np.where(is_st, shape.st_volatility, np.asarray(shape.daily_volatility)[board])
    volatility = volatility * np.exp(rng.normal(0.0, 0.2, n))
    names = np.array(
        [f"{INDUSTRIES[i].split()[0].title()} {code}" for i, code in zip(industry, codes, strict=True)]
    )
    names = np.where(is_st, np.char.add("ST ", names), names)
    return Market(
        codes=codes,
        names=names,
        board=board,
        industry=industry,
        industry_names=INDUSTRIES,
        is_st=is_st,
        total_shares=total_shares,
        price_fen=price_fen.astype(np.float64),
        adv_shares=total_shares * turnover,
        daily_volatility=volatility,
    )
