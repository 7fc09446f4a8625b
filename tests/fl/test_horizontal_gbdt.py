"""Horizontal boosting from securely aggregated histograms: the same trees as on pooled data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pledgenet.fl import metrics
from pledgenet.fl.horizontal.gbdt import GbdtParams, fit_central, predict_raw
from pledgenet.fl.horizontal.lenders import DATA_DIR, HOMO_PARTS, lender_data, public_test
from pledgenet.fl.horizontal.simulate import simulate_gbdt


def test_federated_boosting_matches_boosting_on_the_pooled_rows() -> None:
    # Prepare: three lenders (the two public parts, the second cut in two), the public test set
    frames = [pd.read_csv(DATA_DIR / name) for name in HOMO_PARTS]
    parts = [frames[0], frames[1].iloc[:3000], frames[1].iloc[3000:]]
    lenders = [lender_data(f"lender-{i}", part) for i, part in enumerate(parts, 1)]
    test = public_test()
    params = GbdtParams(n_trees=3, max_depth=3, max_bins=16)
    # Execute
    federated = simulate_gbdt(lenders, params, evaluation=test)
    pooled_x = np.vstack([lender.train.features for lender in lenders])
    pooled_y = np.concatenate([lender.train.labels for lender in lenders if lender.train.labels is not None])
    base, trees = fit_central(pooled_x, pooled_y.astype(np.float64), params)
    # Assert: same base score, same splits, same scores (bins agreed from the pooled grid histogram)
    assert test.labels is not None
    assert abs(federated["base"] - base) < 1e-9
    assert [t.splits for t in federated["trees"]] == [t.splits for t in trees]
    central_scores = predict_raw(trees, base, test.features)
    federated_scores = predict_raw(federated["trees"], federated["base"], test.features)
    assert np.allclose(central_scores, federated_scores, atol=1e-5)
    assert federated["curve"][-1]["auc"] > 0.72
    assert abs(federated["curve"][-1]["auc"] - metrics.auc(test.labels, central_scores)) < 1e-4
    assert set(federated["lenders"]) == {"lender-1", "lender-2", "lender-3"}
