"""Client-level DP for horizontal FL: noise set from (epsilon, delta, rounds), the epsilon spent reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pledgenet.errors import ConfigError
from pledgenet.fl.horizontal.dp import epsilon_spent, plan_dp
from pledgenet.fl.horizontal.fedavg import FedParams
from pledgenet.fl.horizontal.lenders import DATA_DIR, HOMO_PARTS, lender_data
from pledgenet.fl.horizontal.local import LocalParams
from pledgenet.fl.horizontal.models import make_model
from pledgenet.fl.horizontal.simulate import simulate_fedavg


def test_noise_is_set_from_the_budget_and_meets_it() -> None:
    # Prepare / Execute: the same job at three budgets
    plans = [
        plan_dp(epsilon=eps, delta=1e-5, rounds=10, clip=1.0, scale=2.0**16, dimension=24, threshold=2)
        for eps in (1.0, 3.0, 8.0)
    ]
    # Assert: a smaller epsilon means more noise; the accountant says each plan spends its target, not more
    multipliers = [plan.noise_multiplier for plan in plans]
    assert multipliers[0] > multipliers[1] > multipliers[2] > 0
    for plan in plans:
        assert plan.epsilon * 0.98 <= plan.spent(10) <= plan.epsilon * 1.0001
        assert plan.spent(5) < plan.spent(10)
        # the Skellam variance is at least the Gaussian one the accountant was given
        assert plan.total_variance >= (plan.noise_multiplier * plan.sensitivity_l2) ** 2
    assert epsilon_spent(multipliers[0], 0, 1e-5) == 0.0
    with pytest.raises(ConfigError):
        plan_dp(epsilon=0.0, delta=1e-5, rounds=10, clip=1.0, scale=1.0, dimension=3, threshold=2)


def test_each_lenders_skellam_share_sums_to_the_planned_variance() -> None:
    plan = plan_dp(epsilon=3.0, delta=1e-5, rounds=5, clip=1.0, scale=2.0**10, dimension=20_000, threshold=4)
    rng = np.random.default_rng(3)
    total = sum(plan.client_noise(rng) for _ in range(4))
    assert total.dtype == np.int64
    assert abs(total.var() / plan.total_variance - 1.0) < 0.05
    assert abs(total.mean()) < 4 * np.sqrt(plan.total_variance / total.size)


def test_a_dp_job_reports_the_epsilon_it_spent() -> None:
    lenders = [lender_data(f"lender-{i}", pd.read_csv(DATA_DIR / n)) for i, n in enumerate(HOMO_PARTS, 1)]
    fed = FedParams(rounds=3, local=LocalParams(learning_rate=0.05), dp_epsilon=8.0, dp_clip=0.5)
    outcome = simulate_fedavg(lenders, make_model("lr", 23), fed)
    privacy = outcome["privacy"]
    assert privacy["rounds_run"] == 3
    assert 0 < privacy["epsilon_spent"] <= 8.0 * 1.0001
    assert np.all(np.isfinite(outcome["params"]))
    with pytest.raises(ConfigError, match="secure"):
        FedParams(secure=False, dp_epsilon=1.0)
