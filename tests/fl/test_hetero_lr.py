from __future__ import annotations

import secrets

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from pledgenet.errors import DataError
from pledgenet.fl import label_dp, metrics
from pledgenet.fl.data import PartyData
from pledgenet.fl.hetero_lr import (
    LRParams,
    approx_sigmoid,
    encode,
    fit_lr_guest,
    fit_lr_host,
    predict_lr_guest,
    serve_dealer,
    serve_lr_host_prediction,
)
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.sharing.ring import Ring, Stream, Tape

PARAMS = LRParams(epochs=10, batch_size=64, learning_rate=0.01)
NOISE_SEED = 7  # the guest's label-DP noise, fixed so the plaintext rule can replay it


def _split_host(host: PartyData, columns: list[int]) -> PartyData:
    return PartyData(host.ids, host.features[:, columns], tuple(host.feature_names[c] for c in columns))


def _hosts(breast, count):  # type: ignore[no-untyped-def]
    """The breast host's 20 features as one host, or split between two hosts (10 each)."""
    if count == 1:
        return {"host": (breast["host_train"], breast["host_test"])}
    halves = [list(range(0, 10)), list(range(10, 20))]
    return {
        f"host{i}": (_split_host(breast["host_train"], cols), _split_host(breast["host_test"], cols))
        for i, cols in enumerate(halves)
    }


def _train(run, breast, hosts, transcript=None):  # type: ignore[no-untyped-def]
    names = list(hosts)
    hub = MemoryHub(["guest", *names, "coordinator"], transcript)

    def host(name):  # type: ignore[no-untyped-def]
        def work():  # type: ignore[no-untyped-def]
            model = fit_lr_host(hub.channel(name), hosts[name][0], "guest", "coordinator")
            serve_lr_host_prediction(hub.channel(name), model, hosts[name][1], "guest")
            return model

        return work

    def guest():  # type: ignore[no-untyped-def]
        model = fit_lr_guest(
            hub.channel("guest"), breast["guest_train"], names, "coordinator", PARAMS, noise_seed=NOISE_SEED
        )
        return model, predict_lr_guest(hub.channel("guest"), model, breast["guest_test"], names)

    work = {"guest": guest, "dealer": lambda: serve_dealer(hub.channel("coordinator"), "guest", names)}
    work.update({name: host(name) for name in names})
    out = run(work)
    return out["guest"][0], out["guest"][1], {name: out[name] for name in names}


def _plaintext_reference(breast, hosts) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The same update rule (σ̂, Adam, batch order, full batches only, the guest's label-DP noise on each
    host's gradient) on the joined plaintext data: guest, intercept, then each host's features."""
    host_features = [train.features for train, _test in hosts.values()]
    x = np.hstack([breast["guest_train"].features, np.ones((breast["guest_train"].rows, 1)), *host_features])
    y = breast["guest_train"].labels.astype(np.float64)
    w, m, v = np.zeros(x.shape[1]), np.zeros(x.shape[1]), np.zeros(x.shape[1])
    order, noise, step = np.random.default_rng(PARAMS.seed), np.random.default_rng(NOISE_SEED), 0
    scales = [PARAMS.noise_multiplier * label_dp.row_norm_bound(f) for f in host_features]
    for _ in range(PARAMS.epochs):
        permutation = order.permutation(len(y))
        for start in range(0, len(y) - PARAMS.batch_size + 1, PARAMS.batch_size):
            batch = permutation[start : start + PARAMS.batch_size]
            total = x[batch].T @ (approx_sigmoid(x[batch] @ w) - y[batch])
            draws = [
                label_dp.gaussian_noise(noise, scale, f.shape[1])
                for scale, f in zip(scales, host_features, strict=True)
            ]
            total[x.shape[1] - sum(f.shape[1] for f in host_features) :] += np.concatenate(draws)
            gradient = total / len(batch)
            step += 1
            m, v = 0.9 * m + 0.1 * gradient, 0.999 * v + 0.001 * gradient**2
            w = w - PARAMS.learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


@pytest.mark.parametrize("host_count", [1, 2])
def test_hetero_lr_matches_scikit_learn_and_the_plaintext_rule(run, breast, host_count) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    train = np.hstack([breast["guest_train"].features, breast["host_train"].features])
    test = np.hstack([breast["guest_test"].features, breast["host_test"].features])
    baseline = LogisticRegression(max_iter=1000).fit(train, breast["guest_train"].labels)
    baseline_auc = metrics.auc(breast["guest_test"].labels, baseline.predict_proba(test)[:, 1])
    hosts = _hosts(breast, host_count)
    # Execute
    guest_model, scores, host_models = _train(run, breast, hosts)
    # Assert: AUC within 0.005 of scikit-learn, and the weights are those of the plaintext update rule
    assert abs(metrics.auc(breast["guest_test"].labels, scores) - baseline_auc) <= 0.005
    host_weights = {name: w for model in host_models.values() for name, w in model["weights"].items()}
    federated = np.concatenate(
        [
            [guest_model["weights"][n] for n in breast["guest_train"].feature_names],
            [guest_model["intercept"]],
            [host_weights[n] for n in breast["host_train"].feature_names],
        ]
    )
    assert np.abs(federated - _plaintext_reference(breast, hosts)).max() < 1e-3


def test_secure_hinge_terms_equal_plaintext_for_three_parties(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: z split into three additive shares, values on, near and far from the knots
    rng = np.random.default_rng(1)
    z_real = np.concatenate([[-5.0, -1.0, 0.0, 1.0, 2.5, 2.5 + 2**-16, -2.5 - 2**-16], rng.normal(0, 4, 93)])
    z = encode(z_real, 16)
    shares = [np.frombuffer(rng.bytes(8 * len(z)), dtype=np.uint64) for _ in range(2)]
    shares.append(z - shares[0] - shares[1])
    knots = encode(np.array([-5.0, -2.5, -1.0, 1.0, 2.5, 5.0]), 16)
    seeds = [secrets.token_bytes(32) for _ in range(3)]
    dealer = Tape({i: Stream(s, b"test") for i, s in enumerate(seeds)}, dealer=True)
    dealer.mask(len(z))
    dealer.dabit_products((len(knots), len(z)))
    for planes in (4, 2, 1):
        dealer.and_triple((planes, len(knots), -(-len(z) // 8)), 2 if planes > 1 else 1)
    hub = MemoryHub(["p0", "p1", "p2"])

    def party(i):  # type: ignore[no-untyped-def]
        tape = Tape({i: Stream(seeds[i], b"test")})
        tape.corrections = list(dealer.produced[i])
        return lambda: Ring(hub.channel(f"p{i}"), ["p0", "p1", "p2"], i, tape, [1, 1, 1]).hinge_terms(
            shares[i], knots
        )

    # Execute
    out = run({f"p{i}": party(i) for i in range(3)})
    # Assert
    above = sum(out[f"p{i}"][0] for i in range(3))
    above_times_z = sum(out[f"p{i}"][1] for i in range(3))
    expected = (z.view(np.int64)[None, :] >= knots.view(np.int64)[:, None]).astype(np.uint64)
    np.testing.assert_array_equal(above, expected)
    np.testing.assert_array_equal(above_times_z, expected * z[None, :])


def test_no_label_feature_or_weight_crosses_in_clear(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    transcript = Transcript()
    hosts = _hosts(breast, 2)
    # Execute
    guest_model, _, host_models = _train(run, breast, hosts, transcript)
    # Assert: during training every array between data parties is a ring element (a share or a uniformly
    # masked value), except the guest's batch order; the dealer only sends seeds and ring randomness and
    # receives shapes and batch orders
    secret_floats = {*guest_model["weights"].values(), guest_model["intercept"]}
    secret_floats |= {w for model in host_models.values() for w in model["weights"].values()}
    training = [m for m in transcript.messages if m.tag not in {"sslr.predict", "sslr.partial"}]
    for message in training:
        arrays = _arrays(message.payload)
        if message.tag == "sslr.epoch":
            assert all(a.dtype == np.int64 for a in arrays)  # the permutation
            continue
        assert all(a.dtype in (np.uint64, np.uint32, np.uint8) for a in arrays), message.tag
        if message.tag == "sslr.change":
            assert message.payload["change"] not in secret_floats
    to_dealer = {m.tag for m in training if m.receiver == "coordinator"}
    assert to_dealer == {"sslr.setup", "sslr.epoch"}
    labels = breast["guest_train"].labels
    plain_inputs = [labels.astype(np.uint64), encode(labels, 22)]
    plain_inputs += [encode(h[0].features, 16) for h in hosts.values()]
    for message in training:
        for array in _arrays(message.payload):
            assert not any(array.tobytes() == p.tobytes() for p in plain_inputs), message.tag
            if array.dtype == np.uint64 and array.size > 64:
                assert len(np.unique(array)) > 0.9 * array.size  # masked: looks uniform, not low-entropy data


def _arrays(payload):  # type: ignore[no-untyped-def]
    if isinstance(payload, np.ndarray):
        return [payload]
    if isinstance(payload, dict):
        return [a for v in payload.values() for a in _arrays(v)]
    if isinstance(payload, list):
        return [a for v in payload for a in _arrays(v)]
    return []


def test_unscaled_features_are_refused_before_training(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare: raw amounts of the order of 1e9 cannot be fixed-point encoded without wrapping
    guest = breast["guest_train"]
    raw = PartyData(guest.ids, guest.features * 1e9, guest.feature_names, guest.labels)
    transcript = Transcript()
    hub = MemoryHub(["guest", "host", "coordinator"], transcript)
    # Execute / Assert
    with pytest.raises(DataError, match="standardise"):
        fit_lr_guest(hub.channel("guest"), raw, ["host"], "coordinator", PARAMS)
    assert transcript.messages == []
