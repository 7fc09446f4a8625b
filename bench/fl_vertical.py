"""Vertical FL benchmark: PSI + SecureBoost + hetero LR on default_credit, parties in separate processes.

Guest, host (and the LR coordinator) are separate processes joined by the authenticated network transport.
PSI over all 30,000 IDs; SecureBoost: depth 3, 32 bins, 2048-bit Paillier (1024-bit DJN exponents), 5 trees
(--quick: 3); hetero LR: batch 1024, 10 epochs (also with --quick: they cost about 2 s), each host's gradient
opened with the guest's label-DP noise (the budget spent is reported: ``lr_label_dp_epsilon_per_host``).
``sbt_seconds_per_tree`` is the whole ``fit_guest`` time (key generation, obfuscator tables and worker
start-up included) over the tree count; ``sbt_tree_seconds`` lists each tree's time (the first carries the
start-up). Baselines measured in the same run on the same 70/30 split: xgboost (hist) on the same bins and
parameters, scikit-learn LogisticRegression. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _party(
    name: str, key_bytes: bytes, directory_raw: dict[str, Any], args: dict[str, Any], out: Any
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from pledgenet.fl.net.tcp import NetworkChannel, PartyAddress

    directory = {
        p: PartyAddress("127.0.0.1", port, Ed25519PublicKey.from_public_bytes(raw))
        for p, (port, raw) in directory_raw.items()
    }
    channel = NetworkChannel(name, Ed25519PrivateKey.from_private_bytes(key_bytes), directory, job="bench")
    with channel.aborting_on_failure():  # a failing party stops the others at once
        _run(name, channel, args, out)
    channel.close()


def _run(name: str, channel: Any, args: dict[str, Any], out: Any) -> None:
    from pledgenet.fl.alignment import align_guest, align_host
    from pledgenet.fl.data import load_party_csv, split_ids
    from pledgenet.fl.hetero_lr import (
        LRParams,
        fit_lr_guest,
        fit_lr_host,
        predict_lr_guest,
        serve_dealer,
        serve_lr_host_prediction,
    )  # fmt: skip
    from pledgenet.fl.secureboost.predict import predict_guest, serve_host_prediction
    from pledgenet.fl.secureboost.training import fit_guest, fit_host
    from pledgenet.fl.secureboost.tree import BoostParams

    result: dict[str, Any] = {}
    if name == "coordinator":
        serve_dealer(channel, "guest", "host")
        return
    if name == "guest":
        data = load_party_csv(DATA / "default_credit_hetero_guest.csv", label_column="y", party="guest")
        start = time.perf_counter()
        aligned = align_guest(channel, data, ["host"])
        result["psi_seconds"] = time.perf_counter() - start
        is_test = split_ids(aligned.ids, aligned.labels, 0.3)  # type: ignore[arg-type]
        channel.send("host", "split", {"is_test": is_test})
    else:
        data = load_party_csv(DATA / "default_credit_hetero_host.csv", party="host")
        aligned = align_host(channel, data, "guest")
        is_test = np.asarray(channel.recv("guest", "split")["is_test"], dtype=bool)
    train, test = aligned.take(np.flatnonzero(~is_test)), aligned.take(np.flatnonzero(is_test))
    params = BoostParams(n_trees=args["trees"], max_depth=3, max_bins=32, key_bits=args["key_bits"])
    if name == "guest":
        ticks: list[float] = []
        start = time.perf_counter()
        model = fit_guest(
            channel, train, ["host"], params, progress=lambda: ticks.append(time.perf_counter())
        )
        result["sbt_seconds"] = time.perf_counter() - start
        result["sbt_tree_seconds"] = [round(b - a, 3) for a, b in zip([start, *ticks], ticks, strict=False)]
        result["sbt_scores"] = predict_guest(channel, model, test).tolist()
        # scikit-learn's default C = 1 is the L2 penalty ||w||²/2 on the summed loss: l2 = 1 / rows here
        lr_params = LRParams(epochs=args["epochs"], batch_size=1024, learning_rate=0.01, l2=1.0 / train.rows)
        start = time.perf_counter()
        lr_model = fit_lr_guest(channel, train, "host", "coordinator", lr_params)
        result["lr_seconds"] = time.perf_counter() - start
        result["lr_epochs"] = lr_model["epochs_run"]
        result["lr_privacy"] = lr_model["privacy"]
        result["lr_scores"] = predict_lr_guest(channel, lr_model, test, "host").tolist()
        result["test_labels"] = test.labels.tolist()  # type: ignore[union-attr]
        result["test_ids"] = test.ids.tolist()
        result["train_ids"] = train.ids.tolist()
        result["bytes_sent"] = channel.bytes_sent
        out.put(result)
    else:
        host_model = fit_host(channel, train, "guest")
        serve_host_prediction(channel, host_model, test, "guest")
        lr_host = fit_lr_host(channel, train, "guest", "coordinator")
        serve_lr_host_prediction(channel, lr_host, test, "guest")


def _baselines(result: dict[str, Any], trees: int) -> dict[str, Any]:
    import pandas as pd
    import xgboost
    from sklearn.linear_model import LogisticRegression

    from pledgenet.fl import metrics
    from pledgenet.fl.binning import bin_matrix

    guest = pd.read_csv(DATA / "default_credit_hetero_guest.csv").set_index("id")
    host = pd.read_csv(DATA / "default_credit_hetero_host.csv").set_index("id")
    joined = guest.join(host.add_suffix("_h"), how="inner")
    train = joined.loc[[int(i) for i in result["train_ids"]]]
    test = joined.loc[[int(i) for i in result["test_ids"]]]
    features = [c for c in joined.columns if c != "y"]
    specs, binned_train = bin_matrix(train[features].to_numpy(np.float64), 32)
    pairs = zip(specs, features, strict=True)
    binned_test = np.stack([s.assign(test[f].to_numpy(np.float64)) for s, f in pairs], axis=1)
    start = time.perf_counter()
    booster = xgboost.XGBClassifier(
        n_estimators=trees, max_depth=3, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
        tree_method="hist", max_bin=64, base_score=float(train["y"].mean()), n_jobs=2,
    )  # fmt: skip
    booster.fit(binned_train, train["y"].to_numpy())
    xgb_seconds = time.perf_counter() - start
    start = time.perf_counter()
    logistic = LogisticRegression(max_iter=1000).fit(train[features], train["y"])
    lr_seconds = time.perf_counter() - start
    return {
        "sbt_baseline_auc": metrics.auc(test["y"], booster.predict_proba(binned_test)[:, 1]),
        "sbt_baseline_seconds_per_tree": xgb_seconds / trees,
        "lr_baseline_auc": metrics.auc(test["y"], logistic.predict_proba(test[features])[:, 1]),
        "lr_baseline_seconds": lr_seconds,
    }


def _await_guest(out: Any, processes: list[Any]) -> dict[str, Any]:
    """The guest's result; a party that exits with an error stops the benchmark (its peers abort too)."""
    import queue

    while True:
        try:
            result: dict[str, Any] = out.get(timeout=1)
            break
        except queue.Empty:
            failed = [p.name for p in processes if p.exitcode not in (None, 0)]
            if failed:
                raise SystemExit(f"benchmark party process failed: {failed}") from None
    for process in processes:
        process.join(timeout=60)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 trees instead of 5")
    parser.add_argument("--key-bits", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=None, help="LR epochs (default 10)")
    options = parser.parse_args()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pledgenet.fl import metrics

    trees = 3 if options.quick else 5
    epochs = options.epochs or 10
    names = ["guest", "host", "coordinator"]
    keys = {n: Ed25519PrivateKey.generate() for n in names}
    raw = serialization.Encoding.Raw
    directory = {
        n: (_port(), k.public_key().public_bytes(raw, serialization.PublicFormat.Raw))
        for n, k in keys.items()
    }
    private = {
        n: k.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        for n, k in keys.items()
    }
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    args = {"trees": trees, "key_bits": options.key_bits, "epochs": epochs}
    started = time.perf_counter()
    processes = [
        context.Process(target=_party, args=(n, private[n], directory, args, out), name=n) for n in names
    ]
    for process in processes:
        process.start()
    result = _await_guest(out, processes)
    figures: dict[str, Any] = {
        "mode": f"{'quick' if options.quick else 'full'}: {trees} trees, {epochs} LR epochs",
        "key_bits": options.key_bits,
        "trees": trees,
        "rows_train": len(result["train_ids"]),
        "psi_seconds": round(result["psi_seconds"], 3),
        "sbt_seconds_per_tree": round(result["sbt_seconds"] / trees, 3),
        "sbt_tree_seconds": result["sbt_tree_seconds"],
        "sbt_test_auc": metrics.auc(np.array(result["test_labels"]), np.array(result["sbt_scores"])),
        "lr_epochs": result["lr_epochs"],
        "lr_label_dp_noise_multiplier": result["lr_privacy"]["noise_multiplier"],
        "lr_label_dp_epsilon_per_host": round(result["lr_privacy"]["epsilon_per_host"], 2),
        "lr_label_dp_delta": result["lr_privacy"]["delta"],
        "lr_seconds_per_epoch": round(result["lr_seconds"] / result["lr_epochs"], 4),
        "lr_test_auc": metrics.auc(np.array(result["test_labels"]), np.array(result["lr_scores"])),
        "guest_bytes_sent": result["bytes_sent"],
    }
    figures.update(_baselines(result, trees))
    figures["sbt_auc_gap"] = round(figures["sbt_test_auc"] - figures["sbt_baseline_auc"], 4)
    figures["lr_auc_gap"] = round(figures["lr_test_auc"] - figures["lr_baseline_auc"], 4)
    figures["secretflow_sbt_seconds_per_tree_2048"] = 16.6
    figures["sbt_speedup_vs_secretflow"] = round(16.6 / figures["sbt_seconds_per_tree"], 2)
    figures["secretflow_sslr_seconds_per_epoch"] = 0.61
    figures["lr_speedup_vs_secretflow"] = round(0.61 / figures["lr_seconds_per_epoch"], 2)
    figures["bench_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
