"""Contribution in a vertical job: exact Shapley by a model per coalition, the reference-value alternative
beside it, truncated Monte Carlo with its standard errors; a free rider and a copier, tested."""

from __future__ import annotations

import numpy as np
import pytest

from pledgenet.errors import ContributionError
from pledgenet.fl.contribution.vertical import VerticalGame, split_columns

ROWS = 1200


def synthetic_party_columns(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Six columns: 0-1 strongly predictive, 2-3 weakly, 4-5 pure noise; labels from a logistic model."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(ROWS, 6))
    logits = 1.5 * features[:, 0] + 1.0 * features[:, 1] + 0.6 * features[:, 2] + 0.4 * features[:, 3]
    labels = (rng.random(ROWS) < 1 / (1 + np.exp(-logits))).astype(np.int64)
    return features, labels


def game(
    features: np.ndarray, labels: np.ndarray, parties: dict[str, list[int]], metric: str = "auc"
) -> VerticalGame:
    cut = ROWS * 7 // 10
    return VerticalGame(parties, features[:cut], labels[:cut], features[cut:], labels[cut:], metric=metric)


def test_a_free_rider_with_noise_features_gets_about_zero_and_the_values_add_up() -> None:
    # Prepare: the guest's strong columns, a host's weak ones, a host whose columns are noise
    features, labels = synthetic_party_columns()
    parties = {"guest": [0, 1], "host-weak": [2, 3], "host-noise": [4, 5]}

    # Execute
    exact = game(features, labels, parties).exact()
    reference = game(features, labels, parties).reference()

    # Assert: the noise host's value is within 1% AUC of zero (a tenth of the weak host's), the others clearly
    # positive and ordered;
    # the values share out exactly the whole model's gain over the base rate (efficiency)
    values = exact.values
    assert abs(values["host-noise"]) < min(10_000, values["host-weak"] / 10)
    assert abs(reference.values["host-noise"]) < min(10_000, reference.values["host-weak"] / 10)
    assert values["guest"] > values["host-weak"] > 20_000
    assert sum(values.values()) == pytest.approx(exact.table[7] - exact.table[0], abs=1e-6)
    assert exact.evaluations == 8 and reference.notes["models_trained"] == 1


def test_a_party_copying_another_s_columns_splits_that_value_instead_of_doubling_it() -> None:
    # Prepare: the same data with a third party holding a copy of host-weak's columns
    features, labels = synthetic_party_columns()
    copied = np.hstack([features[:, :4], features[:, 2:4]])
    honest = game(features, labels, {"guest": [0, 1], "host-weak": [2, 3]}).exact()

    # Execute
    with_copy = game(copied, labels, {"guest": [0, 1], "host-weak": [2, 3], "copier": [4, 5]}).exact()

    # Assert: the copier and the original are treated alike, each gets less than the original alone did, and
    # the pair far less than double (exactly: the original's share plus a sixth of (its value alone minus its
    # value added to the guest), see docs/contribution.md)
    pair = with_copy.values["host-weak"] + with_copy.values["copier"]
    assert with_copy.values["copier"] == pytest.approx(with_copy.values["host-weak"], abs=2_000)
    assert with_copy.values["host-weak"] < honest.values["host-weak"]
    assert pair < 1.5 * honest.values["host-weak"]
    table = honest.table
    excess = ((table[2] - table[0]) - (table[3] - table[1])) / 6
    assert pair - honest.values["host-weak"] == pytest.approx(excess, abs=3_000)


def test_truncated_monte_carlo_reports_standard_errors_and_lands_near_the_exact_values() -> None:
    # Prepare
    features, labels = synthetic_party_columns(seed=1)
    parties = split_columns(6, ["a", "b", "c"])
    measured = game(features, labels, parties, metric="ks")

    # Execute
    exact = measured.exact()
    sampled = measured.monte_carlo(permutations=24, seed=3)

    # Assert: each estimate within four standard errors (plus a rounding ppm) of the exact value
    for player in exact.players:
        error = abs(sampled.values[player] - exact.values[player])
        assert error <= 4 * sampled.std_errors[player] + 1, player
    assert sampled.method == "permutation" and len(sampled.table) == 24
    assert sampled.evaluations <= 8


def test_columns_claimed_by_two_parties_are_refused() -> None:
    # Prepare
    features, labels = synthetic_party_columns()

    # Execute / Assert
    with pytest.raises(ContributionError, match="each column belongs to one party"):
        game(features, labels, {"guest": [0, 1], "host": [1, 2]})
