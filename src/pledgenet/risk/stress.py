"""Stress tests: price shocks (uniform, by industry or board, consecutive limit-down days) and the
revaluation of the whole book under many shock scenarios at once.

A shock is a vector of returns, one per stock (-0.2 = a 20% fall); a scenario matrix stacks S of them.

Fast revaluation. Under a return ``x`` on its stock, contract ``c`` is below line ``L`` exactly when
``x < t_c = (L x owed_c - dividends_c) / (shares_c x price_c) - 1``: each contract reduces to one threshold
per line, and the money sums are linear in ``1 + x``. Sorting the contracts by (stock, threshold) once
turns every (scenario, stock) pair into one binary search plus two prefix-sum lookups, instead of touching
every contract in every scenario. ``revalue_scenarios_dense`` is the plain numpy pass (every contract in
every scenario) kept as the reference the tests compare with and the benchmark's baseline. Thresholds are
compared as ``stock x 16 + t`` in float64, exact to about 1e-11 of a return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import (
    BOARDS,
    STATUS_TRIGGERED,
    STATUS_WARNING,
    FloatArray,
    IntArray,
    Market,
    PledgeBook,
)
from pledgenet.risk.valuation import DayCount, owed_fen, value_book

#: stock stride of the sorted keys; returns must lie in (-1, _HIGH)
_STRIDE = 16.0
_HIGH = _STRIDE - 2.0


def uniform_shock(market: Market, fall: float) -> FloatArray:
    """Every stock falls by ``fall`` (0.2 = 20%)."""
    _check_fall(fall)
    return np.full(market.size, -fall, dtype=np.float64)


def group_shock(market: Market, by: str, falls: Mapping[str, float]) -> FloatArray:
    """Stocks of the named industries (``by="industry"``) or boards (``by="board"``) fall; others do not."""
    if by not in ("industry", "board"):
        raise DataError(f"unknown grouping {by!r}: use 'industry' or 'board'")
    labels = market.industry_names if by == "industry" else BOARDS
    codes = market.industry if by == "industry" else market.board
    returns = np.zeros(market.size, dtype=np.float64)
    for label, fall in falls.items():
        if label not in labels:
            raise DataError(f"unknown {by} {label!r}; known: {', '.join(labels)}")
        _check_fall(fall)
        returns[codes == labels.index(label)] = -fall
    return returns


def limit_down_shock(market: Market, days: int) -> FloatArray:
    """``days`` consecutive limit-down closes at each stock's daily limit (10% main, 20% ChiNext and
    STAR, 5% ST): the cumulative return ``(1 - limit) ** days - 1``."""
    if days < 0:
        raise DataError("the number of limit-down days cannot be negative")
    return (1.0 - market.daily_limit()) ** days - 1.0


def _check_fall(fall: float) -> None:
    if not 0.0 <= fall < 1.0:
        raise DataError(f"a fall must be between 0 and 1 (got {fall})")


def standard_scenarios(market: Market) -> dict[str, FloatArray]:
    """The scenarios the regulator's report runs by default."""
    return {
        "uniform -10%": uniform_shock(market, 0.10),
        "uniform -20%": uniform_shock(market, 0.20),
        "uniform -30%": uniform_shock(market, 0.30),
        "ChiNext and STAR -25%": group_shock(market, "board", {"chinext": 0.25, "star": 0.25}),
        "3 limit-down days": limit_down_shock(market, 3),
        "5 limit-down days": limit_down_shock(market, 5),
    }


def random_scenarios(market: Market, count: int, seed: int = 0, horizon_days: int = 10) -> FloatArray:
    """``count`` correlated shock scenarios (market + industry factor + own noise, by each stock's volatility,
    over ``horizon_days``), each return floored at ``horizon_days`` limit-down days."""
    rng = np.random.default_rng(seed)
    scale = market.daily_volatility * np.sqrt(horizon_days)
    market_factor = rng.standard_normal((count, 1)) * 0.6
    industry_factor = rng.standard_normal((count, len(market.industry_names)))[:, market.industry] * 0.5
    own = rng.standard_normal((count, market.size)) * 0.62
    log_return = (market_factor + industry_factor + own) * scale - 0.5 * scale**2
    floor = limit_down_shock(market, horizon_days)
    ceiling = (1.0 + market.daily_limit()) ** horizon_days - 1.0
    return np.clip(np.expm1(log_return), floor, np.minimum(ceiling, _HIGH - 1e-6))


@dataclass(frozen=True)
class ScenarioResults:
    """Book-wide figures per scenario (arrays of length S)."""

    warning: IntArray
    triggered: IntArray
    #: collateral the triggered contracts lack to stand at their closing lines again
    shortfall_fen: FloatArray
    #: amount owed that collateral no longer covers (contracts below 100%)
    uncovered_fen: FloatArray


def _check_shocks(market: Market, shocks: FloatArray) -> FloatArray:
    matrix = np.asarray(shocks, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2 or matrix.shape[1] != market.size:
        raise DataError(f"shocks must be (scenarios x {market.size} stocks), got {np.shape(shocks)}")
    if not np.all(np.isfinite(matrix)) or np.any(matrix <= -1.0) or np.any(matrix >= _HIGH):
        raise DataError(f"every return must be finite, above -100% and below +{_HIGH * 100:.0f}%")
    return matrix


def _contract_terms(
    book: PledgeBook, market: Market, as_of_day: int, day_count: DayCount
) -> tuple[FloatArray, ...]:
    owed = owed_fen(book, as_of_day, day_count)
    base = book.shares.astype(np.float64) * market.price_fen[book.stock]
    dividends = book.dividends_fen.astype(np.float64)
    warning = book.warning_line_bp.astype(np.float64) / 10_000.0
    closing = book.closing_line_bp.astype(np.float64) / 10_000.0
    return owed, base, dividends, warning, closing


class _SortedLine:
    """Contracts sorted by (stock, threshold of one line), with prefix sums of the linear money terms."""

    def __init__(self, stock: IntArray, threshold: FloatArray, need: FloatArray, base: FloatArray) -> None:
        key = stock.astype(np.float64) * _STRIDE + np.clip(threshold, -1.0, _HIGH)
        order = np.argsort(key, kind="stable")
        self.keys = key[order]
        self.need_sum = np.concatenate(([0.0], np.cumsum(need[order])))
        self.base_sum = np.concatenate(([0.0], np.cumsum(base[order])))

    def below(self, queries: FloatArray, ends: IntArray, growth: FloatArray) -> tuple[IntArray, FloatArray]:
        """Count and money gap (``need - base x growth``) of the contracts above each query key."""
        start = np.searchsorted(self.keys, queries, side="right")
        count = ends - start
        gap = (self.need_sum[ends] - self.need_sum[start]) - growth * (
            self.base_sum[ends] - self.base_sum[start]
        )
        return count, gap


def revalue_scenarios(
    book: PledgeBook,
    market: Market,
    shocks: FloatArray,
    as_of_day: int,
    day_count: DayCount = DayCount.ACT_365,
) -> ScenarioResults:
    """Status counts, shortfall and uncovered amount of the whole book under each shock scenario."""
    matrix = _check_shocks(market, shocks)
    scenarios = matrix.shape[0]
    if book.size == 0:
        zeros = np.zeros(scenarios)
        return ScenarioResults(zeros.astype(np.int64), zeros.astype(np.int64), zeros, zeros.copy())
    owed, base, dividends, warning, closing = _contract_terms(book, market, as_of_day, day_count)
    stocks = np.unique(book.stock)
    ends = np.searchsorted(np.sort(book.stock), stocks, side="right")
    returns = matrix[:, stocks]
    queries = stocks.astype(np.float64)[None, :] * _STRIDE + returns
    growth = 1.0 + returns
    ends_2d = np.broadcast_to(ends, queries.shape)

    def line(level: FloatArray) -> _SortedLine:
        need = level * owed - dividends
        return _SortedLine(book.stock, need / base - 1.0, need, base)

    warned, _ = line(warning).below(queries, ends_2d, growth)
    triggered, shortfall = line(closing).below(queries, ends_2d, growth)
    _, uncovered = line(np.ones_like(owed)).below(queries, ends_2d, growth)
    return ScenarioResults(
        warning=(warned - triggered).sum(axis=1).astype(np.int64),
        triggered=triggered.sum(axis=1).astype(np.int64),
        shortfall_fen=shortfall.sum(axis=1),
        uncovered_fen=uncovered.sum(axis=1),
    )


def revalue_scenarios_dense(
    book: PledgeBook,
    market: Market,
    shocks: FloatArray,
    as_of_day: int,
    day_count: DayCount = DayCount.ACT_365,
    chunk: int = 32,
) -> ScenarioResults:
    """The plain numpy pass: every contract valued in every scenario (the reference and the baseline)."""
    matrix = _check_shocks(market, shocks)
    owed, base, dividends, warning, closing = _contract_terms(book, market, as_of_day, day_count)
    parts: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    for first in range(0, matrix.shape[0], chunk):
        returns = matrix[first : first + chunk][:, book.stock]
        collateral = base * (1.0 + returns) + dividends
        ratio = collateral / owed
        triggered = ratio < closing
        warned = (ratio < warning) & ~triggered
        shortfall = np.where(triggered, closing * owed - collateral, 0.0).sum(axis=1)
        uncovered = np.maximum(0.0, owed - collateral).sum(axis=1)
        parts.append((warned.sum(axis=1), triggered.sum(axis=1), shortfall, uncovered))
    if not parts:
        empty = np.zeros(0)
        return ScenarioResults(empty.astype(np.int64), empty.astype(np.int64), empty, empty.copy())
    return ScenarioResults(
        warning=np.concatenate([p[0] for p in parts]).astype(np.int64),
        triggered=np.concatenate([p[1] for p in parts]).astype(np.int64),
        shortfall_fen=np.concatenate([p[2] for p in parts]),
        uncovered_fen=np.concatenate([p[3] for p in parts]),
    )


def run_stress(
    book: PledgeBook,
    market: Market,
    scenarios: Mapping[str, FloatArray],
    as_of_day: int,
    day_count: DayCount = DayCount.ACT_365,
) -> pd.DataFrame:
    """One row per named scenario: contracts by status, exposure triggered, shortfall, uncovered amount,
    and the pledgee that would lose most."""
    rows = []
    for name, returns in scenarios.items():
        shocked = _check_shocks(market, returns)[0]
        valuation = value_book(book, market.price_fen * (1.0 + shocked), as_of_day, day_count)
        uncovered = valuation.uncovered_fen()
        by_pledgee = np.bincount(book.pledgee, weights=uncovered, minlength=book.lenders.size)
        worst = int(np.argmax(by_pledgee)) if book.size else -1
        rows.append(
            {
                "scenario": name,
                "normal": int(np.sum(valuation.status < STATUS_WARNING)),
                "warning": int(np.sum(valuation.status == STATUS_WARNING)),
                "triggered": int(np.sum(valuation.status == STATUS_TRIGGERED)),
                "exposure_triggered_fen": float(
                    valuation.owed_fen[valuation.status == STATUS_TRIGGERED].sum()
                ),
                "shortfall_fen": float(valuation.shortfall_to_closing_fen().sum()),
                "uncovered_fen": float(uncovered.sum()),
                "worst_pledgee": str(book.lenders.org[worst]) if worst >= 0 and by_pledgee[worst] > 0 else "",
                "worst_pledgee_uncovered_fen": float(by_pledgee[worst]) if worst >= 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)
