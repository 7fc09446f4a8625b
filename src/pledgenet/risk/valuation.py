"""Performance guarantee ratio, status and line prices of every contract, vectorised.

    guarantee_ratio = (pledged shares x closing price + pledged dividends) / (principal + accrued interest)

Accrued interest is simple interest from the start day under a stated day-count convention (ACT/365 by
default, ACT/360 as an option): ``principal x rate x (as_of_day - start_day) / basis``. The status compares
the ratio with the contract's own lines: 0 normal (at or above the warning line), 1 warning (below the
warning line, at or above the closing line), 2 triggered (below the closing line).

The price at which a line is hit solves ``(shares x p + dividends) / owed = line`` for ``p``. Days since
breach count the trailing run of days a contract has been below a line over a price history.

Floats are used on purpose: this is off-chain analytics over up to millions of contracts; the ledger keeps
the integer amounts and the on-chain prices, and every member recomputes the same figures from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import (
    STATUS_NORMAL,
    STATUS_TRIGGERED,
    STATUS_WARNING,
    BoolArray,
    FloatArray,
    IntArray,
    PledgeBook,
)


class DayCount(Enum):
    """Day-count convention for accrued interest: days in the year the annual rate refers to."""

    ACT_365 = 365
    ACT_360 = 360


@dataclass(frozen=True)
class Valuation:
    """Every contract valued on one day at one set of prices (arrays aligned with the book's rows)."""

    as_of_day: int
    day_count: DayCount
    collateral_fen: FloatArray
    owed_fen: FloatArray
    guarantee_ratio: FloatArray
    status: IntArray
    warning_price_fen: FloatArray
    closing_price_fen: FloatArray
    #: collateral each contract needs to stand exactly at its closing line
    closing_collateral_fen: FloatArray

    @property
    def size(self) -> int:
        return len(self.status)

    def count_by_status(self) -> dict[str, int]:
        counts = np.bincount(self.status, minlength=3)
        return {"normal": int(counts[0]), "warning": int(counts[1]), "triggered": int(counts[2])}

    def shortfall_to_closing_fen(self) -> FloatArray:
        """Collateral each triggered contract lacks to stand at its closing line again (0 elsewhere)."""
        return np.maximum(0.0, self.closing_collateral_fen - self.collateral_fen)

    def uncovered_fen(self) -> FloatArray:
        """Amount owed that the collateral does not cover at today's prices (0 where covered)."""
        return np.maximum(0.0, self.owed_fen - self.collateral_fen)


def accrued_interest_fen(
    book: PledgeBook, as_of_day: int, day_count: DayCount = DayCount.ACT_365
) -> FloatArray:
    """Simple interest accrued from each contract's start day to ``as_of_day`` (never negative)."""
    days = np.maximum(0, as_of_day - book.start_day).astype(np.float64)
    rate = book.rate_bp.astype(np.float64) / 10_000.0
    return book.principal_fen.astype(np.float64) * rate * days / float(day_count.value)


def owed_fen(book: PledgeBook, as_of_day: int, day_count: DayCount = DayCount.ACT_365) -> FloatArray:
    """Principal plus accrued interest of each contract."""
    return book.principal_fen.astype(np.float64) + accrued_interest_fen(book, as_of_day, day_count)


def status_of(ratio: FloatArray, warning_line: FloatArray, closing_line: FloatArray) -> IntArray:
    """0 normal, 1 below the warning line, 2 below the closing line."""
    status = np.full(ratio.shape, STATUS_NORMAL, dtype=np.int64)
    status[ratio < warning_line] = STATUS_WARNING
    status[ratio < closing_line] = STATUS_TRIGGERED
    return status


def value_book(
    book: PledgeBook,
    price_fen: FloatArray,
    as_of_day: int,
    day_count: DayCount = DayCount.ACT_365,
) -> Valuation:
    """Value every contract of ``book`` at the closing prices ``price_fen`` (one per market stock)."""
    if price_fen.ndim != 1:
        raise DataError("prices must be one closing price per stock")
    if book.size and book.stock.max() >= len(price_fen):
        raise DataError("the book refers to a stock that has no price")
    price = price_fen[book.stock]
    if np.any(~np.isfinite(price)) or np.any(price <= 0):
        raise DataError("a pledged stock has no positive closing price (missing prices are never filled)")
    shares = book.shares.astype(np.float64)
    dividends = book.dividends_fen.astype(np.float64)
    owed = owed_fen(book, as_of_day, day_count)
    collateral = shares * price + dividends
    ratio = collateral / owed
    warning = book.warning_line_bp.astype(np.float64) / 10_000.0
    closing = book.closing_line_bp.astype(np.float64) / 10_000.0
    return Valuation(
        as_of_day=as_of_day,
        day_count=day_count,
        collateral_fen=collateral,
        owed_fen=owed,
        guarantee_ratio=ratio,
        status=status_of(ratio, warning, closing),
        warning_price_fen=(warning * owed - dividends) / shares,
        closing_price_fen=(closing * owed - dividends) / shares,
        closing_collateral_fen=closing * owed,
    )


def below_line_history(
    book: PledgeBook,
    price_history_fen: FloatArray,
    days: IntArray,
    line: str = "closing",
    day_count: DayCount = DayCount.ACT_365,
    *,
    dividends_history_fen: FloatArray | None = None,
) -> BoolArray:
    """(days x contracts): whether each contract stood below ``line`` ("closing" or "warning") each day.

    A day before a contract's start day is never a breach (the contract did not exist). A day without a
    close for the contract's stock (NaN: suspended or not published) neither starts nor ends a breach: the
    contract keeps the state of its previous day, because its status that day is unknown, not normal.
    ``dividends_history_fen`` (days x contracts) gives the pledged dividends of each day; by default the
    book's own ``dividends_fen`` every day.
    """
    if line not in ("closing", "warning"):
        raise DataError(f"unknown line {line!r}: use 'closing' or 'warning'")
    if price_history_fen.ndim != 2 or price_history_fen.shape[0] != len(days):
        raise DataError("price history must be (days x stocks) with one day number per row")
    if dividends_history_fen is not None and dividends_history_fen.shape != (len(days), book.size):
        raise DataError("dividend history must be (days x contracts)")
    line_bp = book.closing_line_bp if line == "closing" else book.warning_line_bp
    level = line_bp.astype(np.float64) / 10_000.0
    shares = book.shares.astype(np.float64)
    rows = []
    state = np.zeros(book.size, dtype=bool)
    for t, day in enumerate(np.asarray(days, dtype=np.int64)):
        dividends = (
            book.dividends_fen.astype(np.float64)
            if dividends_history_fen is None
            else dividends_history_fen[t]
        )
        owed = owed_fen(book, int(day), day_count)
        price = price_history_fen[t, book.stock]
        known = np.isfinite(price)
        below = shares * np.where(known, price, 0.0) + dividends < level * owed
        state = np.where(known, below, state) & (book.start_day <= day)
        rows.append(state)
    return np.vstack(rows) if rows else np.zeros((0, book.size), dtype=bool)


def days_since_breach(
    book: PledgeBook,
    price_history_fen: FloatArray,
    days: IntArray,
    line: str = "closing",
    day_count: DayCount = DayCount.ACT_365,
    *,
    dividends_history_fen: FloatArray | None = None,
) -> IntArray:
    """Calendar days since each contract went below ``line`` and stayed there up to the last day.

    -1 where the contract is not below the line on the last day; 0 when it went below on the last day. A
    breach that began before the history starts is counted from the first day of the history (the count
    is then a lower bound). Days without a close carry the previous state (see ``below_line_history``).
    """
    below = below_line_history(
        book, price_history_fen, days, line, day_count, dividends_history_fen=dividends_history_fen
    )
    if below.shape[0] == 0:
        return np.full(book.size, -1, dtype=np.int64)
    day_numbers = np.asarray(days, dtype=np.int64)
    # index of the last day that was NOT below the line (-1 if below on every day)
    not_below = ~below
    t_count = below.shape[0]
    last_ok = np.where(not_below.any(axis=0), t_count - 1 - np.argmax(not_below[::-1], axis=0), -1).astype(
        np.int64
    )
    first_breach_row = last_ok + 1
    breached_now = below[-1]
    result = np.full(book.size, -1, dtype=np.int64)
    rows = first_breach_row[breached_now]
    result[breached_now] = day_numbers[-1] - day_numbers[rows]
    return result
