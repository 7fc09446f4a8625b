"""Helpers of the risk tests (imported by name, never through ``conftest``): a tiny hand-made market and
book whose figures can be worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pledgenet.risk.pledge_book import (
    BOARD_CHINEXT,
    BOARD_MAIN,
    FUNDING_COLLECTIVE_PLAN,
    FUNDING_OWN,
    LENDER_BANK,
    LENDER_BROKER,
    LENDER_TRUST,
    Entities,
    Holdings,
    Lenders,
    Market,
    PledgeBook,
)

AS_OF = int(np.datetime64("2024-12-06", "D").astype(np.int64))


@dataclass(frozen=True)
class Tiny:
    market: Market
    book: PledgeBook
    as_of: int


def tiny_market() -> Market:
    """Three stocks: a main-board stock at CNY 10, a ChiNext stock at CNY 20, an ST main-board stock at 5."""
    return Market(
        codes=np.array(["600001", "300001", "600002"]),
        names=np.array(["Alpha", "Beta", "ST Gamma"]),
        board=np.array([BOARD_MAIN, BOARD_CHINEXT, BOARD_MAIN]),
        industry=np.array([0, 1, 0]),
        industry_names=("machinery", "media"),
        is_st=np.array([False, False, True]),
        total_shares=np.array([1_000_000, 2_000_000, 1_000_000]),
        price_fen=np.array([1_000.0, 2_000.0, 500.0]),
        adv_shares=np.array([20_000.0, 40_000.0, 10_000.0]),
        daily_volatility=np.array([0.02, 0.03, 0.03]),
    )


def tiny_book(**overrides: Any) -> PledgeBook:
    """Four contracts. Entities: 0 a group, 1 and 2 its holding companies, 3 a person.

    c0: HoldCo A pledges 350,000 Alpha to broker01 (35% of Alpha: over the broker's 30% cap; 87.5% of its
        holding: a highly pledged controlling shareholder).
    c1: HoldCo B pledges 100,000 Beta to bank01 (its own funds) through its broker, broker01.
    c2: the person pledges 50,000 Alpha to trust01, registered directly (no agent).
    c3: the person pledges 100,000 ST Gamma to broker01 through a collective plan (10% of Gamma).
    """
    entities = Entities(
        ids=np.array(["E0", "E1", "E2", "E3"]),
        names=np.array(["Group", "HoldCo A", "HoldCo B", "Person C"]),
        is_institution=np.array([True, True, True, False]),
        parent=np.array([-1, 0, 0, -1]),
    )
    holdings = Holdings(
        entity=np.array([1, 2, 3, 3]),
        stock=np.array([0, 1, 0, 2]),
        shares=np.array([400_000, 600_000, 100_000, 300_000]),
        is_controlling=np.array([True, True, False, True]),
    )
    lenders = Lenders(
        org=np.array(["broker01", "bank01", "trust01"]),
        names=np.array(["Broker 01", "Bank 01", "Trust 01"]),
        kind=np.array([LENDER_BROKER, LENDER_BANK, LENDER_TRUST]),
    )
    columns: dict[str, Any] = {
        "contract_ids": np.array(["c0", "c1", "c2", "c3"]),
        "holding": np.array([0, 1, 2, 3]),
        "stock": np.array([0, 1, 0, 2]),
        "pledgee": np.array([0, 1, 2, 0]),
        "agent": np.array([0, 0, -1, 0]),
        "product": np.array([-1, -1, -1, 0]),
        "funding": np.array([FUNDING_OWN, FUNDING_OWN, FUNDING_OWN, FUNDING_COLLECTIVE_PLAN]),
        "shares": np.array([350_000, 100_000, 50_000, 100_000]),
        "restricted": np.array([False, True, False, False]),
        "dividends_fen": np.array([0, 0, 2_000_000, 0]),
        "principal_fen": np.array([175_000_000, 100_000_000, 30_000_000, 30_000_000]),
        "rate_bp": np.array([0, 730, 730, 0]),
        "start_day": np.array([AS_OF - 100, AS_OF - 365, AS_OF - 365, AS_OF - 10]),
        "maturity_day": np.array([AS_OF + 265, AS_OF + 365, AS_OF + 365, AS_OF + 355]),
        "warning_line_bp": np.array([16_000, 16_000, 15_000, 15_000]),
        "closing_line_bp": np.array([14_000, 14_000, 13_000, 13_000]),
        "initial_price_fen": np.array([1_000, 2_000, 1_000, 500]),
    }
    columns.update(overrides)
    return PledgeBook(
        **columns, entities=entities, holdings=holdings, lenders=lenders, product_names=("broker01 plan 1",)
    )
