"""Penetrating views on the hand-made book."""

from __future__ import annotations

import pytest
from risk_fixtures import Tiny

from pledgenet.errors import DataError
from pledgenet.risk.breakdowns import (
    by_controller,
    by_group,
    by_pledgee,
    by_shareholder,
    by_stock,
    concentration,
    flags,
    hhi,
)
from pledgenet.risk.valuation import value_book


def test_by_stock_gives_the_registrars_columns_and_distance_to_cap(tiny: Tiny) -> None:
    # Execute
    stocks = by_stock(tiny.book, tiny.market).set_index("code")
    # Assert: Alpha has 400,000 of 1,000,000 shares pledged in two contracts
    alpha = stocks.loc["600001"]
    assert alpha["pledges"] == 2
    assert alpha["pledge_ratio"] == pytest.approx(0.40)
    assert alpha["distance_to_cap"] == pytest.approx(0.10)
    assert alpha["headroom_shares"] == 100_000
    assert stocks.loc["300001", "restricted_pledged"] == 100_000
    assert not alpha["near_cap"]


def test_look_through_finds_the_group_behind_two_companies(tiny: Tiny) -> None:
    # Prepare
    valuation = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    # Execute
    holders = by_shareholder(tiny.book, tiny.market, valuation)
    controllers = by_controller(tiny.book, tiny.market, valuation).set_index("controller")
    # Assert: HoldCo A (Alpha) and HoldCo B (Beta) both lead to Group
    assert set(holders.loc[holders["ultimate_controller"] == "Group", "shareholder"]) == {
        "HoldCo A",
        "HoldCo B",
    }
    assert controllers.loc["Group", "companies"] == 2
    assert controllers.loc["Person C", "companies"] == 2


def test_controlling_shareholder_over_80_percent_pledged_is_flagged(tiny: Tiny) -> None:
    # Prepare: HoldCo A pledged 350,000 of its 400,000 Alpha shares (87.5%)
    valuation = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    # Execute
    raised = flags(tiny.book, tiny.market, valuation)
    # Assert
    high = raised[raised["kind"] == "controlling_shareholder_highly_pledged"]
    assert list(high["subject"]) == ["HoldCo A"]
    assert high["value"].iloc[0] == pytest.approx(0.875)


def test_by_pledgee_measures_exposure_status_and_caps(tiny: Tiny) -> None:
    # Prepare: Beta falls 45% so bank01's only contract is triggered
    valuation = value_book(tiny.book, tiny.market.price_fen * [1.0, 0.55, 1.0], tiny.as_of)
    # Execute
    pledgees = by_pledgee(tiny.book, tiny.market, valuation).set_index("org")
    # Assert
    assert pledgees.loc["bank01", "share_triggered"] == pytest.approx(1.0)
    assert pledgees.loc["broker01", "exposure_fen"] == pytest.approx(175_000_000 + 30_000_000)
    assert pledgees.loc["broker01", "distance_to_firm_cap"] == pytest.approx(0.30 - 0.35)
    assert pledgees.loc["broker01", "distance_to_product_cap"] == pytest.approx(0.15 - 0.10)
    assert (
        pledgees.loc["bank01", "distance_to_firm_cap"] != pledgees.loc["bank01", "distance_to_firm_cap"]
    )  # NaN


def test_groups_and_concentration(tiny: Tiny) -> None:
    # Prepare
    valuation = value_book(tiny.book, tiny.market.price_fen, tiny.as_of)
    # Execute
    boards = by_group(tiny.book, tiny.market, valuation, "board").set_index("board")
    industries = by_group(tiny.book, tiny.market, valuation, "industry").set_index("industry")
    hhis = concentration(tiny.book, tiny.market, valuation)
    # Assert
    assert boards.loc["main", "companies"] == 2
    assert industries.loc["media", "contracts"] == 1
    assert hhi([1.0, 1.0]) == pytest.approx(5_000.0)
    assert hhi([5.0]) == pytest.approx(10_000.0)
    assert 0 < hhis["by_pledgee"] < 10_000
    with pytest.raises(DataError):
        by_group(tiny.book, tiny.market, valuation, "country")


def test_generated_book_views_cover_every_contract(generated: Tiny) -> None:
    # Prepare
    valuation = value_book(generated.book, generated.market.price_fen, generated.as_of)
    # Execute
    pledgees = by_pledgee(generated.book, generated.market, valuation)
    stocks = by_stock(generated.book, generated.market)
    # Assert
    assert pledgees["contracts"].sum() == generated.book.size
    assert pledgees["exposure_fen"].sum() == pytest.approx(valuation.owed_fen.sum())
    assert stocks["pledges"].sum() == generated.book.size
