"""Hetero LR's default (secret-shared) mode on default_credit: 21k training rows, one host, scikit-learn's
regularisation. It lands within 0.005 AUC of scikit-learn on the same columns (issue 18's bar)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from pledgenet.fl import metrics
from pledgenet.fl.data import load_party_csv, split_ids
from pledgenet.fl.hetero_lr import LRParams, fit_lr_guest, fit_lr_host, predict_lr_guest, serve_dealer
from pledgenet.fl.hetero_lr import serve_lr_host_prediction as serve_host
from pledgenet.fl.net.channel import MemoryHub

DATA = Path(__file__).resolve().parents[2] / "data"


def test_shared_hetero_lr_matches_scikit_learn_on_default_credit(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the benchmark's data and split; sklearn's C = 1 is l2 = 1 / rows on the mean loss
    guest = load_party_csv(DATA / "default_credit_hetero_guest.csv", label_column="y", party="guest")
    host = load_party_csv(DATA / "default_credit_hetero_host.csv", party="host").align_to(guest.ids)
    assert guest.labels is not None
    is_test = split_ids(guest.ids, guest.labels, 0.3)
    train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    params = LRParams(epochs=10, batch_size=1024, l2=1.0 / len(train))
    joined = np.hstack([guest.features, host.features])
    baseline = LogisticRegression(max_iter=1000).fit(joined[train], guest.labels[train])
    baseline_auc = metrics.auc(guest.labels[test], baseline.predict_proba(joined[test])[:, 1])
    hub = MemoryHub(["guest", "host", "coordinator"])

    def guest_work():  # type: ignore[no-untyped-def]
        model = fit_lr_guest(hub.channel("guest"), guest.take(train), ["host"], "coordinator", params)
        return model, predict_lr_guest(hub.channel("guest"), model, guest.take(test), ["host"])

    def host_work() -> None:
        model = fit_lr_host(hub.channel("host"), host.take(train), "guest", "coordinator")
        serve_host(hub.channel("host"), model, host.take(test), "guest")

    # Execute
    out = run(
        {
            "guest": guest_work,
            "host": host_work,
            "dealer": lambda: serve_dealer(hub.channel("coordinator"), "guest", ["host"]),
        }
    )
    # Assert
    model, scores = out["guest"]
    assert model["privacy"]["mechanism"].startswith("secret-shared")
    assert abs(metrics.auc(guest.labels[test], scores) - baseline_auc) <= 0.005
