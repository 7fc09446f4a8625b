from __future__ import annotations

import numpy as np
import xgboost

from pledgenet.fl import metrics
from pledgenet.fl.binning import bin_matrix
from pledgenet.fl.channel import MemoryHub, Transcript
from pledgenet.fl.secureboost import fit_guest, fit_host, predict_guest, serve_host_prediction
from pledgenet.fl.tree import BoostParams, PlainHost, grow_tree
from pledgenet.fl.wire import IntVector

TEST_KEY_BITS = 1024  # tests only, to stay fast; the default and the benchmark use 2048

PARAMS = BoostParams(n_trees=3, max_depth=3, max_bins=32, key_bits=TEST_KEY_BITS)


def _train_federated(run, breast, transcript=None):  # type: ignore[no-untyped-def]
    hub = MemoryHub(["guest", "host"], transcript)

    def host():  # type: ignore[no-untyped-def]
        model = fit_host(hub.channel("host"), breast["host_train"], "guest")
        serve_host_prediction(hub.channel("host"), model, breast["host_test"], "guest")
        return model

    def guest():  # type: ignore[no-untyped-def]
        model = fit_guest(hub.channel("guest"), breast["guest_train"], ["host"], PARAMS, obfuscator_workers=1)
        return model, predict_guest(hub.channel("guest"), model, breast["guest_test"])

    out = run({"guest": guest, "host": host})
    return out["guest"][0], out["guest"][1], out["host"]


def test_federated_trees_are_the_centralized_trees_on_the_same_bins(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    guest, host = breast["guest_train"], breast["host_train"]
    guest_specs, guest_binned = bin_matrix(guest.features, PARAMS.max_bins)
    host_specs, host_binned = bin_matrix(host.features, PARAMS.max_bins)
    # Execute
    model, _, _ = _train_federated(run, breast)
    labels = guest.labels.astype(float)
    margin = np.full(guest.rows, model.base_margin)
    reference = []
    for _ in range(PARAMS.n_trees):
        p = 1 / (1 + np.exp(-margin))
        plain_host = PlainHost("host", host_binned, [s.bins for s in host_specs])
        tree, leaves = grow_tree(
            guest_binned, [s.edges for s in guest_specs], p - labels, p * (1 - p), [plain_host], PARAMS
        )
        weights = {n.id: n.weight for n in tree.nodes.values() if n.leaf}
        margin += np.array([weights[leaf] for leaf in leaves])
        reference.append(tree)
    # Assert: same shape, same owners, same leaf weights (host split ids are opaque but the tree is the same)
    for federated, plain in zip(model.trees, reference, strict=True):
        assert sorted(federated.nodes) == sorted(plain.nodes)
        for node_id, node in plain.nodes.items():
            other = federated.nodes[node_id]
            assert (other.leaf, other.owner) == (node.leaf, node.owner)
            assert abs(other.weight - node.weight) < 1e-9


def test_secureboost_matches_centralized_xgboost_on_the_same_bins_and_split(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare: xgboost sees the same bins (bin indices as features) and the same parameters
    guest, host = breast["guest_train"], breast["host_train"]
    specs = [*bin_matrix(guest.features, 32)[0], *bin_matrix(host.features, 32)[0]]
    train = np.hstack([guest.features, host.features])
    test = np.hstack([breast["guest_test"].features, breast["host_test"].features])

    def binned(x: np.ndarray) -> np.ndarray:
        return np.stack([spec.assign(x[:, j]) for j, spec in enumerate(specs)], axis=1)

    booster = xgboost.XGBClassifier(
        n_estimators=3, max_depth=3, learning_rate=0.3, reg_lambda=1.0, min_child_weight=1.0,
        tree_method="hist", max_bin=64, base_score=float(guest.labels.mean()), n_jobs=1,
    )  # fmt: skip
    booster.fit(binned(train), guest.labels)
    baseline = metrics.auc(breast["guest_test"].labels, booster.predict_proba(binned(test))[:, 1])
    # Execute
    _, scores, _ = _train_federated(run, breast)
    # Assert
    assert abs(metrics.auc(breast["guest_test"].labels, scores) - baseline) <= 0.005


def test_host_thresholds_values_and_labels_never_cross_the_channel(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    transcript = Transcript()
    # Execute
    _, _, host_model = _train_federated(run, breast, transcript)
    # Assert: everything the guest receives from the host is a ciphertext vector, a bin count, an opaque
    # split id or a left/right bit pattern; no host feature value or threshold appears anywhere
    host_values = set(np.round(breast["host_train"].features.ravel(), 6))
    thresholds = {round(t, 6) for _, t in host_model.splits.values()}
    seen_floats: list[float] = []

    def walk(value):  # type: ignore[no-untyped-def]
        if isinstance(value, float):
            seen_floats.append(value)
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
            seen_floats.extend(value.ravel().tolist())
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for message in transcript.messages:
        walk(message.payload)
    assert not {round(v, 6) for v in seen_floats} & (host_values | thresholds)
    for message in transcript.between("host", "guest"):
        if message.tag == "sbt.hist":
            assert all(isinstance(v, IntVector) for v in message.payload["hists"])
        else:
            assert message.tag in {"sbt.layout", "sbt.split", "sbt.predict.left"}
    # the labels never go to the host: only ciphertexts, node ids and split requests do
    for message in transcript.between("guest", "host"):
        kind = message.payload.get("kind")
        assert kind in {"setup", "tree", "level", "split", "end_tree", "done", "predict"}
        if kind == "tree":
            assert isinstance(message.payload["gh"], IntVector)
