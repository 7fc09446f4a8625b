from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import xgboost

from pledgenet.crypto.paillier import (
    EncryptedVector,
    PaillierPublicKey,
    decrypt_integers,
    encrypt_integers,
    generate_keypair,
)
from pledgenet.errors import DataError, WeakParameters
from pledgenet.fl import metrics
from pledgenet.fl.binning import bin_matrix
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.secureboost.crypto import FRACTION_BITS, GradientCodec
from pledgenet.fl.secureboost.histograms import HistogramWorkers
from pledgenet.fl.secureboost.predict import (
    OnlineScorer,
    predict_guest,
    serve_host_prediction,
    serve_host_scoring,
)
from pledgenet.fl.secureboost.training import GuestBoostModel, HostBoostModel, fit_guest, fit_host
from pledgenet.fl.secureboost.tree import BoostParams, PlainHost, grow_tree

TEST_KEY_BITS = 1024  # tests only, to stay fast; the default and the benchmark use 2048

Runner = Callable[[dict[str, Callable[[], Any]]], dict[str, Any]]
PARAMS = BoostParams(n_trees=3, max_depth=3, max_bins=32, key_bits=TEST_KEY_BITS, allow_small_key=True)


@pytest.fixture(scope="module")
def trained(breast: dict[str, PartyData], run: Runner) -> dict[str, Any]:
    """One federated training (the host with two histogram worker processes) and its transcript."""
    transcript = Transcript()
    hub = MemoryHub(["guest", "host"], transcript)

    def host() -> HostBoostModel:
        model = fit_host(hub.channel("host"), breast["host_train"], "guest", workers=2, params=PARAMS)
        serve_host_prediction(hub.channel("host"), model, breast["host_test"], "guest")
        return model

    def guest() -> tuple[GuestBoostModel, np.ndarray]:
        channel = hub.channel("guest")
        model = fit_guest(channel, breast["guest_train"], ["host"], PARAMS, obfuscator_workers=1)
        return model, predict_guest(channel, model, breast["guest_test"])

    out = run({"guest": guest, "host": host})
    model, scores = out["guest"]
    return {"model": model, "scores": scores, "host_model": out["host"], "transcript": transcript}


def _assert_same_trees(breast: dict[str, PartyData], model: GuestBoostModel, params: BoostParams) -> None:
    """The federated trees equal the plaintext reference's (same builder, host features in the clear)."""
    guest, host = breast["guest_train"], breast["host_train"]
    guest_specs, guest_binned = bin_matrix(guest.features, params.max_bins)
    host_specs, host_binned = bin_matrix(host.features, params.max_bins)
    labels = guest.labels.astype(float)  # type: ignore[union-attr]
    margin = np.full(guest.rows, model.base_margin)
    for federated in model.trees:
        p = 1 / (1 + np.exp(-margin))
        plain_host = PlainHost("host", host_binned, [s.bins for s in host_specs])
        plain, leaves = grow_tree(
            guest_binned, [s.edges for s in guest_specs], p - labels, p * (1 - p), [plain_host], params
        )
        weights = {n.id: n.weight for n in plain.nodes.values() if n.leaf}
        margin += np.array([weights[leaf] for leaf in leaves])
        # same shape, same owners, same leaf weights (host split ids are opaque but the tree is the same)
        assert sorted(federated.nodes) == sorted(plain.nodes)
        for node_id, node in plain.nodes.items():
            other = federated.nodes[node_id]
            assert (other.leaf, other.owner) == (node.leaf, node.owner)
            assert abs(other.weight - node.weight) < 1e-9


def test_federated_trees_are_the_centralized_trees_on_the_same_bins(breast, trained) -> None:  # type: ignore[no-untyped-def]
    # Prepare / Execute: the module's training (one row per ciphertext, as the codec picks for 398 rows)
    # Assert
    _assert_same_trees(breast, trained["model"], PARAMS)


def test_three_rows_per_ciphertext_give_the_same_trees(breast, run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the packing default_credit uses (three rows per ciphertext, masked junk), forced on breast
    params = BoostParams(n_trees=2, max_depth=2, max_bins=8, key_bits=TEST_KEY_BITS, allow_small_key=True)
    hub = MemoryHub(["guest", "host"])
    # Execute
    out = run(
        {
            "host": lambda: fit_host(
                hub.channel("host"), breast["host_train"], "guest", workers=1, params=params
            ),
            "guest": lambda: fit_guest(
                hub.channel("guest"), breast["guest_train"], ["host"], params, rows_per_ciphertext=3
            ),
        }
    )
    # Assert
    _assert_same_trees(breast, out["guest"], params)


def test_secureboost_matches_centralized_xgboost_on_the_same_bins_and_split(breast, trained) -> None:  # type: ignore[no-untyped-def]
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
    # Execute / Assert
    assert abs(metrics.auc(breast["guest_test"].labels, trained["scores"]) - baseline) <= 0.005


def test_host_thresholds_values_and_labels_never_cross_the_channel(breast, trained) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    transcript, host_model = trained["transcript"], trained["host_model"]
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

    # Execute
    for message in transcript.messages:
        walk(message.payload)
    # Assert: no host feature value or threshold appears anywhere; everything the guest receives from the
    # host is a ciphertext vector under its key, a bin count, an opaque split id or a left/right bit pattern
    assert not {round(v, 6) for v in seen_floats} & (host_values | thresholds)
    guest_key = PaillierPublicKey.from_bytes(transcript.between("guest", "host")[0].payload["public_key"])
    for message in transcript.between("host", "guest"):
        if message.tag == "sbt.hist":
            assert all(len(EncryptedVector.from_bytes(guest_key, r)) for r in message.payload["hists"])
        else:
            assert message.tag in {"sbt.layout", "sbt.split", "sbt.predict.left"}
    # the labels never go to the host: only ciphertexts, node ids and split requests do
    for message in transcript.between("guest", "host"):
        if message.tag == "sbt.gh":
            assert len(EncryptedVector.from_bytes(guest_key, message.payload["gh"])) > 0
        else:
            assert message.payload.get("kind") in {
                "setup",
                "tree",
                "level",
                "split",
                "end_tree",
                "done",
                "predict",
            }


def test_a_host_reply_decrypts_to_exact_bin_sums_and_masks_everything_else() -> None:
    # Prepare: three rows per ciphertext (two junk positions around each bin sum), 40 rows, 3 features
    keypair = generate_keypair(TEST_KEY_BITS, allow_small_key=True)
    public_key, private_key = keypair.public_key, keypair.private_key
    rng = np.random.default_rng(7)
    rows, bins = 40, [4, 2, 5]
    binned = np.stack([rng.integers(0, b, rows) for b in bins], axis=1).astype(np.uint8)
    gradients, hessians = rng.uniform(-1, 1, rows), rng.uniform(0, 0.25, rows)
    codec = GradientCodec(TEST_KEY_BITS, rows, rows_per_ciphertext=3)
    workers = HistogramWorkers(public_key, binned, bins, codec, workers=1)
    packed = codec.pack_rows(gradients, hessians)
    ciphertexts = encrypt_integers(public_key, packed, bound_bits=codec.row_bound_bits)
    # Execute
    workers.begin_tree()
    workers.add_chunk(0, ciphertexts.to_bytes())
    (reply,) = workers.replies(np.zeros(rows, dtype=np.int32), [0], [2, 0, 1])
    sums_g, _ = codec.decrypt_reply(private_key, reply, sum(bins) - len(bins))
    positions = [
        p
        for value in decrypt_integers(private_key, EncryptedVector.from_bytes(public_key, reply))
        for p in codec.reply.unpack(value)  # type: ignore[arg-type]
    ]
    # Assert: bins 0..last-1 of features 2, 0, 1 (in that order) are the exact fixed-point sums
    fixed = np.rint(gradients * 2.0**FRACTION_BITS)
    expected = [
        fixed[binned[:, f] == b].sum() / 2.0**FRACTION_BITS for f in (2, 0, 1) for b in range(bins[f] - 1)
    ]
    assert np.array_equal(sums_g, np.array(expected))
    junk = [v for i, v in enumerate(positions) if not codec.is_sum_position(i % codec.reply.slots)]
    assert junk and all(abs(v) >= 1 << (codec.sum_bits + 4) for v in junk)  # unmasked junk < 2^(sum_bits+2)


def test_one_by_one_scores_equal_batch_scores_from_a_loaded_host(breast, trained, run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the host keeps its model part and its test table loaded and serves per-ID requests
    model, host_model = trained["model"], trained["host_model"]
    guest_test, host_test = breast["guest_test"], breast["host_test"]
    transcript = Transcript()
    hub = MemoryHub(["guest", "host"], transcript)
    picks = [0, 5, 17, 42, 99]

    def guest() -> tuple[list[float], np.ndarray]:
        channel = hub.channel("guest")
        with OnlineScorer(channel, model) as scorer:
            one_by_one = [scorer.score(guest_test.ids[i], guest_test.features[i]) for i in picks]
            with pytest.raises(DataError, match="no sample with ID"):
                scorer.score("not-a-pledgor", guest_test.features[0])
        return one_by_one, predict_guest(channel, model, guest_test, np.array(picks))

    def host() -> int:
        served = serve_host_scoring(hub.channel("host"), host_model, host_test, "guest")
        serve_host_prediction(hub.channel("host"), host_model, host_test, "guest")
        return served

    # Execute
    out = run({"guest": guest, "host": host})
    one_by_one, batch = out["guest"]
    # Assert: same probabilities; each answer is one bit per host split, nothing else
    assert np.allclose(one_by_one, batch, rtol=0, atol=1e-12)
    assert out["host"] == len(picks)
    answers = [m for m in transcript.between("host", "guest") if m.tag == "sbt.score.left"]
    assert all(len(m.payload["left"]) <= -(-len(host_model.splits) // 8) for m in answers)


def test_a_key_under_2048_bits_needs_an_explicit_opt_in(breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the same parameters as the fast tests, without the opt-in
    hub = MemoryHub(["guest", "host"])
    params = BoostParams(n_trees=1, max_depth=2, max_bins=8, key_bits=TEST_KEY_BITS)

    # Execute / Assert: refused before any message is sent
    with pytest.raises(WeakParameters, match="not secure"):
        fit_guest(hub.channel("guest"), breast["guest_train"], ["host"], params)
