"""The fire-sale cascade: triggered contracts are disposed of, the selling moves prices, prices trigger more.

The model, day by day (one step = one trading day; interest accrues one calendar day per step):

1. value every live contract at today's closes (owed = principal + accrued interest - proceeds so far);
2. a contract that has stood below its closing line for ``grace_days`` consecutive closes goes to default
   disposal (the pledgor did not top up, repay or extend: the worst case, on purpose); its pledged
   dividends go to the debt at once;
3. each contract in disposal offers the shares it needs to repay what is owed (at today's price), never
   more than it has; offers are capped per pledgor by the reduction rules: ``auction_cap`` (1%) of the
   company's shares per rolling ``window_days`` (90) by auction, then ``block_cap`` (2%) by block trade;
   per stock and day, auction selling is further capped at ``max_participation`` and block buyers at
   ``max_block_of_adv`` of the average daily volume;
4. price impact is square-root (Almgren et al.; Toth et al. 2011): auction selling ``Q`` against average
   daily volume ``V`` moves the close by ``-impact_coefficient x daily volatility x sqrt(Q / V)``; a stock
   cannot close beyond its limit-down, so on a locked limit the auction fills only the volume that moves
   the price exactly to the limit and the rest waits for the next day;
5. auction sales fill at the new close, block trades at the new close less ``block_discount``; proceeds
   repay the debt; a contract whose debt is repaid is settled (surplus shares return to the pledgor); one
   whose shares are all sold with debt left books that debt as the pledgee's loss;
6. the next day starts from the new closes (plus any exogenous move given for that day).

Outputs: contracts breaching per day, collateral shortfall and uncovered debt per day, losses per pledgee
(realised plus what the remaining collateral no longer covers), and the stocks that drive the spiral (the
collateral value their fire-sale impact destroyed in other live contracts, and their second-round breaches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import BOARDS, LENDER_KINDS, FloatArray, IntArray, Market, PledgeBook
from pledgenet.risk.valuation import DayCount, owed_fen


@dataclass(frozen=True)
class CascadeParams:
    """The cascade's parameters; the defaults are typical values, not rules (except the caps)."""

    days: int = 20
    grace_days: int = 1
    impact_coefficient: float = 1.0
    max_participation: float = 0.25
    auction_cap: float = 0.01
    block_cap: float = 0.02
    #: block buyers absorb at most this multiple of a stock's average daily volume per day
    max_block_of_adv: float = 0.5
    window_days: int = 90
    block_discount: float = 0.10
    day_count: DayCount = DayCount.ACT_365

    def check(self) -> None:
        if self.days < 1 or self.grace_days < 1 or self.window_days < 1:
            raise DataError("days, grace_days and window_days must be at least 1")
        fractions = (self.max_participation, self.auction_cap, self.block_cap, self.block_discount)
        if any(not 0.0 <= value < 1.0 for value in fractions):
            raise DataError("participation, caps and block discount must be fractions in [0, 1)")
        if self.impact_coefficient < 0 or self.max_block_of_adv < 0:
            raise DataError("the impact coefficient and the block capacity cannot be negative")


@dataclass(frozen=True)
class CascadeResult:
    """Per-day series (length ``days``), per-pledgee losses, the spiral's driving stocks, final prices."""

    triggered: IntArray
    new_breaches: IntArray
    in_disposal: IntArray
    settled: IntArray
    shortfall_fen: FloatArray
    uncovered_fen: FloatArray
    forced_sales_fen: FloatArray
    losses_by_pledgee: pd.DataFrame
    drivers: pd.DataFrame
    final_price_fen: FloatArray
    params: CascadeParams = field(default_factory=CascadeParams)

    def summary(self) -> dict[str, object]:
        return {
            "days": self.params.days,
            "triggered_per_day": self.triggered.tolist(),
            "new_breaches_per_day": self.new_breaches.tolist(),
            "in_disposal_per_day": self.in_disposal.tolist(),
            "settled_per_day": self.settled.tolist(),
            "shortfall_fen_per_day": [round(float(v)) for v in self.shortfall_fen],
            "uncovered_fen_per_day": [round(float(v)) for v in self.uncovered_fen],
            "forced_sales_fen_per_day": [round(float(v)) for v in self.forced_sales_fen],
            "total_loss_fen": round(float(self.losses_by_pledgee["total_loss_fen"].sum())),
            "top_drivers": self.drivers.head(10)["code"].tolist(),
        }


def run_cascade(
    book: PledgeBook,
    market: Market,
    as_of_day: int,
    initial_shock: FloatArray | None = None,
    exogenous: FloatArray | None = None,
    params: CascadeParams | None = None,
) -> CascadeResult:
    """Run the cascade from ``market``'s closes moved by ``initial_shock`` (returns per stock)."""
    params = params or CascadeParams()
    params.check()
    n_stocks, days = market.size, params.days
    shock = np.zeros(n_stocks) if initial_shock is None else np.asarray(initial_shock, dtype=np.float64)
    moves = np.zeros((days, n_stocks)) if exogenous is None else np.asarray(exogenous, dtype=np.float64)
    if shock.shape != (n_stocks,) or np.any(shock <= -1.0):
        raise DataError(f"the initial shock must be one return above -100% for each of {n_stocks} stocks")
    if moves.shape != (days, n_stocks) or np.any(moves <= -1.0):
        raise DataError(f"exogenous moves must be (days={days} x {n_stocks} stocks), each above -100%")

    limit = market.daily_limit()
    volume = np.maximum(market.adv_shares, 1.0)
    vol_impact = params.impact_coefficient * market.daily_volatility
    # largest auction volume that keeps the impact within the limit (a locked limit fills no more)
    lock_volume = np.where(vol_impact > 0, volume * (limit / np.maximum(vol_impact, 1e-12)) ** 2, np.inf)
    participation_cap = params.max_participation * volume
    block_capacity = params.max_block_of_adv * volume
    total_shares = market.total_shares.astype(np.float64)
    h_stock = book.holdings.stock
    auction_allowance = params.auction_cap * total_shares[h_stock]
    block_allowance = params.block_cap * total_shares[h_stock]

    price = market.price_fen * (1.0 + shock)
    shares_left = book.shares.astype(np.float64)
    dividends = book.dividends_fen.astype(np.float64)
    closing = book.closing_line_bp.astype(np.float64) / 10_000.0
    recovered = np.zeros(book.size)
    live = np.ones(book.size, dtype=bool)
    disposing = np.zeros(book.size, dtype=bool)
    ever_triggered = np.zeros(book.size, dtype=bool)
    first_trigger_day = np.full(book.size, -1, dtype=np.int64)
    breach_run = np.zeros(book.size, dtype=np.int64)
    realized_loss = np.zeros(book.size)
    auction_history = np.zeros((params.window_days, book.holdings.size))
    block_history = np.zeros((params.window_days, book.holdings.size))
    erosion = np.zeros(n_stocks)
    sold_by_stock = np.zeros(n_stocks)
    impact_log = np.zeros(n_stocks)
    series = {name: np.zeros(days) for name in ("trig", "new", "disp", "settled", "short", "unc", "sales")}

    for day in range(days):
        owed = owed_fen(book, as_of_day + day, params.day_count) - recovered
        collateral = shares_left * price[book.stock] + dividends
        below = live & (collateral < closing * owed)
        newly = below & ~ever_triggered
        first_trigger_day[newly] = day
        ever_triggered |= below
        breach_run = np.where(below, breach_run + 1, 0)
        entering = below & ~disposing & (breach_run >= params.grace_days)
        recovered[entering] += dividends[entering]
        owed[entering] -= dividends[entering]
        dividends[entering] = 0.0
        disposing |= entering

        # offers, capped per pledgor (rolling reduction-rule budgets) and per stock (participation)
        wanted = np.where(
            disposing & live, np.minimum(shares_left, np.ceil(np.maximum(owed, 0.0) / price[book.stock])), 0.0
        )
        want_h = np.bincount(book.holding, weights=wanted, minlength=book.holdings.size)
        slot = day % params.window_days
        auction_room = np.maximum(
            0.0, auction_allowance - (auction_history.sum(axis=0) - auction_history[slot])
        )
        block_room = np.maximum(0.0, block_allowance - (block_history.sum(axis=0) - block_history[slot]))
        auction_h = np.minimum(want_h, auction_room)
        auction_k = np.bincount(h_stock, weights=auction_h, minlength=n_stocks)
        fill = np.minimum(1.0, np.minimum(participation_cap, lock_volume) / np.maximum(auction_k, 1.0))
        auction_h *= fill[h_stock]
        block_h = np.minimum(want_h - auction_h, block_room)
        block_k = np.bincount(h_stock, weights=block_h, minlength=n_stocks)
        block_fill = np.minimum(1.0, block_capacity / np.maximum(block_k, 1.0))
        block_h *= block_fill[h_stock]
        auction_history[slot] = auction_h
        block_history[slot] = block_h

        # the new closes: square-root impact of the auction volume, floored at limit-down
        auction_k = np.bincount(h_stock, weights=auction_h, minlength=n_stocks)
        impact = vol_impact * np.sqrt(auction_k / volume)
        next_move = moves[day]
        new_price = price * np.maximum(1.0 - limit, (1.0 + next_move) * (1.0 - impact))
        pledged_live = np.bincount(book.stock, weights=np.where(live, shares_left, 0.0), minlength=n_stocks)
        erosion += (pledged_live - auction_k) * price * np.minimum(impact, limit)
        impact_log += np.log1p(-np.minimum(impact, 0.999999))

        # executions back to contracts, pro rata to what each offered
        share_of_holding = np.divide(wanted, want_h[book.holding], out=np.zeros(book.size), where=wanted > 0)
        sold_auction = share_of_holding * auction_h[book.holding]
        sold_block = share_of_holding * block_h[book.holding]
        close = new_price[book.stock]
        proceeds = sold_auction * close + sold_block * close * (1.0 - params.block_discount)
        recovered += proceeds
        shares_left -= sold_auction + sold_block
        sold_by_stock += np.bincount(book.stock, weights=sold_auction + sold_block, minlength=n_stocks)
        owed_after = owed - proceeds
        repaid = live & disposing & (owed_after <= 0)
        exhausted = live & disposing & ~repaid & (shares_left <= 0.5)
        realized_loss[exhausted] = owed_after[exhausted]
        live &= ~(repaid | exhausted)
        price = new_price

        collateral_after = shares_left * close + dividends
        series["trig"][day] = below.sum()
        series["new"][day] = newly.sum()
        series["disp"][day] = (disposing & live).sum()
        series["settled"][day] = (repaid | exhausted).sum()
        series["short"][day] = np.sum(
            np.where(below & live, np.maximum(0.0, closing * owed_after - collateral_after), 0.0)
        )
        series["unc"][day] = np.sum(np.where(live, np.maximum(0.0, owed_after - collateral_after), 0.0))
        series["sales"][day] = proceeds.sum()

    owed_end = owed_fen(book, as_of_day + days, params.day_count) - recovered
    unrealized = np.where(
        live, np.maximum(0.0, owed_end - (shares_left * price[book.stock] + dividends)), 0.0
    )
    return CascadeResult(
        triggered=series["trig"].astype(np.int64),
        new_breaches=series["new"].astype(np.int64),
        in_disposal=series["disp"].astype(np.int64),
        settled=series["settled"].astype(np.int64),
        shortfall_fen=series["short"],
        uncovered_fen=series["unc"],
        forced_sales_fen=series["sales"],
        losses_by_pledgee=_losses(book, realized_loss, unrealized),
        drivers=_drivers(book, market, price, sold_by_stock, impact_log, erosion, first_trigger_day),
        final_price_fen=price,
        params=params,
    )


def _losses(book: PledgeBook, realized: FloatArray, unrealized: FloatArray) -> pd.DataFrame:
    n = book.lenders.size
    real = np.bincount(book.pledgee, weights=realized, minlength=n)
    unreal = np.bincount(book.pledgee, weights=unrealized, minlength=n)
    frame = pd.DataFrame(
        {
            "org": book.lenders.org,
            "name": book.lenders.names,
            "kind": [LENDER_KINDS[k] for k in book.lenders.kind],
            "realized_loss_fen": real,
            "uncovered_fen": unreal,
            "total_loss_fen": real + unreal,
        }
    )
    return frame.sort_values("total_loss_fen", ascending=False, kind="stable").reset_index(drop=True)


def _drivers(
    book: PledgeBook,
    market: Market,
    final_price: FloatArray,
    sold: FloatArray,
    impact_log: FloatArray,
    erosion: FloatArray,
    first_trigger_day: IntArray,
) -> pd.DataFrame:
    second_round = np.bincount(book.stock[first_trigger_day > 0], minlength=market.size)
    rows = np.flatnonzero(sold > 0)
    frame = pd.DataFrame(
        {
            "code": market.codes[rows],
            "name": market.names[rows],
            "board": [BOARDS[b] for b in market.board[rows]],
            "forced_sold_shares": sold[rows].round().astype(np.int64),
            "forced_sold_of_shares": sold[rows] / market.total_shares[rows],
            "impact_return": np.expm1(impact_log[rows]),
            "price_change": final_price[rows] / market.price_fen[rows] - 1.0,
            "second_round_breaches": second_round[rows],
            "collateral_destroyed_fen": erosion[rows],
        }
    )
    return frame.sort_values("collateral_destroyed_fen", ascending=False, kind="stable").reset_index(
        drop=True
    )
