"""Contribution benchmark: exact Shapley against each approximation, in the same run, on default_credit.

Vertical: the 23 columns of ``default_credit_hetero_{guest,host}.csv`` dealt to 4 feature parties in
contiguous blocks (guest x0-x12 then host x0-x9), the guest's 70/30 split by id; AUC of a logistic regression
(the centralized equivalent of hetero LR) per coalition. Exact Shapley (16 models) against the no-retraining
reference-value method (1 model, 16 predictions) and truncated Monte Carlo Shapley.

Horizontal: the horizontal FL's own 10-lender non-IID split (``fl.horizontal.lenders.segment_lenders``:
credit-limit band x age band of the 16,000 pooled rows); validation ``default_credit_homo_test.csv``;
FedAvg of logistic regression with the horizontal FedAvg's local training (minibatch SGD, batch 64, one
epoch a round). Exact Shapley (1,024 federations) against GTG-Shapley (one federation, reconstructed
coalition models) and truncated Monte Carlo Shapley (a federation per evaluated coalition).

``max_abs_error`` is the largest absolute difference from the exact values over the players, in AUC (the
ppm figure beside it). ``speedup`` is exact_seconds / approx_seconds. ``--quick``: 6,000 vertical rows, a
quarter of each lender's rows, 4 rounds, a 2,000-row validation set, fewer permutations.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pledgenet.fl.contribution.horizontal import HorizontalGame
from pledgenet.fl.contribution.shapley import ContributionReport
from pledgenet.fl.contribution.vertical import VerticalGame, split_columns
from pledgenet.fl.data import split_ids
from pledgenet.fl.horizontal.lenders import pooled_frame, public_test, segment_lenders
from pledgenet.fl.horizontal.local import LocalParams

DATA = Path(__file__).resolve().parents[1] / "data"


def vertical_game(quick: bool) -> VerticalGame:
    guest = pd.read_csv(DATA / "default_credit_hetero_guest.csv")
    host = pd.read_csv(DATA / "default_credit_hetero_host.csv").set_index("id").loc[guest["id"]]
    features = np.hstack([guest.filter(like="x").to_numpy(), host.filter(like="x").to_numpy()])
    labels = guest["y"].to_numpy()
    if quick:
        keep = np.random.default_rng(0).choice(len(labels), 6000, replace=False)
        features, labels = features[keep], labels[keep]
    is_test = split_ids(np.arange(len(labels)), labels)
    parties = split_columns(features.shape[1], ["party-1", "party-2", "party-3", "party-4"])
    return VerticalGame(parties, features[~is_test], labels[~is_test], features[is_test], labels[is_test])


def horizontal_game(quick: bool) -> HorizontalGame:
    lenders = {}
    for name, frame in segment_lenders(pooled_frame(DATA)).items():
        rows = frame.sample(frac=0.25, random_state=0) if quick else frame
        lenders[name] = (rows.filter(like="x").to_numpy(), rows["y"].to_numpy().astype(np.float64))
    test = public_test(DATA)
    rows = slice(0, 2000) if quick else slice(None)
    validation = (test.features[rows], test.labels[rows])
    local = LocalParams(epochs=1, batch_size=64, learning_rate=0.1)
    return HorizontalGame(lenders, validation, rounds=4 if quick else 10, local=local)


def compare(exact: ContributionReport, approx: ContributionReport) -> dict[str, Any]:
    errors = [abs(approx.values[p] - exact.values[p]) for p in exact.players]
    return {
        "exact_seconds": round(exact.seconds, 3),
        "approx_seconds": round(approx.seconds, 3),
        "speedup": round(exact.seconds / approx.seconds, 2) if approx.seconds else None,
        "max_abs_error": round(max(errors) / 1e6, 6),
        "max_abs_error_ppm": round(max(errors)),
        "mean_std_error_ppm": round(float(np.mean(list(approx.std_errors.values())))),
        "exact_evaluations": exact.evaluations,
        "approx_evaluations": approx.evaluations,
    }


def show(title: str, reports: list[ContributionReport]) -> None:
    print(title)
    for report in reports:
        values = ", ".join(
            f"{p}={v / 1e6:+.4f}±{report.std_errors[p] / 1e6:.4f}" for p, v in report.values.items()
        )
        print(f"  {report.estimator:9s} {report.seconds:7.2f}s  {values}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer rounds (under a minute)")
    quick = parser.parse_args().quick

    vertical = vertical_game(quick)
    v_exact, v_reference = vertical.exact(), vertical.reference()
    v_tmc = vertical.monte_carlo(permutations=8 if quick else 16, truncation_ppm=1000, seed=0)
    show("vertical, 4 feature parties (AUC)", [v_exact, v_reference, v_tmc])

    horizontal = horizontal_game(quick)
    h_exact = horizontal.exact()
    h_gtg = horizontal.gtg(
        walks_per_round=10 if quick else 20, truncation_ppm=1000, round_truncation_ppm=100, seed=0
    )
    h_tmc = horizontal.monte_carlo(permutations=10 if quick else 30, truncation_ppm=1000, seed=0)
    show("horizontal, 10 lenders (AUC)", [h_exact, h_gtg, h_tmc])

    gap = max(abs(h_gtg.values[p] - h_tmc.values[p]) for p in h_exact.players)
    result = {
        "bench": "contribution",
        "quick": quick,
        "vertical_reference": compare(v_exact, v_reference),
        "vertical_tmc": compare(v_exact, v_tmc),
        "horizontal_gtg": compare(h_exact, h_gtg),
        "horizontal_tmc": compare(h_exact, h_tmc),
        "horizontal_gtg_vs_tmc_max_abs_difference": round(gap / 1e6, 6),
        "baseline": "exact Shapley (a model per coalition), same run",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
