"""Online scoring benchmark: federated scoring by applicant ID against local plaintext scoring.

Trains SecureBoost (3 trees, depth 3, 2048-bit keys; --quick: 2 trees) and hetero LR on the first
rows of default_credit (guest + one host, threads over an in-memory hub: the serving path's wire encoding
is included, TCP is not), then serves both models (``pledgenet.fl.serving``): the host answers per ID
with its split bits (SecureBoost) or its partial predictor (LR). Measured: latency of one applicant
(p50, p99 over ``--requests``), throughput of batches of 256 applicants. Baseline from the same run: the
same model scored locally in plaintext with every column in one place (``walk_trees`` on locally computed
split bits; one dot product for LR). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"


def _percentiles(seconds: list[float]) -> dict[str, float]:
    millis = np.array(seconds) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(millis, 50)), 3),
        "p99_ms": round(float(np.percentile(millis, 99)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 trees, 300 requests")
    parser.add_argument("--requests", type=int, default=None)
    options = parser.parse_args()
    from pledgenet.fl.data import load_party_csv
    from pledgenet.fl.estimators import _run_threads
    from pledgenet.fl.hetero_lr import LRParams, fit_lr_guest, fit_lr_host, serve_dealer
    from pledgenet.fl.net.channel import MemoryHub
    from pledgenet.fl.secureboost.predict import walk_trees
    from pledgenet.fl.secureboost.training import fit_guest, fit_host
    from pledgenet.fl.secureboost.tree import BoostParams
    from pledgenet.fl.serving import GuestScorer, serve_host

    trees, requests = (2, 300) if options.quick else (3, 2000)
    requests = options.requests or requests
    rows = 3000
    guest = load_party_csv(DATA / "default_credit_hetero_guest.csv", label_column="y", party="guest")
    host = load_party_csv(DATA / "default_credit_hetero_host.csv", party="host").align_to(guest.ids)
    guest, host = guest.take(np.arange(rows)), host.take(np.arange(rows))
    hub = MemoryHub(["guest", "host", "coordinator"])
    channels = {n: hub.channel(n) for n in hub.parties}
    boost = BoostParams(n_trees=trees, max_depth=3, max_bins=32, key_bits=2048, min_host_node_rows=50)
    models = _run_threads(
        {"guest": lambda: fit_guest(channels["guest"], guest, ["host"], boost),
         "host": lambda: fit_host(channels["host"], host, "guest", params=boost)}
    )  # fmt: skip
    lr = LRParams(epochs=3, batch_size=512)
    lr_models = _run_threads(
        {"guest": lambda: fit_lr_guest(channels["guest"], guest, ["host"], "coordinator", lr),
         "host": lambda: fit_lr_host(channels["host"], host, "guest", "coordinator"),
         "coordinator": lambda: serve_dealer(channels["coordinator"], "guest", ["host"])}
    )  # fmt: skip
    ids = [str(i) for i in guest.ids]
    rng = np.random.default_rng(0)
    figures: dict[str, Any] = {
        "mode": "quick" if options.quick else "full",
        "trees": trees,
        "requests": requests,
    }
    for name, guest_model, host_model in (
        ("sbt", models["guest"], models["host"]),
        ("lr", lr_models["guest"], lr_models["host"]),
    ):
        server = threading.Thread(
            target=serve_host, args=(channels["host"], "guest", host, host_model), daemon=True
        )
        server.start()
        names = guest.feature_names
        one, batch_seconds = [], []
        with GuestScorer(channels["guest"], ["host"], guest_model, feature_names=names) as scorer:
            for _ in range(requests):
                k = int(rng.integers(rows))
                start = time.perf_counter()
                scorer.score_one(ids[k], guest.features[k])
                one.append(time.perf_counter() - start)
            for start_row in range(0, rows - 255, 256):
                start = time.perf_counter()
                scorer.score(ids[start_row : start_row + 256], guest.features[start_row : start_row + 256])
                batch_seconds.append(time.perf_counter() - start)
        server.join(10)
        # baseline: the same model, plaintext, every column local
        local_one, local_batch = [], []
        for _ in range(requests):
            k = int(rng.integers(rows))
            start = time.perf_counter()
            _local_score(
                name, guest_model, host_model, guest.features[k : k + 1], host.features[k : k + 1], walk_trees
            )
            local_one.append(time.perf_counter() - start)
        for start_row in range(0, rows - 255, 256):
            start = time.perf_counter()
            part = slice(start_row, start_row + 256)
            _local_score(name, guest_model, host_model, guest.features[part], host.features[part], walk_trees)
            local_batch.append(time.perf_counter() - start)
        fed, local = _percentiles(one), _percentiles(local_one)
        figures[f"{name}_one_applicant"] = fed
        figures[f"{name}_batch_applicants_per_s"] = round(256 / float(np.median(batch_seconds)), 1)
        figures[f"{name}_baseline_one_applicant"] = local
        figures[f"{name}_baseline_batch_applicants_per_s"] = round(256 / float(np.median(local_batch)), 1)
        figures[f"{name}_p50_ratio"] = round(fed["p50_ms"] / max(local["p50_ms"], 1e-6), 1)
        figures[f"{name}_throughput_ratio"] = round(
            figures[f"{name}_batch_applicants_per_s"] / figures[f"{name}_baseline_batch_applicants_per_s"], 3
        )
    print(json.dumps(figures))


def _local_score(
    name: str, guest_model: Any, host_model: Any, guest_rows: np.ndarray, host_rows: np.ndarray, walk: Any
) -> np.ndarray:
    if name == "sbt":
        split_ids, left = host_model.goes_left(host_rows)
        host_left = {("host", int(s)): row for s, row in zip(split_ids, left, strict=True)}
        return np.asarray(walk(guest_model, guest_rows, host_left))
    weights_g = np.array(list(guest_model["weights"].values()))
    weights_h = np.array(list(host_model["weights"].values()))
    margin = guest_rows @ weights_g + host_rows @ weights_h + guest_model["intercept"]
    return np.asarray(1.0 / (1.0 + np.exp(-margin)))


if __name__ == "__main__":
    main()
