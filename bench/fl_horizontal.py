"""Horizontal FL benchmark on the non-IID 10-lender split of default_credit (every party a thread here).

* Accuracy: secure FedAvg of logistic regression (30 rounds x 2 local epochs, lr 0.05, batch 64) against
  the same model and optimiser on the pooled rows for 60 epochs, both scored on the public test set
  (``data/default_credit_homo_test.csv``); and each lender's own test split: the global model vs its Ditto
  model (lambda 0.1) vs a one-epoch fine-tune.
* Cost: one round of FedAvg for an MLP of 97,801 parameters (23-300-300-1), 10 lenders, 20 local steps
  of 64 rows (a bounded local budget, so the round is dominated neither by training nor by aggregation):
  with secure aggregation (complete graph, threshold 7), with plain aggregation (the baseline: updates in
  the clear), and with secure aggregation when 3 of the 10 leave before sending their masked input (the
  aggregator rebuilds their mask keys and removes their pairwise masks; the leavers skip their local
  training, so that round trains 7 models, not 10). Mean over the timed rounds.
* Boosting: 10 trees (--quick; 30 full) of depth 3 on 32 bins from securely aggregated histograms vs
  the same algorithm on the pooled rows (``gbdt_auc`` vs ``gbdt_central_auc``).
* Many lenders: one secure-aggregation round (10,000 ring elements, no dropout) for 40 lenders (--quick;
  100 full) on the complete graph vs SecAgg+ with degree ``suggested_degree`` (about 2 log2 n).
* DP: client-level distributed-Skellam DP-FedAvg (3 rounds x 5 local epochs, clip 0.5) at epsilon 1, 3, 8
  (delta 1e-5), the noise set by the dp-accounting RDP accountant; the mean AUC over 3 runs (5 in full
  mode: the noise is fresh each run) and the epsilon spent.

Last line: one JSON object. ``--quick`` times 2 rounds per setting instead of 5 (after one warm-up round).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

# every lender is a thread here: one BLAS thread each, or they fight over the cores
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402


def _one_secure_round(clients: int, degree: int | None, length: int) -> float:
    """Seconds for one secure-aggregation round of ``clients`` (all four stages, every party's work)."""
    from pledgenet.crypto.secagg import SecAggClient, SecAggParams, SecAggServer

    names = tuple(f"lender-{i:03d}" for i in range(clients))
    group = clients if degree is None else degree + 1
    params = SecAggParams(names, threshold=group // 2 + 1, length=length, context=b"bench", degree=degree)
    inputs = np.zeros(length, dtype=np.uint64)
    start = time.perf_counter()
    parties = {n: SecAggClient(params, n) for n in names}
    server = SecAggServer(params)
    keys = server.collect_keys({n: c.advertise() for n, c in parties.items()})
    relayed = server.collect_shares({n: c.share_keys(keys) for n, c in parties.items()})
    masked = {n: c.masked_input(relayed[n], sorted(relayed), inputs) for n, c in parties.items()}
    survivors = server.collect_masked(masked)
    server.finish({n: c.unmask(survivors) for n, c in parties.items()})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 timed rounds per setting instead of 5")
    options = parser.parse_args()

    from pledgenet.crypto.secagg.graph import suggested_degree
    from pledgenet.fl import metrics
    from pledgenet.fl.horizontal.fedavg import FedParams
    from pledgenet.fl.horizontal.lenders import public_test, ten_lenders
    from pledgenet.fl.horizontal.local import LocalParams
    from pledgenet.fl.horizontal.models import make_model
    from pledgenet.fl.horizontal.simulate import simulate_fedavg, train_central

    started = time.perf_counter()
    lenders = ten_lenders()
    test = public_test()
    assert test.labels is not None
    figures: dict[str, Any] = {"lenders": len(lenders), "rows": [lender.train.rows for lender in lenders]}

    # accuracy: secure FedAvg vs centralized, and personalisation
    lr_model = make_model("lr", 23)
    local = LocalParams(epochs=2, batch_size=64, learning_rate=0.05)
    fed = FedParams(rounds=30, local=local, ditto_lambda=0.1, finetune_epochs=1)
    outcome = simulate_fedavg(lenders, lr_model, fed, evaluation=test)
    central = train_central(lenders, lr_model, local, epochs=60)
    figures["fedavg_auc"] = round(outcome["curve"][-1]["auc"], 4)
    figures["central_auc"] = round(metrics.auc(test.labels, lr_model.predict(central, test.features)), 4)
    figures["auc_gap"] = round(figures["central_auc"] - figures["fedavg_auc"], 4)
    reports = outcome["lenders"].values()
    figures["ditto_mean_client_auc"] = round(float(np.mean([r["ditto_auc"] for r in reports])), 4)
    figures["finetune_mean_client_auc"] = round(float(np.mean([r["finetune_auc"] for r in reports])), 4)
    figures["global_mean_client_auc"] = round(float(np.mean([r["global_auc"] for r in reports])), 4)
    figures["ditto_minus_global"] = round(
        figures["ditto_mean_client_auc"] - figures["global_mean_client_auc"], 4
    )

    # boosting from securely aggregated histograms vs the same algorithm on pooled rows
    from pledgenet.fl.horizontal.gbdt import GbdtParams, fit_central, predict_raw
    from pledgenet.fl.horizontal.simulate import simulate_gbdt

    boost = GbdtParams(n_trees=10 if options.quick else 30, max_depth=3, max_bins=32, learning_rate=0.3)
    tick = time.perf_counter()
    boosted = simulate_gbdt(lenders, boost, evaluation=test)
    figures["gbdt_seconds"] = round(time.perf_counter() - tick, 2)
    pooled_x = np.vstack([lender.train.features for lender in lenders])
    pooled_y = np.concatenate([lender.train.labels for lender in lenders if lender.train.labels is not None])
    base, trees = fit_central(pooled_x, pooled_y.astype(np.float64), boost)
    figures["gbdt_trees"] = boost.n_trees
    figures["gbdt_auc"] = round(boosted["curve"][-1]["auc"], 4)
    figures["gbdt_central_auc"] = round(metrics.auc(test.labels, predict_raw(trees, base, test.features)), 4)

    # cost of one round, ~100k parameters
    mlp = make_model("mlp", 23, (300, 300))
    figures["mlp_parameters"] = mlp.size
    timed = 2 if options.quick else 5
    one_epoch = LocalParams(epochs=1, batch_size=64, learning_rate=0.01, max_steps=20)

    def round_seconds(secure: bool, dropouts: dict[int, dict[str, int]] | None = None) -> float:
        fed = FedParams(rounds=timed + 1, local=one_epoch, secure=secure)
        run = simulate_fedavg(lenders, mlp, fed, dropouts=dropouts)
        return float(np.mean(run["round_seconds"][1:]))  # the first round warms up and is not counted

    figures["round_seconds_plain"] = round(round_seconds(False), 3)
    figures["round_seconds_secagg"] = round(round_seconds(True), 3)
    leave = {r: {"lender-02": 2, "lender-05": 2, "lender-09": 2} for r in range(timed + 1)}
    figures["round_seconds_secagg_3_dropped"] = round(round_seconds(True, leave), 3)
    figures["secagg_over_plain"] = round(figures["round_seconds_secagg"] / figures["round_seconds_plain"], 3)
    figures["secagg_3_dropped_over_plain"] = round(
        figures["round_seconds_secagg_3_dropped"] / figures["round_seconds_plain"], 3
    )

    # many lenders: SecAgg+ (sparse graph) against the complete graph, state machines in one thread
    many = 40 if options.quick else 100
    figures["many_lenders"] = many
    figures["secagg_plus_degree"] = suggested_degree(many)
    figures["round_seconds_complete_graph_many"] = round(_one_secure_round(many, None, 10_000), 3)
    figures["round_seconds_secagg_plus_many"] = round(
        _one_secure_round(many, suggested_degree(many), 10_000), 3
    )
    figures["secagg_plus_over_complete"] = round(
        figures["round_seconds_secagg_plus_many"] / figures["round_seconds_complete_graph_many"], 3
    )

    # differential privacy
    auc_at_eps: dict[str, float] = {}
    spent: dict[str, float] = {}
    repeats = 3 if options.quick else 5
    for epsilon in (1.0, 3.0, 8.0):
        dp_fed = FedParams(
            rounds=3, local=LocalParams(epochs=5, learning_rate=0.05), dp_epsilon=epsilon, dp_clip=0.5
        )
        runs = [simulate_fedavg(lenders, lr_model, dp_fed, evaluation=test) for _ in range(repeats)]
        auc_at_eps[f"{epsilon:g}"] = round(float(np.mean([r["curve"][-1]["auc"] for r in runs])), 4)
        spent[f"{epsilon:g}"] = runs[0]["privacy"]["epsilon_spent"]
    figures["auc_at_eps"] = auc_at_eps
    figures["eps_spent"] = spent
    figures["dp_delta"] = 1e-5
    figures["mode"] = "quick" if options.quick else "full"
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
