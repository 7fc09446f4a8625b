"""Secure aggregation (Bonawitz et al. / SecAgg+): exact sums under dropouts, refusals, transcripts."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pytest
from scipy import stats

from pledgenet.crypto.secagg import (
    RingEncoding,
    SecAggClient,
    SecAggParams,
    SecAggServer,
    contribute,
    secure_sum,
)
from pledgenet.errors import BelowThreshold, EncodingOverflow, ProtocolError, ShareError, WeakParameters
from pledgenet.fl.net.channel import MemoryHub, Transcript

NAMES = ("lender-1", "lender-2", "lender-3", "lender-4", "lender-5")


def run_round(
    params: SecAggParams, inputs: dict[str, np.ndarray], drop_stage: int | None, dropped: set[str]
) -> tuple[np.ndarray, list[str]]:
    """Drive the state machines directly; ``dropped`` clients stop answering before ``drop_stage``."""
    clients = {name: SecAggClient(params, name) for name in params.clients}
    server = SecAggServer(params)

    def alive(stage: int) -> list[str]:
        return [
            n for n in params.clients if not (n in dropped and drop_stage is not None and stage >= drop_stage)
        ]

    keys = server.collect_keys({n: clients[n].advertise() for n in alive(0)})
    relayed = server.collect_shares({n: clients[n].share_keys(keys) for n in alive(1) if n in keys})
    sharing = sorted(relayed)
    masked = {n: clients[n].masked_input(relayed[n], sharing, inputs[n]) for n in alive(2) if n in sharing}
    survivors = server.collect_masked(masked)
    total = server.finish({n: clients[n].unmask(survivors) for n in alive(3) if n in survivors})
    return total, survivors


@pytest.mark.parametrize(("degree", "threshold"), [(None, 3), (2, 2)])
def test_sum_is_exact_under_every_number_of_dropouts_at_every_stage(
    degree: int | None, threshold: int
) -> None:
    # Prepare: five lenders, t = 3 (complete graph) or a SecAgg+ ring of degree 2 with t = 2 per neighbourhood
    params = SecAggParams(NAMES, threshold=threshold, length=257, context=b"test|round-1", degree=degree)
    rng = np.random.default_rng(7)
    inputs = {n: rng.integers(0, 2**63, size=257, dtype=np.uint64) for n in NAMES}
    max_drops = len(NAMES) - 3
    for stage, drops in itertools.product(range(4), range(max_drops + 1)):
        dropped = set(NAMES[len(NAMES) - drops :]) if degree is None else set(NAMES[1 : 1 + 2 * drops : 2])
        # Execute
        try:
            total, survivors = run_round(params, inputs, stage, dropped)
        except ShareError:
            # a sparse neighbourhood may lose its quorum; then the round must refuse, never sum wrongly
            assert degree is not None
            continue
        # Assert: the sum of exactly the clients whose masked input arrived
        expected = np.zeros(257, dtype=np.uint64)
        for name in survivors:
            expected += inputs[name]
        assert np.array_equal(total, expected), (stage, drops)
        assert set(survivors) == set(NAMES) - (dropped if stage <= 2 else set())


def test_below_threshold_is_refused_at_every_stage() -> None:
    params = SecAggParams(NAMES, threshold=3, length=8, context=b"test|refuse")
    inputs = {n: np.arange(8, dtype=np.uint64) for n in NAMES}
    for stage in range(4):
        with pytest.raises(BelowThreshold, match="threshold") as caught:
            run_round(params, inputs, stage, set(NAMES[2:]))
        assert caught.value.code == "below_threshold"


def test_clients_refuse_to_unmask_when_the_server_fakes_dropouts() -> None:
    # Prepare: a server that claims only two clients survived (to unmask one of them alone)
    params = SecAggParams(NAMES, threshold=3, length=4, context=b"test|fake")
    clients = {n: SecAggClient(params, n) for n in NAMES}
    server = SecAggServer(params)
    keys = server.collect_keys({n: c.advertise() for n, c in clients.items()})
    relayed = server.collect_shares({n: c.share_keys(keys) for n, c in clients.items()})
    for n, c in clients.items():
        c.masked_input(relayed[n], sorted(relayed), np.zeros(4, dtype=np.uint64))
    # Execute / Assert
    with pytest.raises(ShareError, match="refuses"):
        clients["lender-1"].unmask(["lender-1", "lender-2"])


def test_weak_parameters_are_refused() -> None:
    with pytest.raises(WeakParameters):
        SecAggParams(NAMES, threshold=2, length=4, context=b"x")  # not a majority of 5
    with pytest.raises(WeakParameters):
        SecAggParams(NAMES, threshold=3, length=4, context=b"x", degree=3)  # odd degree


def _channel_round(
    transcript: Transcript | None, inputs: dict[str, np.ndarray], tamper: str | None = None
) -> tuple[Any, list[BaseException]]:
    params = SecAggParams(
        NAMES, threshold=3, length=len(next(iter(inputs.values()))), context=b"test|channel"
    )
    hub = MemoryHub(["aggregator", *NAMES], transcript)
    errors: list[BaseException] = []
    result: list[Any] = []

    def client(name: str) -> None:
        channel = hub.channel(name)
        vector = inputs[name]
        if name == tamper:
            vector = np.random.default_rng(1).integers(0, 2**64 - 1, size=vector.shape, dtype=np.uint64)
        try:
            contribute(channel, "aggregator", params, vector, timeout=30)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in NAMES]
    for thread in threads:
        thread.start()
    try:
        result.append(secure_sum(hub.channel("aggregator"), params, deadline_s=30))
    except BaseException as exc:
        errors.append(exc)
    for thread in threads:
        thread.join(timeout=30)
    return (result[0] if result else None), errors


def test_every_vector_the_aggregator_receives_is_uniformly_masked() -> None:
    # Prepare: inputs far from uniform (all zeros, or small fixed-point values)
    encoding = RingEncoding(bound=1.0, parties=5, scale=2.0**20)
    inputs = {n: encoding.encode(np.full(4000, 0.25 * i)) for i, n in enumerate(NAMES)}
    transcript = Transcript()
    # Execute
    outcome, errors = _channel_round(transcript, inputs)
    # Assert: the sum is right, and each masked vector's bytes are uniform (chi-square over byte values)
    assert not errors
    assert np.allclose(encoding.decode_sum(outcome.total, 5), 2.5)
    received = [m for m in transcript.messages if m.receiver == "aggregator" and m.tag == "secagg"]
    masked = [m.payload["body"] for m in received if m.payload.get("stage") == 2]
    assert len(masked) == 5
    for vector in masked:
        counts = np.bincount(np.frombuffer(vector.tobytes(), dtype=np.uint8), minlength=256)
        assert stats.chisquare(counts).pvalue > 1e-4
        top_bits = (vector >> np.uint64(63)).astype(np.int64)
        assert abs(top_bits.mean() - 0.5) < 0.05
    # nothing else the aggregator receives carries the input: keys, sealed shares, seeds' shares only
    for message in received:
        assert message.payload["stage"] in (0, 1, 2, 3)


def test_garbage_from_one_client_fails_the_round_with_a_clear_error() -> None:
    encoding = RingEncoding(bound=1.0, parties=5, scale=2.0**20)
    inputs = {n: encoding.encode(np.full(64, 0.5)) for n in NAMES}
    outcome, errors = _channel_round(None, inputs, tamper="lender-3")
    assert outcome is not None and not errors
    with pytest.raises(EncodingOverflow, match="outside the declared bound"):
        encoding.decode_sum(outcome.total, 5)


def test_a_malformed_message_names_the_client() -> None:
    params = SecAggParams(NAMES, threshold=3, length=4, context=b"test|malformed")
    server = SecAggServer(params)
    with pytest.raises(ProtocolError, match="lender-2"):
        server.collect_keys({"lender-1": {"c_pk": b"a" * 32, "s_pk": b"b" * 32}, "lender-2": {"c_pk": b"x"}})


def test_overflow_is_detected_never_silent() -> None:
    with pytest.raises(WeakParameters, match="ring"):
        RingEncoding(bound=1.0, parties=2**20, scale=2.0**44)
    encoding = RingEncoding(bound=1.0, parties=3, scale=2.0**20)
    with pytest.raises(EncodingOverflow, match="past the declared bound"):
        encoding.encode(np.array([0.5, 1.5]))
    wrapped = encoding.to_ring(np.array([2**62], dtype=np.int64))
    with pytest.raises(EncodingOverflow):
        encoding.decode_sum(wrapped, 3)


def test_a_silent_client_is_dropped_at_the_deadline_and_the_others_are_summed() -> None:
    # Prepare: lender-5 never answers (a dead process); the stage deadline is one second
    params = SecAggParams(NAMES, threshold=3, length=16, context=b"test|silent")
    hub = MemoryHub(["aggregator", *NAMES])
    inputs = {n: np.full(16, i + 1, dtype=np.uint64) for i, n in enumerate(NAMES)}
    answered: dict[str, bool] = {}

    def client(name: str) -> None:
        answered[name] = contribute(hub.channel(name), "aggregator", params, inputs[name], timeout=30)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in NAMES[:4]]
    for thread in threads:
        thread.start()
    # Execute
    outcome = secure_sum(hub.channel("aggregator"), params, deadline_s=1.0)
    for thread in threads:
        thread.join(timeout=30)
    # Assert
    assert outcome.survivors == list(NAMES[:4]) and outcome.dropped == {"lender-5": 0}
    assert np.array_equal(outcome.total, np.full(16, 1 + 2 + 3 + 4, dtype=np.uint64))
    assert answered == {n: True for n in NAMES[:4]}


def test_secagg_plus_with_many_clients_masks_only_with_a_few_neighbours_and_sums_exactly() -> None:
    # Prepare: 40 lenders on a degree-8 random Harary graph, threshold 5 of each 9-member neighbourhood
    names = tuple(f"bank-{i:02d}" for i in range(40))
    params = SecAggParams(names, threshold=5, length=32, context=b"test|plus", degree=8)
    inputs = {n: np.full(32, i, dtype=np.uint64) for i, n in enumerate(names)}
    # Execute: three lenders far apart on the name order leave before sending their masked input
    total, survivors = run_round(params, inputs, 2, {"bank-03", "bank-17", "bank-31"})
    # Assert
    assert len(survivors) == 37
    assert np.array_equal(total, np.full(32, sum(range(40)) - 3 - 17 - 31, dtype=np.uint64))
    server = SecAggServer(params)
    server.collect_keys({n: SecAggClient(params, n).advertise() for n in names})
    assert all(len(neighbours) == 8 for neighbours in server.neighbours.values())
