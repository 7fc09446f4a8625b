from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pledgenet.errors import DataError
from pledgenet.fl import metrics
from pledgenet.fl.binning import chi_merge, label_counts, merge_spec, quantile_bins, woe_iv
from pledgenet.fl.data import validate_party_frame
from pledgenet.fl.scorecard.points import ScoreScale, build_scorecard


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"id": ["a", "b", "c", "d"], "y": [0, 1, 0, 1], "x0": [0.1, 0.2, 0.3, 0.4]})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["id"]), "ID column 'id' is missing"),
        (lambda f: f.assign(id=["a", "a", "c", "d"]), "appears more than once"),
        (lambda f: f.drop(columns=["y"]), "label column 'y' is missing"),
        (lambda f: f.assign(y=[0, 2, 0, 1]), "only 0 and 1"),
        (lambda f: f.assign(x0=["low", "high", "low", "mid"]), "not numeric"),
        (lambda f: f.assign(x0=[0.1, np.nan, 0.3, 0.4]), "missing or infinite"),
        (lambda f: f.iloc[0:0], "no rows"),
    ],
)
def test_bad_party_data_is_refused_with_a_clear_error(change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        validate_party_frame(change(_frame()), label_column="y", party="guest")


def test_metrics_of_a_known_ranking() -> None:
    labels = np.array([0, 0, 0, 1, 1])
    scores = np.array([0.1, 0.2, 0.6, 0.4, 0.9])
    assert metrics.auc(labels, scores) == pytest.approx(5 / 6)
    assert metrics.ks(labels, scores) == pytest.approx(2 / 3)
    assert metrics.lift(labels, scores, 0.2) == pytest.approx(1 / 0.4)
    table = metrics.confusion(labels, scores, 0.5)
    assert (table.true_positive, table.false_positive, table.false_negative) == (1, 1, 1)
    assert metrics.population_stability(scores, scores) == pytest.approx(0.0)
    assert metrics.population_stability(scores, scores + 1.0) > 1.0


def test_woe_iv_and_chimerge_separate_a_predictive_feature_from_noise() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 5000)
    predictive = labels + rng.normal(0, 1, 5000)
    noise = rng.normal(0, 1, 5000)
    ivs = []
    for values in (predictive, noise):
        spec = quantile_bins(values, 20)
        events, non_events = label_counts(spec.assign(values), labels, spec.bins)
        mapping = chi_merge(events, non_events, max_bins=5)
        coarse = merge_spec(spec, mapping)
        assert coarse.bins <= 5
        coarse_events, coarse_non = label_counts(coarse.assign(values), labels, coarse.bins)
        ivs.append(woe_iv(coarse_events, coarse_non)[1])
    assert ivs[0] > 0.5 > 0.05 > ivs[1]


def test_scorecard_points_double_the_odds_every_pdo() -> None:
    frame = pd.DataFrame({"x0": np.linspace(-2, 2, 200)})
    card = build_scorecard(frame, {"x0": 0.0}, intercept=np.log(1 / 50), scale=ScoreScale(600, 1 / 50, 20))
    assert card.base_points == pytest.approx(600.0)
    riskier = build_scorecard(frame, {"x0": 0.0}, intercept=np.log(2 / 50), scale=ScoreScale(600, 1 / 50, 20))
    assert riskier.base_points == pytest.approx(580.0)
    sloped = build_scorecard(frame, {"x0": 1.0}, intercept=0.0)
    points = sloped.table["points"].to_numpy()
    assert (np.diff(points) < 0).all()  # higher x0 = higher default odds = fewer points
