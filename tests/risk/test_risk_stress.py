"""Shocks and the revaluation of the whole book under many scenarios."""

from __future__ import annotations

import numpy as np
import pytest
from risk_fixtures import Tiny

from pledgenet.errors import DataError
from pledgenet.risk.stress import (
    group_shock,
    limit_down_shock,
    random_scenarios,
    revalue_scenarios,
    revalue_scenarios_dense,
    run_stress,
    standard_scenarios,
    uniform_shock,
)


def test_limit_down_days_use_each_boards_limit(tiny: Tiny) -> None:
    # Execute: Alpha main board, Beta ChiNext, Gamma ST on the main board
    shock = limit_down_shock(tiny.market, 3)
    # Assert
    assert shock == pytest.approx([0.9**3 - 1, 0.8**3 - 1, 0.95**3 - 1])


def test_group_shock_hits_only_the_named_groups(tiny: Tiny) -> None:
    # Execute
    by_industry = group_shock(tiny.market, "industry", {"media": 0.3})
    by_board = group_shock(tiny.market, "board", {"main": 0.1})
    # Assert
    assert by_industry == pytest.approx([0.0, -0.3, 0.0])
    assert by_board == pytest.approx([-0.1, 0.0, -0.1])
    with pytest.raises(DataError, match="unknown industry"):
        group_shock(tiny.market, "industry", {"shipbuilding": 0.3})
    with pytest.raises(DataError, match="between 0 and 1"):
        uniform_shock(tiny.market, 1.5)


def test_fast_revaluation_matches_the_plain_pass(generated: Tiny) -> None:
    # Prepare: 300 correlated scenarios over 3,000 contracts
    shocks = random_scenarios(generated.market, 300, seed=3)
    # Execute
    fast = revalue_scenarios(generated.book, generated.market, shocks, generated.as_of)
    plain = revalue_scenarios_dense(generated.book, generated.market, shocks, generated.as_of)
    # Assert
    np.testing.assert_array_equal(fast.triggered, plain.triggered)
    np.testing.assert_array_equal(fast.warning, plain.warning)
    np.testing.assert_allclose(fast.shortfall_fen, plain.shortfall_fen, rtol=1e-9, atol=1.0)
    np.testing.assert_allclose(fast.uncovered_fen, plain.uncovered_fen, rtol=1e-9, atol=1.0)
    assert fast.triggered.max() > fast.triggered.min()  # the scenarios differ


def test_deeper_uniform_falls_trigger_more(tiny: Tiny) -> None:
    # Prepare
    shocks = np.vstack([uniform_shock(tiny.market, fall) for fall in (0.0, 0.2, 0.4, 0.6)])
    # Execute
    result = revalue_scenarios(tiny.book, tiny.market, shocks, tiny.as_of)
    # Assert: at -40% c0 (200%) is at 120%, c1 (186%) at 112%, c2 and c3 (~161%, 167%) below 130%
    assert result.triggered.tolist() == [0, 0, 4, 4]
    assert result.warning.tolist()[1] > 0
    assert list(result.uncovered_fen) == sorted(result.uncovered_fen)


def test_shocks_of_the_wrong_shape_or_size_are_refused(tiny: Tiny) -> None:
    with pytest.raises(DataError, match="scenarios x 3 stocks"):
        revalue_scenarios(tiny.book, tiny.market, np.zeros((2, 4)), tiny.as_of)
    with pytest.raises(DataError, match="above -100%"):
        revalue_scenarios(tiny.book, tiny.market, np.array([[-1.0, 0.0, 0.0]]), tiny.as_of)


def test_run_stress_names_the_pledgee_that_loses_most(tiny: Tiny) -> None:
    # Execute
    table = run_stress(tiny.book, tiny.market, standard_scenarios(tiny.market), tiny.as_of).set_index(
        "scenario"
    )
    # Assert: after five limit-down days ChiNext Beta is at 33% of its price (20% limit) while main-board
    # Alpha is at 59%: bank01's c1 is the contract no longer covered
    five = table.loc["5 limit-down days"]
    assert five["triggered"] == 4
    assert five["worst_pledgee"] == "bank01"
    assert five["worst_pledgee_uncovered_fen"] == pytest.approx(107_300_000 - 100_000 * 2_000 * 0.8**5)
    assert table.loc["uniform -10%", "triggered"] == 0
