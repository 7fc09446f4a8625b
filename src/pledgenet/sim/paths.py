"""Simulated daily closing prices: a market factor, an industry factor and each stock's own noise, scaled
by the stock's daily volatility (so ChiNext and STAR move more than the main board), every daily move
clipped to the stock's price limit and every close rounded to the fen, as an exchange would publish it."""

from __future__ import annotations

import numpy as np

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import FloatArray, Market

#: variance shares of the three components of a daily return (they add up to 1)
_MARKET_WEIGHT, _INDUSTRY_WEIGHT, _OWN_WEIGHT = 0.35, 0.15, 0.50


def simulate_price_paths(
    market: Market,
    days: int,
    seed: int = 0,
    market_drift: float = 0.0,
) -> FloatArray:
    """(days + 1) x stocks closing prices in fen; row 0 is today's close (``market.price_fen``).

    ``market_drift`` adds a daily drift to every stock (-0.01 = the market loses about 1% a day)."""
    if days < 0:
        raise DataError("the number of days cannot be negative")
    rng = np.random.default_rng(seed)
    factor = rng.standard_normal((days, 1)) * np.sqrt(_MARKET_WEIGHT)
    industry = rng.standard_normal((days, len(market.industry_names)))[:, market.industry] * np.sqrt(
        _INDUSTRY_WEIGHT
    )
    own = rng.standard_normal((days, market.size)) * np.sqrt(_OWN_WEIGHT)
    sigma = market.daily_volatility
    returns = np.expm1((factor + industry + own) * sigma - 0.5 * sigma**2 + market_drift)
    limit = market.daily_limit()
    returns = np.clip(returns, -limit, limit)
    prices = np.empty((days + 1, market.size))
    prices[0] = market.price_fen
    for day in range(days):
        prices[day + 1] = np.maximum(1.0, np.round(prices[day] * (1.0 + returns[day])))
    return prices
