"""Penetrating views: the whole book seen by stock, shareholder (through to the ultimate controller),
pledgee, industry and board, with concentration (HHI) and the regulator's flags.

Each view is a pandas DataFrame with one row per subject and plain columns (amounts in fen as floats,
ratios as fractions), so that the CLI prints it, the reports chart it and ``--json`` dumps it. The caps are
those of the 2018 rules: all pledges of one stock <= 50% of its shares, one securities firm as lender <= 30%
of a stock's shares, one asset-management product <= 15%. The margins that make a stock "near the cap" or
a controlling shareholder "highly pledged" are parameters, not constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import (
    BOARDS,
    LENDER_BROKER,
    LENDER_KINDS,
    STATUS_NAMES,
    STATUS_TRIGGERED,
    STATUS_WARNING,
    FloatArray,
    IntArray,
    Market,
    PledgeBook,
)
from pledgenet.risk.valuation import Valuation

#: pledge-ratio buckets of the weekly statistics, highest first, with their [low, high) bounds;
#: ">50%" is strictly above 50%, "30-50%" includes 50% itself
RATIO_BUCKETS: tuple[str, ...] = (">50%", "30-50%", "20-30%", "10-20%", "<10%")


def ratio_bucket(ratio: FloatArray) -> IntArray:
    """Bucket index (into ``RATIO_BUCKETS``) of each company pledge ratio."""
    bucket = np.full(ratio.shape, 4, dtype=np.int64)
    bucket[ratio >= 0.10] = 3
    bucket[ratio >= 0.20] = 2
    bucket[ratio >= 0.30] = 1
    bucket[ratio > 0.50] = 0
    return bucket


@dataclass(frozen=True)
class Caps:
    """The pledge caps and the regulator's flag thresholds (fractions)."""

    stock_cap: float = 0.50
    firm_cap: float = 0.30
    product_cap: float = 0.15
    near_cap_margin: float = 0.05
    controller_pledged_flag: float = 0.80


def hhi(weights: npt.ArrayLike) -> float:
    """Herfindahl-Hirschman index of ``weights`` on the 0..10,000 scale (0 for no weight at all)."""
    total = float(np.sum(weights))
    if total <= 0:
        return 0.0
    shares = np.asarray(weights, dtype=np.float64) / total
    return float(np.sum(shares * shares) * 10_000.0)


def _contract_frame(book: PledgeBook, market: Market, valuation: Valuation) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stock": book.stock,
            "holding": book.holding,
            "pledgee": book.pledgee,
            "product": book.product,
            "shares": book.shares.astype(np.float64),
            "restricted": book.restricted,
            "value": book.shares.astype(np.float64) * market.price_fen[book.stock],
            "owed": valuation.owed_fen,
            "collateral": valuation.collateral_fen,
            "warning": valuation.status == STATUS_WARNING,
            "triggered": valuation.status == STATUS_TRIGGERED,
            "ratio": valuation.guarantee_ratio,
            "status": valuation.status,
        }
    )


def by_stock(book: PledgeBook, market: Market, caps: Caps = Caps()) -> pd.DataFrame:
    """Per stock with pledges: pledges, shares pledged (unrestricted / restricted), ratio, distance to cap."""
    n = market.size
    count = np.bincount(book.stock, minlength=n)
    shares = book.shares.astype(np.float64)
    restricted = np.bincount(book.stock, weights=np.where(book.restricted, shares, 0.0), minlength=n)
    pledged = np.bincount(book.stock, weights=shares, minlength=n)
    pledgee_share = pd.DataFrame({"stock": book.stock, "pledgee": book.pledgee, "shares": shares})
    per_pair = pledgee_share.groupby(["stock", "pledgee"], sort=False)["shares"].sum().reset_index()
    per_pair["weight"] = per_pair["shares"] / per_pair.groupby("stock")["shares"].transform("sum")
    stock_hhi = (per_pair["weight"] ** 2).groupby(per_pair["stock"]).sum() * 10_000.0
    rows = np.flatnonzero(count > 0)
    total = market.total_shares[rows].astype(np.float64)
    ratio = pledged[rows] / total
    frame = pd.DataFrame(
        {
            "code": market.codes[rows],
            "name": market.names[rows],
            "board": [BOARDS[b] for b in market.board[rows]],
            "industry": [market.industry_names[i] for i in market.industry[rows]],
            "pledges": count[rows],
            "unrestricted_pledged": (pledged[rows] - restricted[rows]).astype(np.int64),
            "restricted_pledged": restricted[rows].astype(np.int64),
            "total_shares": market.total_shares[rows],
            "pledge_ratio": ratio,
            "distance_to_cap": caps.stock_cap - ratio,
            "headroom_shares": np.maximum(0.0, caps.stock_cap * total - pledged[rows]).astype(np.int64),
            "near_cap": ratio >= caps.stock_cap - caps.near_cap_margin,
            "over_cap": ratio > caps.stock_cap,
            "pledged_value_fen": pledged[rows] * market.price_fen[rows],
            "pledgee_hhi": stock_hhi.reindex(rows).to_numpy(),
        }
    )
    return frame.sort_values("pledge_ratio", ascending=False, kind="stable").reset_index(drop=True)


def by_shareholder(
    book: PledgeBook, market: Market, valuation: Valuation, caps: Caps = Caps()
) -> pd.DataFrame:
    """Per pledging position (shareholder x stock): how much of the holding is pledged, its contracts'
    worst status, and the ultimate controller found by looking through the control chain."""
    frame = _contract_frame(book, market, valuation)
    grouped = frame.groupby("holding", sort=True).agg(
        pledged=("shares", "sum"),
        contracts=("shares", "size"),
        owed_fen=("owed", "sum"),
        collateral_fen=("collateral", "sum"),
        min_ratio=("ratio", "min"),
        worst_status=("status", "max"),
    )
    holding = grouped.index.to_numpy()
    ents = book.entities
    entity = book.holdings.entity[holding]
    top = ents.ultimate_controller()[entity]
    held = book.holdings.shares[holding].astype(np.float64)
    pledged_of_holding = grouped["pledged"].to_numpy() / np.maximum(held, 1.0)
    controlling = book.holdings.is_controlling[holding]
    out = pd.DataFrame(
        {
            "shareholder_id": ents.ids[entity],
            "shareholder": ents.names[entity],
            "code": market.codes[book.holdings.stock[holding]],
            "controlling": controlling,
            "holding_shares": book.holdings.shares[holding],
            "pledged_shares": grouped["pledged"].to_numpy().astype(np.int64),
            "pledged_of_holding": pledged_of_holding,
            "contracts": grouped["contracts"].to_numpy(),
            "owed_fen": grouped["owed_fen"].to_numpy(),
            "collateral_fen": grouped["collateral_fen"].to_numpy(),
            "min_ratio": grouped["min_ratio"].to_numpy(),
            "worst_status": [STATUS_NAMES[s] for s in grouped["worst_status"].to_numpy()],
            "ultimate_controller_id": ents.ids[top],
            "ultimate_controller": ents.names[top],
            "flag_highly_pledged": controlling & (pledged_of_holding > caps.controller_pledged_flag),
        }
    )
    return out.sort_values("owed_fen", ascending=False, kind="stable").reset_index(drop=True)


def by_controller(book: PledgeBook, market: Market, valuation: Valuation) -> pd.DataFrame:
    """Per ultimate controller: every pledge made by anything it controls, across all its companies."""
    frame = _contract_frame(book, market, valuation)
    frame["controller"] = book.entities.ultimate_controller()[book.holdings.entity[book.holding]]
    grouped = frame.groupby("controller", sort=True).agg(
        companies=("stock", "nunique"),
        pledgors=("holding", "nunique"),
        contracts=("shares", "size"),
        pledged_value_fen=("value", "sum"),
        owed_fen=("owed", "sum"),
        collateral_fen=("collateral", "sum"),
        warning=("warning", "sum"),
        triggered=("triggered", "sum"),
        min_ratio=("ratio", "min"),
    )
    rows = grouped.index.to_numpy()
    out = grouped.reset_index(drop=True)
    out.insert(0, "controller", book.entities.names[rows])
    out.insert(0, "controller_id", book.entities.ids[rows])
    out["ratio"] = out["collateral_fen"] / out["owed_fen"]
    return out.sort_values("owed_fen", ascending=False, kind="stable").reset_index(drop=True)


def by_pledgee(book: PledgeBook, market: Market, valuation: Valuation, caps: Caps = Caps()) -> pd.DataFrame:
    """Per pledgee: exposure, share of it in warning / triggered, distance to the 30% and 15% caps, HHI."""
    frame = _contract_frame(book, market, valuation)
    frame["owed_warning"] = np.where(frame["warning"], frame["owed"], 0.0)
    frame["owed_triggered"] = np.where(frame["triggered"], frame["owed"], 0.0)
    grouped = frame.groupby("pledgee", sort=True).agg(
        contracts=("shares", "size"),
        exposure_fen=("owed", "sum"),
        collateral_fen=("collateral", "sum"),
        owed_warning=("owed_warning", "sum"),
        owed_triggered=("owed_triggered", "sum"),
    )
    total_shares = market.total_shares.astype(np.float64)
    per_stock = frame.groupby(["pledgee", "stock"], sort=False).agg(
        shares=("shares", "sum"), owed=("owed", "sum")
    )
    per_stock = per_stock.reset_index()
    per_stock["share_of_stock"] = per_stock["shares"] / total_shares[per_stock["stock"].to_numpy()]
    firm_max = per_stock.groupby("pledgee")["share_of_stock"].max()
    book_hhi = per_stock.groupby("pledgee")["owed"].apply(lambda owed: hhi(owed.to_numpy()))
    products = frame[frame["product"] >= 0]
    per_product = products.groupby(["pledgee", "product", "stock"], sort=False)["shares"].sum().reset_index()
    per_product["share_of_stock"] = per_product["shares"] / total_shares[per_product["stock"].to_numpy()]
    product_max = per_product.groupby("pledgee")["share_of_stock"].max()
    rows = grouped.index.to_numpy()
    lenders = book.lenders
    exposure = grouped["exposure_fen"].to_numpy()
    firm = firm_max.reindex(rows).to_numpy()
    product = product_max.reindex(rows).to_numpy()
    is_broker = lenders.kind[rows] == LENDER_BROKER
    out = pd.DataFrame(
        {
            "org": lenders.org[rows],
            "name": lenders.names[rows],
            "kind": [LENDER_KINDS[k] for k in lenders.kind[rows]],
            "contracts": grouped["contracts"].to_numpy(),
            "exposure_fen": exposure,
            "collateral_fen": grouped["collateral_fen"].to_numpy(),
            "share_warning": grouped["owed_warning"].to_numpy() / exposure,
            "share_triggered": grouped["owed_triggered"].to_numpy() / exposure,
            "max_share_of_a_stock": firm,
            # the 30% cap binds securities firms (the lenders of on-exchange repo); others: not applicable
            "distance_to_firm_cap": np.where(is_broker, caps.firm_cap - firm, np.nan),
            "max_product_share_of_a_stock": product,
            "distance_to_product_cap": caps.product_cap - product,
            "hhi_by_stock": book_hhi.reindex(rows).to_numpy(),
        }
    )
    return out.sort_values("exposure_fen", ascending=False, kind="stable").reset_index(drop=True)


def by_group(book: PledgeBook, market: Market, valuation: Valuation, key: str = "industry") -> pd.DataFrame:
    """Per industry or per board: companies, pledged value, exposure and its share in warning / triggered."""
    if key not in ("industry", "board"):
        raise DataError(f"unknown grouping {key!r}: use 'industry' or 'board'")
    frame = _contract_frame(book, market, valuation)
    codes = market.industry if key == "industry" else market.board
    labels = market.industry_names if key == "industry" else BOARDS
    frame["group"] = codes[book.stock]
    frame["owed_warning"] = np.where(frame["warning"], frame["owed"], 0.0)
    frame["owed_triggered"] = np.where(frame["triggered"], frame["owed"], 0.0)
    grouped = frame.groupby("group", sort=True).agg(
        companies=("stock", "nunique"),
        contracts=("shares", "size"),
        pledged_shares=("shares", "sum"),
        pledged_value_fen=("value", "sum"),
        exposure_fen=("owed", "sum"),
        collateral_fen=("collateral", "sum"),
        owed_warning=("owed_warning", "sum"),
        owed_triggered=("owed_triggered", "sum"),
    )
    out = grouped.reset_index()
    out.insert(0, key, [labels[g] for g in out.pop("group")])
    out["share_warning"] = out.pop("owed_warning") / out["exposure_fen"]
    out["share_triggered"] = out.pop("owed_triggered") / out["exposure_fen"]
    out["ratio"] = out["collateral_fen"] / out["exposure_fen"]
    return out.sort_values("exposure_fen", ascending=False, kind="stable").reset_index(drop=True)


def concentration(book: PledgeBook, market: Market, valuation: Valuation) -> dict[str, float]:
    """HHI (0..10,000) of the market's exposure across pledgees, stocks, industries, ultimate controllers."""
    owed = valuation.owed_fen
    controller = book.entities.ultimate_controller()[book.holdings.entity[book.holding]]
    return {
        "by_pledgee": hhi(np.bincount(book.pledgee, weights=owed)),
        "by_stock": hhi(np.bincount(book.stock, weights=owed)),
        "by_industry": hhi(np.bincount(market.industry[book.stock], weights=owed)),
        "by_ultimate_controller": hhi(np.bincount(controller, weights=owed)),
    }


def flags(book: PledgeBook, market: Market, valuation: Valuation, caps: Caps = Caps()) -> pd.DataFrame:
    """The regulator's flags: controlling shareholders with more than 80% of their holding pledged, and
    stocks near (or over) the 50% cap. One row per flag: kind, subject, code, value, threshold."""
    holders = by_shareholder(book, market, valuation, caps)
    high = holders[holders["flag_highly_pledged"]]
    stocks = by_stock(book, market, caps)
    near = stocks[stocks["near_cap"]]
    rows = [
        pd.DataFrame(
            {
                "kind": "controlling_shareholder_highly_pledged",
                "subject": high["shareholder"],
                "code": high["code"],
                "value": high["pledged_of_holding"],
                "threshold": caps.controller_pledged_flag,
            }
        ),
        pd.DataFrame(
            {
                "kind": np.where(near["over_cap"], "stock_over_cap", "stock_near_cap"),
                "subject": near["name"],
                "code": near["code"],
                "value": near["pledge_ratio"],
                "threshold": caps.stock_cap,
            }
        ),
    ]
    return pd.concat(rows, ignore_index=True)


def by_contract(
    book: PledgeBook, market: Market, valuation: Valuation, days_below_closing: IntArray | None = None
) -> pd.DataFrame:
    """Per contract, worst first: stock, pledgor, pledgee, owed, collateral, ratio against its own lines,
    status, the prices at which it hits each line, and (when a price history was given) the days it has
    stood below its closing line (-1: not below)."""
    entity = book.holdings.entity[book.holding]
    lines = zip(book.warning_line_bp // 100, book.closing_line_bp // 100, strict=True)
    out = pd.DataFrame(
        {
            "contract": book.contract_ids,
            "code": market.codes[book.stock],
            "pledgor": book.entities.names[entity],
            "pledgee": book.lenders.org[book.pledgee],
            "shares": book.shares,
            "owed_fen": valuation.owed_fen,
            "collateral_fen": valuation.collateral_fen,
            "dividends_fen": book.dividends_fen.astype(np.float64),
            "ratio": valuation.guarantee_ratio,
            "warning_line": book.warning_line_bp / 10_000,
            "closing_line": book.closing_line_bp / 10_000,
            "lines": [f"{warning}/{closing}%" for warning, closing in lines],
            "status": [STATUS_NAMES[s] for s in valuation.status],
            "price_fen": market.price_fen[book.stock],
            "warning_price_fen": valuation.warning_price_fen,
            "closing_price_fen": valuation.closing_price_fen,
        }
    )  # fmt: skip
    if days_below_closing is not None:
        out["days_below_closing"] = np.where(days_below_closing >= 0, days_below_closing, np.nan)
    order = np.lexsort((valuation.guarantee_ratio, -valuation.status))
    return out.iloc[order].reset_index(drop=True)
