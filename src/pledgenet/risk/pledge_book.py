"""The arrays the risk engine works on: a market of stocks and a book of pledge contracts.

The risk engine is off-chain analytics: it reads the register and the on-chain prices once, lays them out
as column arrays (one entry per stock, one per contract), and then computes ratios, views, stress and
cascades with vectorised numpy. Amounts on the contract arrays are integers (fen, shares, basis points,
day numbers), exactly as the ledger holds them; the engine turns them into float64 when it computes, which
is exact for every amount below 2**53 fen (CNY 90 trillion) and good to a fraction of a fen for sums.

Where the arrays come from does not matter here: the simulator (``pledgenet.sim``) generates them, and
``pledgenet.risk.source`` loads them from a peer's world state.

Tables
------
``Market``     one row per stock: code, board, industry, ST flag, total shares, closing price (fen),
               average daily volume (shares), daily volatility.
``Entities``   shareholders (persons and institutions) with ``parent``: the direct controller, so that the
               ultimate controller can be found by looking through the chain.
``Holdings``   one row per (entity, stock): shares held and whether the entity is the controlling
               shareholder of that stock.
``Lenders``    pledgees (brokers, banks, trusts, insurers, others), with their organisation ids.
``PledgeBook`` one row per contract, pointing into the tables above.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from pledgenet.errors import DataError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

#: boards, by index in ``Market.board``
BOARDS: tuple[str, ...] = ("main", "chinext", "star")
BOARD_MAIN, BOARD_CHINEXT, BOARD_STAR = 0, 1, 2
#: daily price limit by board (main board 10%, ChiNext and STAR 20%); ST stocks on the main board: 5%
BOARD_DAILY_LIMIT: tuple[float, ...] = (0.10, 0.20, 0.20)
ST_DAILY_LIMIT = 0.05

#: lender kinds, by index in ``Lenders.kind``
LENDER_KINDS: tuple[str, ...] = ("broker", "bank", "trust", "insurer", "other")
LENDER_BROKER, LENDER_BANK, LENDER_TRUST, LENDER_INSURER, LENDER_OTHER = 0, 1, 2, 3, 4

#: per-contract funding source (the register's lender type: 00 own funds, 01 collective plan,
#: 02 targeted plan, 03 other); an asset-management product is capped at 15% of a stock, a firm at 30%
FUNDING_OWN, FUNDING_COLLECTIVE_PLAN, FUNDING_TARGETED_PLAN, FUNDING_OTHER = 0, 1, 2, 3

#: status codes of a contract's guarantee ratio against its own lines
STATUS_NORMAL, STATUS_WARNING, STATUS_TRIGGERED = 0, 1, 2
STATUS_NAMES: tuple[str, ...] = ("normal", "warning", "triggered")


def _check_lengths(table: str, columns: dict[str, npt.NDArray[Any]]) -> int:
    lengths = {name: len(column) for name, column in columns.items()}
    sizes = set(lengths.values())
    if len(sizes) > 1:
        raise DataError(f"{table}: columns differ in length: {lengths}")
    return sizes.pop() if sizes else 0


@dataclass(frozen=True)
class Market:
    """One row per stock. Prices are closing prices in fen (float64: analytics, see module docstring)."""

    codes: StrArray
    names: StrArray
    board: IntArray
    industry: IntArray
    industry_names: tuple[str, ...]
    is_st: BoolArray
    total_shares: IntArray
    price_fen: FloatArray
    adv_shares: FloatArray
    daily_volatility: FloatArray

    def __post_init__(self) -> None:
        n = _check_lengths(
            "market",
            {
                "codes": self.codes,
                "names": self.names,
                "board": self.board,
                "industry": self.industry,
                "is_st": self.is_st,
                "total_shares": self.total_shares,
                "price_fen": self.price_fen,
                "adv_shares": self.adv_shares,
                "daily_volatility": self.daily_volatility,
            },
        )
        if n and (self.board.min() < 0 or self.board.max() >= len(BOARDS)):
            raise DataError("market: board index out of range")
        if n and (self.industry.min() < 0 or self.industry.max() >= len(self.industry_names)):
            raise DataError("market: industry index out of range")
        if n and (self.total_shares.min() <= 0 or not np.all(self.price_fen > 0)):
            raise DataError("market: every stock needs positive total shares and a positive price")

    @property
    def size(self) -> int:
        return len(self.codes)

    def daily_limit(self) -> FloatArray:
        """Each stock's daily price limit as a fraction (board limit, 5% for ST stocks on the main board)."""
        limits = np.asarray(BOARD_DAILY_LIMIT, dtype=np.float64)[self.board]
        st_main = self.is_st & (self.board == BOARD_MAIN)
        return np.where(st_main, ST_DAILY_LIMIT, limits)

    def market_value_fen(self) -> FloatArray:
        return self.total_shares.astype(np.float64) * self.price_fen

    def with_prices(self, price_fen: FloatArray) -> Market:
        """The same market at other closing prices."""
        if price_fen.shape != self.price_fen.shape:
            raise DataError(f"expected {self.price_fen.shape[0]} prices, got {price_fen.shape}")
        return replace(self, price_fen=np.asarray(price_fen, dtype=np.float64))

    def index_of(self, codes: npt.ArrayLike) -> IntArray:
        """Row numbers of the given stock codes (``DataError`` naming the first unknown code)."""
        wanted = np.asarray(codes, dtype=str)
        order = np.argsort(self.codes)
        sorted_codes = self.codes[order]
        pos = np.searchsorted(sorted_codes, wanted)
        pos = np.clip(pos, 0, max(len(sorted_codes) - 1, 0))
        found = (sorted_codes[pos] == wanted) if len(sorted_codes) else np.zeros(len(wanted), dtype=bool)
        if not np.all(found):
            raise DataError(f"unknown stock code {wanted[~found][0]!r}")
        return order[pos].astype(np.int64)


@dataclass(frozen=True)
class Entities:
    """Shareholders. ``parent`` is the direct controller's row (-1: nobody above), for look-through."""

    ids: StrArray
    names: StrArray
    is_institution: BoolArray
    parent: IntArray

    def __post_init__(self) -> None:
        n = _check_lengths(
            "entities",
            {
                "ids": self.ids,
                "names": self.names,
                "is_institution": self.is_institution,
                "parent": self.parent,
            },
        )
        if n and (self.parent.min() < -1 or self.parent.max() >= n):
            raise DataError("entities: parent index out of range")

    @property
    def size(self) -> int:
        return len(self.ids)

    def ultimate_controller(self) -> IntArray:
        """For every entity, the row of the entity at the top of its control chain (itself if none).

        Pointer jumping: each pass doubles the distance looked through, so a chain of length L takes
        log2(L) passes. A cycle in the control chain is a data error (it would never settle).
        """
        top = np.where(self.parent < 0, np.arange(self.size), self.parent).astype(np.int64)
        for _ in range(64):
            nxt = top[top]
            if np.array_equal(nxt, top):
                return top
            top = nxt
        raise DataError("entities: the control chain has a cycle")


@dataclass(frozen=True)
class Holdings:
    """One row per (entity, stock) position."""

    entity: IntArray
    stock: IntArray
    shares: IntArray
    is_controlling: BoolArray

    def __post_init__(self) -> None:
        _check_lengths(
            "holdings",
            {
                "entity": self.entity,
                "stock": self.stock,
                "shares": self.shares,
                "controlling": self.is_controlling,
            },
        )

    @property
    def size(self) -> int:
        return len(self.entity)


@dataclass(frozen=True)
class Lenders:
    """Pledgees, each an alliance member organisation (``org`` is its member id)."""

    org: StrArray
    names: StrArray
    kind: IntArray

    def __post_init__(self) -> None:
        n = _check_lengths("lenders", {"org": self.org, "names": self.names, "kind": self.kind})
        if n and (self.kind.min() < 0 or self.kind.max() >= len(LENDER_KINDS)):
            raise DataError("lenders: kind index out of range")

    @property
    def size(self) -> int:
        return len(self.org)


@dataclass(frozen=True)
class PledgeBook:
    """One row per pledge contract; indices point into the market and the tables.

    ``holding``: the pledgor's position (entity and stock); ``stock`` repeats the holding's stock for speed.
    ``pledgee``: row in ``lenders``. ``agent``: row in ``lenders`` of the pledgor's broker (-1: registered
    directly at the registrar, no broker). ``product``: asset-management product id (-1: the pledgee's own
    funds), ``funding``: the register's lender type code.
    Days are day numbers since 1970-01-01; lines and rates are basis points (16000 = 160%).
    """

    contract_ids: StrArray
    holding: IntArray
    stock: IntArray
    pledgee: IntArray
    agent: IntArray
    product: IntArray
    funding: IntArray
    shares: IntArray
    restricted: BoolArray
    dividends_fen: IntArray
    principal_fen: IntArray
    rate_bp: IntArray
    start_day: IntArray
    maturity_day: IntArray
    warning_line_bp: IntArray
    closing_line_bp: IntArray
    initial_price_fen: IntArray
    entities: Entities
    holdings: Holdings
    lenders: Lenders
    product_names: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        n = _check_lengths(
            "pledge book",
            {
                name: getattr(self, name)
                for name in (
                    "contract_ids",
                    "holding",
                    "stock",
                    "pledgee",
                    "agent",
                    "product",
                    "funding",
                    "shares",
                    "restricted",
                    "dividends_fen",
                    "principal_fen",
                    "rate_bp",
                    "start_day",
                    "maturity_day",
                    "warning_line_bp",
                    "closing_line_bp",
                    "initial_price_fen",
                )
            },
        )
        if n == 0:
            return
        if self.shares.min() <= 0:
            raise DataError("pledge book: every contract needs a positive number of pledged shares")
        if self.principal_fen.min() <= 0:
            raise DataError("pledge book: every contract needs a positive principal")
        if np.any(self.closing_line_bp <= 0) or np.any(self.warning_line_bp < self.closing_line_bp):
            raise DataError("pledge book: lines must be positive with warning line >= closing line")
        if self.holding.min() < 0 or self.holding.max() >= self.holdings.size:
            raise DataError("pledge book: holding index out of range")
        if not np.array_equal(self.holdings.stock[self.holding], self.stock):
            raise DataError("pledge book: a contract's stock differs from its holding's stock")
        if self.pledgee.min() < 0 or self.pledgee.max() >= self.lenders.size:
            raise DataError("pledge book: pledgee index out of range")

    @property
    def size(self) -> int:
        return len(self.contract_ids)

    def pledgor_entity(self) -> IntArray:
        """The entity row of each contract's pledgor."""
        return self.holdings.entity[self.holding]

    def subset(self, mask: BoolArray | IntArray) -> PledgeBook:
        """The contracts selected by a boolean mask or row numbers (the tables are shared, not copied)."""
        picked: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                picked[name] = value[mask]
        return replace(self, **picked)
