"""Contribution in a horizontal job: lenders as players, exact Shapley by a FedAvg per coalition, and
GTG-Shapley from the recorded rounds (no retraining)."""

from __future__ import annotations

import numpy as np
import pytest

from pledgenet.errors import ContributionError
from pledgenet.fl.contribution.horizontal import HorizontalGame, gtg_shapley
from pledgenet.fl.horizontal.local import LocalParams


def lenders_and_validation(seed: int = 0) -> HorizontalGame:
    """Three honest lenders of one logistic population and a fourth whose labels are coin flips."""
    rng = np.random.default_rng(seed)

    def population(rows: int) -> tuple[np.ndarray, np.ndarray]:
        features = rng.normal(size=(rows, 4))
        logits = features @ np.array([1.5, -1.0, 0.5, 0.0])
        return features, (rng.random(rows) < 1 / (1 + np.exp(-logits))).astype(np.float64)

    honest = {f"lender-{i}": population(rows) for i, rows in enumerate((300, 200, 100))}
    noise_features = rng.normal(size=(300, 4))
    honest["free-rider"] = (noise_features, rng.integers(0, 2, size=300).astype(np.float64))
    return HorizontalGame(
        honest, population(1000), rounds=6, local=LocalParams(epochs=1, batch_size=50, learning_rate=0.2)
    )


def test_gtg_values_add_up_to_the_federation_s_gain_and_rank_like_retraining() -> None:
    # Prepare
    game = lenders_and_validation()

    # Execute
    exact = game.exact()
    reconstructed = game.gtg(walks_per_round=8, seed=1)

    # Assert: both share out the same whole gain (the rounds' values telescope); the free rider is last
    # in both; GTG trains one federation, exact sixteen
    gain = exact.table[-1] - exact.table[0]
    assert sum(reconstructed.values.values()) == pytest.approx(gain, abs=1e-6)
    assert sum(exact.values.values()) == pytest.approx(gain, abs=1e-6)
    for report in (exact, reconstructed):
        assert min(report.values, key=report.values.__getitem__) == "free-rider"
    assert reconstructed.values["free-rider"] < 0.25 * reconstructed.values["lender-0"]
    assert all(error >= 0 for error in reconstructed.std_errors.values())
    assert {walk["group"] for walk in reconstructed.table} <= set(range(6))


def test_round_truncation_skips_rounds_that_moved_nothing() -> None:
    # Prepare: a game's recorded rounds
    game = lenders_and_validation()
    logs = game.federation(0b1111)[1]

    # Execute: a threshold above every round's gain
    with pytest.raises(ContributionError, match="nothing to measure"):
        gtg_shapley(game.players, logs, game.evaluate, metric="auc", walks_per_round=2,
                    round_truncation_ppm=10**7)  # fmt: skip
