"""Hetero logistic regression by additive secret sharing: a guest, any number of hosts and a dealer.

Why secret sharing and not Paillier: one mini-batch of 1,024 rows would cost ~1,000 Paillier encryptions
and ~10,000 ciphertext-scalar exponentiations at 2048 bits (seconds); in the ring Z_2^64 it costs a few
numpy products. The construction is SecureML's (Mohassel & Zhang 2017) with a trusted dealer, the setting
SecretFlow's SS-LR runs in (SPU semi2k with a trusted beaver provider), for n data parties
(:mod:`pledgenet.fl.sharing.ring`):

* the guest (party 0: labels, features X_G plus an intercept column) and each host h (features X_h) keep
  their own weights; the linear predictor z = Σ X_p·w_p is additively shared for free (each holds its
  part, encoded with ``Z_BITS`` fractional bits);
* σ(z) is a piecewise-linear interpolation of the logistic function at the knots ±1, ±2.5, ±5, constant
  0 and 1 outside (slopes in multiples of 2^-6). It needs ``[z ≥ k]`` for the six knots: exact secure
  comparisons (one opening of ``z + r``, a 5-round AND circuit) and daBits that turn each ``[z ≥ k]``
  into shares of ``[z ≥ k]·(z − k)`` in one more round. No truncation anywhere: the residual
  d = σ̂(z) − y keeps ``Z_BITS + 6`` fractional bits and |d| ≤ 1, so the gradient never wraps;
* why not σ(z) ≈ 0.5 + z/4 (SecretFlow's default ``t1``): it trains a least-squares surrogate that lands
  ~0.006 AUC under scikit-learn on default_credit (0.0014 of that is 10 epochs not converging; exact σ
  and this interpolation land within 0.002), and a cubic diverges where |z| leaves its range;
* each party gets ``X_pᵀ·d`` through two-party matrix triples with every other party, reconstructs only its
  own gradient and updates its own weights (Adam, L2/L1). A host's gradient would give away the guest's
  residuals (hence labels) when a batch holds no more rows than the host has features, so the guest adds
  Gaussian noise to its share of every host's gradient (label-DP, :mod:`pledgenet.fl.label_dp`: the
  budget ``ε`` at ``δ`` is in the guest's model), and only full batches are used (the partial last batch is
  dropped).

The dealer (role ``coordinator``) never sees data: it replays each party's PRG and sends the corrections
that make the randomness consistent. What each party learns: docs/protocols.md.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl import label_dp
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.sharing.ring import Ring, Stream, Tape

Z_BITS = 16  # fractional bits of the linear predictor
SLOPE_BITS = 6  # slopes of the interpolated σ are multiples of 2^-6
RESIDUAL_BITS = Z_BITS + SLOPE_BITS
MAX_FEATURE_BITS = 16
KNOTS = (-5.0, -2.5, -1.0, 1.0, 2.5, 5.0)
_LABEL = b"pledgenet-sslr-v2"


def _sigmoid_segments() -> tuple[np.ndarray, float]:
    """Slope changes at each knot (integers, units of 2^-SLOPE_BITS) and the value left of the first."""
    knots = np.array(KNOTS)
    values = 1.0 / (1.0 + np.exp(-knots))
    slopes = np.rint(np.diff(values) / np.diff(knots) * (1 << SLOPE_BITS)).astype(np.int64)
    changes = np.diff(np.concatenate([[0], slopes, [0]]))
    below_zero = sum(
        slopes[i] * (min(knots[i + 1], 0.0) - knots[i]) for i in range(len(slopes)) if knots[i] < 0
    )
    return changes, 0.5 - below_zero / (1 << SLOPE_BITS)  # σ̂(0) = 1/2 exactly


SLOPE_CHANGES, SIGMOID_FLOOR = _sigmoid_segments()


def approx_sigmoid(z: np.ndarray) -> np.ndarray:
    """The σ̂ the protocol computes on shares, in plaintext (reference for tests and docs)."""
    z = np.asarray(z, dtype=np.float64)
    hinge = np.maximum(z[None, :] - np.array(KNOTS)[:, None], 0.0)
    return SIGMOID_FLOOR + (SLOPE_CHANGES[:, None] * hinge).sum(axis=0) / (1 << SLOPE_BITS)


@dataclass(frozen=True)
class LRParams:
    epochs: int = 10
    batch_size: int = 1024
    learning_rate: float = 0.01
    l2: float = 0.0
    l1: float = 0.0
    tolerance: float = 1e-4
    seed: int = 0
    #: label-DP noise on each host's gradient: standard deviation over the host's row-norm bound
    noise_multiplier: float = 4.0
    delta: float = 1e-5

    def __post_init__(self) -> None:
        rates = (self.learning_rate, self.l1, self.l2, self.tolerance, self.noise_multiplier, self.delta)
        if not all(math.isfinite(value) for value in rates):
            raise DataError(
                "learning_rate, l1, l2, tolerance, noise_multiplier, delta must be finite numbers"
            )
        if self.noise_multiplier <= 0 or not 0 < self.delta < 1:
            raise DataError(
                "noise_multiplier > 0 (a host's gradient is opened only with noise) and 0 < delta < 1"
            )
        if self.epochs < 1 or self.batch_size < 8 or self.learning_rate <= 0 or self.l1 < 0 or self.l2 < 0:
            raise DataError("epochs >= 1, batch_size >= 8, learning_rate > 0, l1 and l2 >= 0")


def encode(values: np.ndarray, bits: int) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=np.float64) * float(1 << bits)).astype(np.int64).view(np.uint64)


def decode(values: np.ndarray, bits: int) -> np.ndarray:
    return values.view(np.int64).astype(np.float64) / float(1 << bits)


def feature_bits(features: np.ndarray, batch_size: int, noise_scale: float = 0.0) -> int:
    """Fractional bits for this party's features so that ``Σ_batch |x|·|d|`` plus the label-DP noise
    (``noise_scale``: its standard deviation, truncated at ``label_dp.TAIL``) cannot wrap the ring."""
    peak = max(1.0, float(np.abs(features).max()) if features.size else 1.0)
    reach_bits = math.log2(batch_size) + math.log2(peak + label_dp.TAIL * noise_scale / batch_size)
    bits = min(MAX_FEATURE_BITS, 61 - RESIDUAL_BITS - math.ceil(reach_bits))
    if bits < 4:
        raise DataError(f"feature values up to {peak:.3g} are too large for fixed point: standardise them")
    return bits


def _batches(rows: int, batch_size: int, permutation: np.ndarray) -> list[np.ndarray]:
    """Full batches only: a partial last batch (down to one row) would show a host its residuals."""
    return [permutation[i : i + batch_size] for i in range(0, rows - batch_size + 1, batch_size)]


def _dealer_batch(tape: Tape, batch: np.ndarray, dims: list[int]) -> None:
    """The dealer's draws for one batch: the same calls, in the same order, as :func:`_residual` and
    :meth:`Ring.cross_products` make at every party."""
    rows, knots = len(batch), len(KNOTS)
    tape.mask(rows)
    tape.dabit_products((knots, rows))
    for planes in (4, 2, 1):
        tape.and_triple((planes, knots, -(-rows // 8)), 2 if planes > 1 else 1)
    tape.matrix_triples(None, batch, dims)


def serve_dealer(channel: Channel, guest: str, hosts: str | list[str]) -> None:
    """The coordinator: seeds, then per batch the corrections of the correlated randomness; sees no data.

    It learns the parties' feature counts, the row count and the batch order (a random permutation).
    """
    parties = [guest, *([hosts] if isinstance(hosts, str) else hosts)]
    seeds = [secrets.token_bytes(32) for _ in parties]
    for name, seed in zip(parties, seeds, strict=True):
        channel.send(name, "sslr.seed", {"seed": seed})
    setup = channel.recv(guest, "sslr.setup")
    if list(setup["parties"]) != parties:
        raise ProtocolError(f"the guest runs with {setup['parties']}, the dealer was started for {parties}")
    rows, batch_size, dims = int(setup["rows"]), int(setup["batch_size"]), [int(d) for d in setup["dims"]]
    tape = Tape({i: Stream(seed, _LABEL) for i, seed in enumerate(seeds)}, dealer=True)
    tape.draw_matrix_masks(dims, rows)
    while True:
        order = channel.recv(guest, "sslr.epoch")
        if order.get("stop"):
            return
        permutation = _check_permutation(order.get("permutation"), rows)
        for batch in _batches(rows, batch_size, permutation):
            _dealer_batch(tape, batch, dims)
            for index, name in enumerate(parties):
                channel.send(name, "sslr.corr", {"values": tape.produced[index]})
                tape.produced[index] = []


def _check_permutation(value: Any, rows: int) -> np.ndarray:
    permutation = np.asarray(value, dtype=np.int64)
    if permutation.shape != (rows,) or not np.array_equal(np.sort(permutation), np.arange(rows)):
        raise ProtocolError("the guest's batch order is not a permutation of the rows")
    return permutation


def _residual(ring: Ring, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """This party's share of d = σ̂(z) − y (``RESIDUAL_BITS`` fractional bits; labels only at the guest)."""
    knots = encode(np.array(KNOTS), Z_BITS)
    above, above_times_z = ring.hinge_terms(z, knots)  # [z ≥ k] and [z ≥ k]·z, (knots, rows)
    changes = SLOPE_CHANGES.astype(np.int64).view(np.uint64)
    hinges = above_times_z - knots[:, None] * above  # [z ≥ k]·(z − k)
    share = (changes[:, None] * hinges).sum(axis=0, dtype=np.uint64)
    if labels is not None:
        share += encode(np.full(len(z), SIGMOID_FLOOR), RESIDUAL_BITS) - encode(labels, RESIDUAL_BITS)
    return share


def _adam_step(
    weights: np.ndarray, gradient: np.ndarray, state: dict[str, Any], params: LRParams
) -> np.ndarray:
    state["t"] += 1
    state["m"] = 0.9 * state["m"] + 0.1 * gradient
    state["v"] = 0.999 * state["v"] + 0.001 * gradient**2
    m_hat = state["m"] / (1 - 0.9 ** state["t"])
    v_hat = state["v"] / (1 - 0.999 ** state["t"])
    updated = weights - params.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    if params.l1:
        shrink = params.learning_rate * params.l1
        penalised = updated[:-1] if state["intercept"] else updated
        penalised[:] = np.sign(penalised) * np.maximum(np.abs(penalised) - shrink, 0.0)
    return updated


def fit_lr_guest(
    channel: Channel,
    data: PartyData,
    hosts: str | list[str],
    dealer: str,
    params: LRParams,
    *,
    noise_seed: int | None = None,
) -> dict[str, Any]:
    """Train as the guest (party 0); returns the guest's model part (its weights and the intercept) and
    the label-DP budget spent on each host (``privacy``). ``noise_seed`` (tests only; never sent to
    anyone) fixes the noise; by default it is drawn fresh from the OS."""
    hosts = [hosts] if isinstance(hosts, str) else list(hosts)
    if data.labels is None:
        raise DataError("the guest needs labels")
    if not hosts:
        raise DataError("hetero LR needs at least one host")
    if data.rows < params.batch_size:
        raise DataError(
            f"{data.rows} aligned rows cannot fill one batch of {params.batch_size}: lower batch_size"
        )
    features = np.hstack([data.features, np.ones((data.rows, 1))])
    bits = feature_bits(features, params.batch_size)
    seed = channel.recv(dealer, "sslr.seed")["seed"]
    channel.broadcast(hosts, "sslr.rows", {"rows": data.rows, "params": asdict(params)})
    reports = [_host_report(channel.recv(h, "sslr.dims"), h) for h in hosts]
    dims = [features.shape[1]] + [report["dims"] for report in reports]
    parties = [channel.party, *hosts]
    setup = {"parties": parties, "dims": dims, "rows": data.rows, "batch_size": params.batch_size}
    channel.broadcast([*hosts, dealer], "sslr.setup", setup)
    ring = _ring(channel, parties, 0, seed, dims, data.rows)
    noise = _NoiseSource(reports, params, secrets.randbits(128) if noise_seed is None else noise_seed)
    weights, epochs_run = _train(ring, dealer, features, bits, data.labels.astype(np.float64), params, noise)
    return {
        "kind": "hetero-lr",
        "params": asdict(params),
        "epochs_run": epochs_run,
        "hosts": hosts,
        "weights": dict(zip(data.feature_names, weights[:-1].tolist(), strict=True)),
        "intercept": float(weights[-1]),
        "privacy": {
            "mechanism": "label-DP Gaussian noise on each host's gradient",
            "noise_multiplier": params.noise_multiplier,
            "delta": params.delta,
            "epsilon_per_host": label_dp.epsilon(params.noise_multiplier, epochs_run, params.delta),
            "row_norm_bounds": {h: report["norm_bound"] for h, report in zip(hosts, reports, strict=True)},
        },
    }


def _host_report(message: dict[str, Any], host: str) -> dict[str, Any]:
    """A host's setup report: feature count, fixed-point bits and row-norm bound (three significant bits)."""
    try:
        dims, bits, bound = int(message["dims"]), int(message["bits"]), float(message["norm_bound"])
    except (KeyError, TypeError, ValueError):
        raise ProtocolError(f"{host} sent no feature count, bits and row-norm bound") from None
    if dims < 1 or not 4 <= bits <= MAX_FEATURE_BITS or not 1 <= bound <= 2.0**60:
        raise ProtocolError(f"{host}'s setup report is out of range")
    return {"dims": dims, "bits": bits, "norm_bound": bound}


class _NoiseSource:
    """The guest's label-DP noise for each host's gradient, ring-encoded at that host's product scale."""

    def __init__(self, reports: list[dict[str, Any]], params: LRParams, seed: int) -> None:
        self.reports, self.params = reports, params
        self.rng = np.random.default_rng(seed)

    def draw(self) -> dict[int, np.ndarray]:
        noise = {}
        for index, report in enumerate(self.reports, start=1):
            scale = self.params.noise_multiplier * report["norm_bound"]
            draws = label_dp.gaussian_noise(self.rng, scale, report["dims"])
            noise[index] = encode(draws, report["bits"] + RESIDUAL_BITS)
        return noise


def fit_lr_host(channel: Channel, data: PartyData, guest: str, dealer: str) -> dict[str, Any]:
    """Train as a host (the guest's parameters govern the job); returns this host's weights only."""
    seed = channel.recv(dealer, "sslr.seed")["seed"]
    agreed = channel.recv(guest, "sslr.rows")
    if int(agreed["rows"]) != data.rows:
        raise ProtocolError("guest and host hold different numbers of aligned rows")
    params = LRParams(**agreed["params"])
    feature_bits(data.features, params.batch_size)  # refuses unencodable values before anything else
    bound = label_dp.row_norm_bound(data.features)
    bits = feature_bits(data.features, params.batch_size, params.noise_multiplier * bound)
    report = {"dims": data.features.shape[1], "bits": bits, "norm_bound": bound}
    channel.send(guest, "sslr.dims", report)
    setup = channel.recv(guest, "sslr.setup")
    parties, dims = list(setup["parties"]), [int(d) for d in setup["dims"]]
    if channel.party not in parties[1:] or dims[parties.index(channel.party)] != data.features.shape[1]:
        raise ProtocolError("the guest's setup does not list this host with its feature count")
    index = parties.index(channel.party)
    ring = _ring(channel, parties, index, seed, dims, data.rows)
    weights, epochs_run = _train(ring, dealer, data.features, bits, None, params)
    return {
        "kind": "hetero-lr",
        "epochs_run": epochs_run,
        "weights": dict(zip(data.feature_names, weights.tolist(), strict=True)),
    }


def _ring(channel: Channel, parties: list[str], index: int, seed: bytes, dims: list[int], rows: int) -> Ring:
    tape = Tape({index: Stream(seed, _LABEL)})
    tape.draw_matrix_masks(dims, rows)
    return Ring(channel, parties, index, tape, dims)


def _train(
    ring: Ring,
    dealer: str,
    features: np.ndarray,
    bits: int,
    labels: np.ndarray | None,
    params: LRParams,
    noise: _NoiseSource | None = None,
) -> tuple[np.ndarray, int]:
    channel, guest = ring.channel, ring.parties[0]
    hosts = ring.parties[1:]
    rows, dims = features.shape
    encoded = encode(features, bits)
    ring.share_features(encoded)
    weights = np.zeros(dims)
    state: dict[str, Any] = {"t": 0, "m": np.zeros(dims), "v": np.zeros(dims), "intercept": ring.leader}
    shuffle = np.random.default_rng(params.seed)
    epochs_run = 0
    for _epoch in range(params.epochs):
        if ring.leader:
            permutation = shuffle.permutation(rows)
            channel.broadcast([*hosts, dealer], "sslr.epoch", {"permutation": permutation})
        else:
            message = channel.recv(guest, "sslr.epoch")
            if message.get("stop"):
                break
            permutation = _check_permutation(message.get("permutation"), rows)
        before = weights.copy()
        for batch in _batches(rows, params.batch_size, permutation):
            ring.tape.corrections = list(channel.recv(dealer, "sslr.corr")["values"])
            x = features[batch]
            partial = encode(x @ weights, Z_BITS)
            if np.abs(partial.view(np.int64)).max() >= ring.compare_limit:
                raise ProtocolError("the linear predictor left the secure comparison's range: lower the rate")
            d = _residual(ring, partial, None if labels is None else labels[batch])
            product = ring.cross_products(encoded[batch], d, batch, None if noise is None else noise.draw())
            gradient = decode(product, bits + RESIDUAL_BITS) / len(batch)
            if ring.tape.corrections:
                raise ProtocolError("the dealer sent more correlated randomness than a batch uses")
            if params.l2:
                penalty = params.l2 * weights
                if ring.leader:
                    penalty[-1] = 0.0
                gradient = gradient + penalty
            weights = _adam_step(weights, gradient, state, params)
        epochs_run += 1
        change = float(np.sum((weights - before) ** 2))
        if ring.leader:
            change += sum(float(channel.recv(h, "sslr.change")["change"]) for h in hosts)
            if change**0.5 < params.tolerance:
                channel.broadcast(hosts, "sslr.epoch", {"stop": True})
                break
        else:
            channel.send(guest, "sslr.change", {"change": change})
    if ring.leader:
        channel.send(dealer, "sslr.epoch", {"stop": True})
    return weights, epochs_run


def predict_lr_guest(
    channel: Channel, model: dict[str, Any], data: PartyData, hosts: str | list[str]
) -> np.ndarray:
    """Scores of every aligned row: each host sends its partial predictor X_h·w_h (see docs for why)."""
    hosts = [hosts] if isinstance(hosts, str) else list(hosts)
    weights = np.array([model["weights"][n] for n in data.feature_names])
    margin = data.features @ weights + model["intercept"]
    channel.broadcast(hosts, "sslr.predict", {"rows": data.rows})
    for host in hosts:
        partial = np.asarray(channel.recv(host, "sslr.partial")["partial"], dtype=np.float64)
        if partial.shape != (data.rows,):
            raise ProtocolError(f"{host}'s partial scores have the wrong length")
        margin = margin + partial
    return 1.0 / (1.0 + np.exp(-margin))


def serve_lr_host_prediction(channel: Channel, model: dict[str, Any], data: PartyData, guest: str) -> None:
    request = channel.recv(guest, "sslr.predict")
    if int(request["rows"]) != data.rows:
        raise ProtocolError("guest and host hold different numbers of rows to score")
    weights = np.array([model["weights"][n] for n in data.feature_names])
    channel.send(guest, "sslr.partial", {"partial": data.features @ weights})
