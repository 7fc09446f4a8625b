"""A simulated pledge book, calibrated to the registrar's published figures (see ``sim.calibration``).

How the figures are hit, step by step (all draws from one seeded generator):

1. exactly the published number of pledged companies on each board is chosen;
2. each company gets a ratio bucket so that the bucket counts are the published ones, and a pledge ratio
   inside its bucket (one company at the published maximum, 75.09%);
3. the share capital of the pledged companies of each board is scaled so that the board's pledged shares
   hit a target (board value / a typical pledged price, the main board taking the rest of 328.9 bn), and
   their prices so that the board's pledged value hits the published value exactly;
4. each company's pledged shares are split among its pledging shareholders (the controlling shareholder
   first; some institutional holders sit under a group, for look-through) and then into contracts;
5. contracts are put in random order and cut along cumulative principal into broker / bank / trust /
   other shares of the published split, and along cumulative shares into the restricted 8.5%; the error of
   each is at most one contract.

Contract terms (pledge rate 30-60%, lines 160/140, 150/130 or 170/150, annual rates by lender kind, start
within the last three years, price moves since the start) are plausible rather than published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pledgenet.errors import DataError
from pledgenet.risk.breakdowns import RATIO_BUCKETS
from pledgenet.risk.pledge_book import (
    BOARDS,
    FUNDING_COLLECTIVE_PLAN,
    FUNDING_OWN,
    FUNDING_TARGETED_PLAN,
    LENDER_BROKER,
    LENDER_KINDS,
    Entities,
    Holdings,
    Lenders,
    Market,
    PledgeBook,
)
from pledgenet.sim.calibration import CalibrationTargets
from pledgenet.sim.market import generate_market

#: bounds of the ratio drawn inside each bucket (same order as RATIO_BUCKETS)
_BUCKET_BOUNDS = ((0.5005, 0.7509), (0.30, 0.50), (0.20, 0.30), (0.10, 0.20), (0.003, 0.10))
#: a typical pledged price by board (yuan) used to split the pledged shares between boards
_TYPICAL_PLEDGED_PRICE = {"chinext": 12.0, "star": 25.0}
_LINE_PAIRS = ((16_000, 14_000), (15_000, 13_000), (17_000, 15_000))
_LINE_WEIGHTS = (0.5, 0.35, 0.15)
#: annual rate range (bp) by lender kind, and how many institutions of each kind
_RATE_BP = {0: (550, 800), 1: (400, 600), 2: (700, 1_000), 3: (550, 750), 4: (600, 900)}
_LENDER_COUNT = {0: 40, 1: 30, 2: 25, 3: 8, 4: 12}


@dataclass(frozen=True)
class BookShape:
    """Size and terms of the generated book."""

    contracts: int = 20_000
    as_of_day: int = int(np.datetime64("2024-12-06", "D").astype(np.int64))
    extra_pledgors_mean: float = 0.6
    drift_spread: float = 0.25


def _ratios(rng: np.random.Generator, n_pledged: int, targets: CalibrationTargets) -> np.ndarray:
    counts = [targets.bucket_companies[name] for name in RATIO_BUCKETS]
    if sum(counts) != n_pledged:
        raise DataError("the bucket counts must add up to the number of companies with pledges")
    parts = []
    for (low, high), count in zip(_BUCKET_BOUNDS, counts, strict=True):
        if high <= 0.10:  # the lowest bucket is skewed to small ratios: log-uniform
            parts.append(np.exp(rng.uniform(np.log(low), np.log(high), count)))
        else:
            parts.append(rng.uniform(low, high, count))
    ratio = np.concatenate(parts)
    if counts[0]:
        ratio[0] = targets.max_company_ratio
    return rng.permutation(ratio)


def _calibrate_market(
    rng: np.random.Generator, market: Market, targets: CalibrationTargets
) -> tuple[Market, np.ndarray, np.ndarray]:
    """Pick the pledged companies, give each a ratio, rescale shares and prices to the targets."""
    pledged_rows = []
    for index, name in enumerate(BOARDS):
        on_board = np.flatnonzero(market.board == index)
        wanted = targets.board_companies[name]
        if wanted > len(on_board):
            raise DataError(f"the market has {len(on_board)} {name} stocks, fewer than {wanted} pledged")
        pledged_rows.append(np.sort(rng.choice(on_board, size=wanted, replace=False)))
    rows = np.concatenate(pledged_rows)
    ratio = _ratios(rng, len(rows), targets)
    total_shares = market.total_shares.astype(np.float64).copy()
    price = market.price_fen.copy()
    board_shares = {
        name: targets.board_value_fen[name] / (price_yuan * 100.0)
        for name, price_yuan in _TYPICAL_PLEDGED_PRICE.items()
    }
    board_shares["main"] = targets.pledged_shares - sum(board_shares.values())
    for index, name in enumerate(BOARDS):
        mine = market.board[rows] == index
        picked = rows[mine]
        scale = board_shares[name] / float(np.sum(ratio[mine] * total_shares[picked]))
        total_shares[picked] = np.round(total_shares[picked] * scale / 100.0) * 100.0
        pledged = np.round(ratio[mine] * total_shares[picked])
        price_scale = targets.board_value_fen[name] / float(np.sum(pledged * price[picked]))
        price[picked] = np.maximum(100.0, np.round(price[picked] * price_scale))
    turnover = market.adv_shares / market.total_shares
    calibrated = replace(
        market,
        total_shares=total_shares.astype(np.int64),
        price_fen=price,
        adv_shares=total_shares * turnover,
    )
    pledged_shares = np.round(ratio * total_shares[rows]).astype(np.int64)
    return calibrated, rows, pledged_shares


def _split_integer(rng: np.random.Generator, total: int, parts: int) -> np.ndarray:
    """``total`` split into ``parts`` positive integers with random (Dirichlet) weights."""
    weights = rng.dirichlet(np.full(parts, 1.5))
    raw = np.floor(weights * (total - parts)).astype(np.int64) + 1
    raw[np.argmax(weights)] += total - int(raw.sum())
    return raw


def generate_book(
    market: Market,
    seed: int = 20241206,
    shape: BookShape | None = None,
    targets: CalibrationTargets | None = None,
) -> tuple[Market, PledgeBook]:
    """The calibrated market (pledged companies rescaled) and its pledge book of ``shape.contracts``."""
    shape = shape or BookShape()
    targets = targets or CalibrationTargets()
    if shape.contracts < targets.companies_with_pledges:
        raise DataError(f"need at least {targets.companies_with_pledges} contracts (one per pledged company)")
    rng = np.random.default_rng(seed)
    market, companies, company_pledged = _calibrate_market(rng, market, targets)

    # pledging shareholders: the controlling shareholder first, then a few others
    extra_pledgors = np.minimum(3, rng.poisson(shape.extra_pledgors_mean, len(companies)))
    # every pledging shareholder needs a contract: with few contracts, fewer companies get extra pledgors
    fits = np.cumsum(extra_pledgors) <= shape.contracts - len(companies)
    pledgor_count = 1 + np.where(fits, extra_pledgors, 0)
    holding_stock = np.repeat(companies, pledgor_count)
    first_of_company = np.concatenate(([0], np.cumsum(pledgor_count)[:-1]))
    is_controlling = np.zeros(len(holding_stock), dtype=bool)
    is_controlling[first_of_company] = True
    holding_pledged = np.concatenate(
        [
            _split_integer(rng, int(total), int(k))
            for total, k in zip(company_pledged, pledgor_count, strict=True)
        ]
    )
    controlling_weight = np.where(is_controlling, 4.0, 1.0)
    pledged_fraction = np.clip(rng.beta(2.2, 1.2, len(holding_stock)), 0.05, 1.0)
    unpledged = holding_pledged * (1.0 / pledged_fraction - 1.0) * controlling_weight / 2.0
    room = market.total_shares[companies] - company_pledged
    wanted = np.bincount(np.repeat(np.arange(len(companies)), pledgor_count), weights=unpledged)
    squeeze = np.minimum(1.0, room / np.maximum(wanted, 1.0))
    holding_shares = holding_pledged + np.floor(unpledged * np.repeat(squeeze, pledgor_count)).astype(
        np.int64
    )

    # entities: one per holding, institutions under groups (look-through), groups under a few tops
    n_holdings = len(holding_stock)
    is_institution = rng.random(n_holdings) < np.where(is_controlling, 0.65, 0.45)
    n_groups = max(1, n_holdings // 8)
    n_tops = max(1, n_groups // 6)
    group_parent = np.where(
        rng.random(n_groups) < 0.3, n_holdings + n_groups + rng.integers(0, n_tops, n_groups), -1
    )
    holder_parent = np.where(
        is_institution & (rng.random(n_holdings) < 0.55),
        n_holdings + rng.integers(0, n_groups, n_holdings),
        -1,
    )
    parent = np.concatenate([holder_parent, group_parent, np.full(n_tops, -1)]).astype(np.int64)
    n_entities = len(parent)
    names = np.array(
        [f"Holder {i:05d}" for i in range(n_holdings)]
        + [f"Group {i:04d}" for i in range(n_groups)]
        + [f"Top Holding {i:03d}" for i in range(n_tops)]
    )
    entities = Entities(
        ids=np.array([f"E{i:06d}" for i in range(n_entities)]),
        names=names,
        is_institution=np.concatenate([is_institution, np.ones(n_groups + n_tops, dtype=bool)]),
        parent=parent,
    )
    holdings = Holdings(
        entity=np.arange(n_holdings, dtype=np.int64),
        stock=holding_stock.astype(np.int64),
        shares=holding_shares.astype(np.int64),
        is_controlling=is_controlling,
    )

    # contracts: at least one per pledging holding, the rest in proportion to the pledged shares
    extra = rng.multinomial(shape.contracts - n_holdings, holding_pledged / holding_pledged.sum())
    per_holding = np.minimum(1 + extra, holding_pledged)
    holding = np.repeat(np.arange(n_holdings), per_holding)
    shares = np.concatenate(
        [
            _split_integer(rng, int(total), int(k))
            for total, k in zip(holding_pledged, per_holding, strict=True)
        ]
    )
    stock = holding_stock[holding]
    return market, _terms(rng, market, shape, entities, holdings, holding, stock, shares, targets)


def _cut(order: np.ndarray, weights: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Band of each item when items in ``order`` fill the cumulative weight bands ``bounds`` (fractions)."""
    cumulative = np.cumsum(weights[order]) - weights[order] / 2.0
    band = np.searchsorted(bounds, cumulative / weights.sum(), side="right")
    result = np.empty(len(order), dtype=np.int64)
    result[order] = band
    return result


def _lenders(rng: np.random.Generator) -> tuple[Lenders, dict[int, np.ndarray]]:
    kinds = np.concatenate([np.full(count, kind) for kind, count in _LENDER_COUNT.items()]).astype(np.int64)
    ordinal = np.concatenate([np.arange(count) for count in _LENDER_COUNT.values()])
    orgs = np.array([f"{LENDER_KINDS[k]}-{i + 1:02d}" for k, i in zip(kinds, ordinal, strict=True)])
    names = np.array([f"{LENDER_KINDS[k].title()} {i + 1:02d}" for k, i in zip(kinds, ordinal, strict=True)])
    rows = {kind: np.flatnonzero(kinds == kind) for kind in _LENDER_COUNT}
    return Lenders(org=orgs, names=names, kind=kinds), rows


def _terms(
    rng: np.random.Generator,
    market: Market,
    shape: BookShape,
    entities: Entities,
    holdings: Holdings,
    holding: np.ndarray,
    stock: np.ndarray,
    shares: np.ndarray,
    targets: CalibrationTargets,
) -> PledgeBook:
    n = len(holding)
    as_of = shape.as_of_day
    price_now = market.price_fen[stock]
    age = rng.integers(1, 3 * 365, n)
    start = as_of - age
    drift = rng.normal(0.0, shape.drift_spread, n) * np.sqrt(age / 365.0)
    initial_price = np.maximum(100.0, np.round(price_now / np.exp(drift)))
    pledge_rate = rng.uniform(0.30, 0.60, n)
    principal = np.maximum(100_000.0, np.round(pledge_rate * shares * initial_price)).astype(np.int64)
    term = rng.choice(np.array([365, 730, 1095]), n)
    maturity = start + term
    overdue = maturity <= as_of
    maturity = np.where(overdue, as_of + rng.integers(30, 365, n), maturity)  # extended (2019 notice)

    lenders, rows_by_kind = _lenders(rng)
    order = rng.permutation(n)
    split = targets.pledgee_split
    bounds = np.cumsum([split["broker"], split["bank"], split["trust"], (1 - sum(split.values())) / 3])
    kind = _cut(order, principal.astype(np.float64), bounds)  # 0 broker .. 3 insurer, 4 other
    pledgee = np.empty(n, dtype=np.int64)
    for k, candidates in rows_by_kind.items():
        mine = kind == k
        popularity = 1.0 / np.arange(1, len(candidates) + 1) ** 0.8
        pledgee[mine] = rng.choice(candidates, size=int(mine.sum()), p=popularity / popularity.sum())
    is_broker = kind == LENDER_BROKER
    own_broker = rng.choice(rows_by_kind[LENDER_BROKER], size=n)
    agent = np.where(is_broker, pledgee, np.where(rng.random(n) < 0.5, own_broker, -1))
    plan = is_broker & (rng.random(n) < 0.3)
    product = np.where(plan, pledgee * 10 + rng.integers(0, 5, n), -1)
    funding = np.where(
        plan, np.where(rng.random(n) < 0.6, FUNDING_COLLECTIVE_PLAN, FUNDING_TARGETED_PLAN), FUNDING_OWN
    )
    low, high = np.array([_RATE_BP[k] for k in range(len(_RATE_BP))]).T
    rate = np.round(rng.uniform(low[kind], high[kind]) / 5.0) * 5.0
    pair = rng.choice(len(_LINE_PAIRS), size=n, p=np.asarray(_LINE_WEIGHTS))
    lines = np.asarray(_LINE_PAIRS)[pair]
    with_dividends = rng.random(n) < 0.3
    dividends = np.where(with_dividends, np.round(shares * price_now * rng.uniform(0.002, 0.02, n)), 0.0)
    restricted_order = rng.permutation(n)
    restricted = (
        _cut(restricted_order, shares.astype(np.float64), np.array([1 - targets.unrestricted_share])) == 0
    )
    product_ids = sorted(set(product[product >= 0].tolist()))
    product_index = np.searchsorted(np.asarray(product_ids, dtype=np.int64), product)
    return PledgeBook(
        contract_ids=np.array([f"C{i:08d}" for i in range(n)]),
        holding=holding.astype(np.int64),
        stock=stock.astype(np.int64),
        pledgee=pledgee,
        agent=agent.astype(np.int64),
        product=np.where(product >= 0, product_index, -1).astype(np.int64),
        funding=funding.astype(np.int64),
        shares=shares.astype(np.int64),
        restricted=restricted,
        dividends_fen=dividends.astype(np.int64),
        principal_fen=principal,
        rate_bp=rate.astype(np.int64),
        start_day=start.astype(np.int64),
        maturity_day=maturity.astype(np.int64),
        warning_line_bp=lines[:, 0].astype(np.int64),
        closing_line_bp=lines[:, 1].astype(np.int64),
        initial_price_fen=initial_price.astype(np.int64),
        entities=entities,
        holdings=holdings,
        lenders=lenders,
        product_names=tuple(f"{lenders.org[p // 10]} plan {p % 10 + 1}" for p in product_ids),
    )


def generate(seed: int = 20241206, contracts: int = 20_000) -> tuple[Market, PledgeBook]:
    """The default simulated market and its calibrated book (``pledgenet sim``)."""
    return generate_book(generate_market(seed), seed=seed, shape=BookShape(contracts=contracts))
