from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from pledgenet.fl import metrics
from pledgenet.fl.channel import MemoryHub, Transcript
from pledgenet.fl.hetero_lr import (
    LRParams,
    fit_lr_guest,
    fit_lr_host,
    predict_lr_guest,
    serve_dealer,
    serve_lr_host_prediction,
)


def _train(run, breast, transcript=None):  # type: ignore[no-untyped-def]
    hub = MemoryHub(["guest", "host", "coordinator"], transcript)
    params = LRParams(epochs=10, batch_size=64, learning_rate=0.01)

    def host():  # type: ignore[no-untyped-def]
        model = fit_lr_host(hub.channel("host"), breast["host_train"], "guest", "coordinator")
        serve_lr_host_prediction(hub.channel("host"), model, breast["host_test"], "guest")
        return model

    def guest():  # type: ignore[no-untyped-def]
        model = fit_lr_guest(hub.channel("guest"), breast["guest_train"], "host", "coordinator", params)
        return model, predict_lr_guest(hub.channel("guest"), model, breast["guest_test"], "host")

    out = run(
        {
            "guest": guest,
            "host": host,
            "dealer": lambda: serve_dealer(hub.channel("coordinator"), "guest", "host"),
        }
    )
    return out["guest"][0], out["guest"][1], out["host"]


def test_hetero_lr_matches_scikit_learn(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    train = np.hstack([breast["guest_train"].features, breast["host_train"].features])
    test = np.hstack([breast["guest_test"].features, breast["host_test"].features])
    baseline = LogisticRegression(max_iter=1000).fit(train, breast["guest_train"].labels)
    baseline_auc = metrics.auc(breast["guest_test"].labels, baseline.predict_proba(test)[:, 1])
    # Execute
    guest_model, scores, host_model = _train(run, breast)
    # Assert
    assert abs(metrics.auc(breast["guest_test"].labels, scores) - baseline_auc) <= 0.005
    assert set(guest_model["weights"]) == set(breast["guest_train"].feature_names)
    assert set(host_model["weights"]) == set(breast["host_train"].feature_names)


def test_no_label_feature_or_weight_crosses_in_clear(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    transcript = Transcript()
    # Execute
    guest_model, _, host_model = _train(run, breast, transcript)
    # Assert: during training, every array between guest and host is a uint64 ring element (a share or a
    # masked value); the dealer only ever sends uint64 randomness and seeds
    for message in transcript.messages:
        if message.tag.startswith("sslr.") and message.tag not in {"sslr.partial", "sslr.predict"}:
            for value in message.payload.values() if isinstance(message.payload, dict) else []:
                if isinstance(value, np.ndarray) and message.tag != "sslr.epoch":
                    assert value.dtype == np.uint64, message.tag
    host_weights = np.array(list(host_model["weights"].values()))
    guest_weights = np.array(list(guest_model["weights"].values()))
    floats = [
        m.payload["change"] for m in transcript.messages if m.tag == "sslr.change"
    ]  # the only float a data party sends during training: its squared weight change
    assert all(f not in set(host_weights) | set(guest_weights) for f in floats)
    labels_bytes = breast["guest_train"].labels.astype(np.uint64).tobytes()
    for message in transcript.between("guest", "host"):
        for value in message.payload.values() if isinstance(message.payload, dict) else []:
            if isinstance(value, np.ndarray):
                assert value.tobytes() != labels_bytes
