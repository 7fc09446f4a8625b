"""Hetero logistic regression by additive secret sharing: a guest, any number of hosts and a dealer.

Why secret sharing and not Paillier: one mini-batch of 1,024 rows would cost ~1,000 Paillier encryptions
and ~10,000 ciphertext-scalar exponentiations at 2048 bits (seconds); in the ring Z_2^64 it costs a few
numpy products. The construction is SecureML's (Mohassel & Zhang 2017) with a trusted dealer, the setting
SecretFlow's SS-LR runs in (SPU semi2k with a trusted beaver provider), for n data parties
(:mod:`pledgenet.fl.sharing.ring`):

* the guest (party 0: labels, features X_G plus an intercept column) and each host h (features X_h); the
  linear predictor z = Σ X_p·w_p is additively shared (``Z_BITS`` fractional bits);
* σ(z) is a piecewise-linear interpolation of the logistic function at the knots ±1, ±2.5, ±5, constant
  0 and 1 outside (slopes in multiples of 2^-6). It needs ``[z ≥ k]`` for the six knots: exact secure
  comparisons (one opening of ``z + r``, a 5-round AND circuit) and daBits that turn each ``[z ≥ k]``
  into shares of ``[z ≥ k]·(z − k)`` in one more round. No truncation in σ̂: the residual
  d = σ̂(z) − y keeps ``Z_BITS + 6`` fractional bits and |d| ≤ 1, so the gradient never wraps;
* why not σ(z) ≈ 0.5 + z/4 (SecretFlow's default ``t1``): it trains a least-squares surrogate that lands
  ~0.006 AUC under scikit-learn on default_credit (0.0014 of that is 10 epochs not converging; exact σ
  and this interpolation land within 0.002), and a cubic diverges where |z| leaves its range;
* ``privacy="shared"`` (the default, :mod:`pledgenet.fl.hetero_lr_shared`): the weights and every
  ``X_pᵀ·d`` stay secret-shared (products with each party's private matrix by the dealer's matrix triples,
  probabilistic truncation with the dealer's pairs, plain SGD with L2 on shares); each party opens only its
  own final weights. Exact (the plaintext SGD rule to ~1e-5) and label-private;
* ``privacy="label_dp"`` (an option: Adam, L1, early stopping, ~4× faster per epoch): each party gets
  ``X_pᵀ·d`` through two-party matrix triples with every other party, reconstructs only its own gradient
  and updates its own weights. A host's gradient would give away the guest's residuals (hence labels) when
  a batch holds no more rows than the host has features, so the guest adds Gaussian noise to its share of
  every host's gradient (label-DP, :mod:`pledgenet.fl.label_dp`: the budget ``ε`` at ``δ`` is in the
  guest's model). In both modes only full batches are used (the partial last batch is dropped).

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
from pledgenet.fl import hetero_lr_shared as shared
from pledgenet.fl import label_dp
from pledgenet.fl.data import PartyData
from pledgenet.fl.lr_sigmoid import (
    KNOTS,
    RESIDUAL_BITS,
    SIGMOID_FLOOR,
    SLOPE_BITS,
    SLOPE_CHANGES,
    Z_BITS,
    approx_sigmoid,
    dealer_residual,
    decode,
    encode,
)
from pledgenet.fl.lr_sigmoid import residual as _residual
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.sharing.ring import Ring, Stream, Tape

__all__ = [
    "KNOTS",
    "RESIDUAL_BITS",
    "SIGMOID_FLOOR",
    "SLOPE_BITS",
    "SLOPE_CHANGES",
    "Z_BITS",
    "LRParams",
    "approx_sigmoid",
    "decode",
    "encode",
    "feature_bits",
    "fit_lr_guest",
    "fit_lr_host",
    "predict_lr_guest",
    "serve_dealer",
    "serve_lr_host_prediction",
]

MAX_FEATURE_BITS = 16
_LABEL = b"pledgenet-sslr-v2"


PRIVACY_MODES = ("shared", "label_dp")
DEFAULT_RATES = {"shared": 0.5, "label_dp": 0.01}  # SGD's step on shares; Adam's step


@dataclass(frozen=True)
class LRParams:
    epochs: int = 10
    batch_size: int = 1024
    #: None: 0.5 for ``shared`` (plain SGD), 0.01 for ``label_dp`` (Adam)
    learning_rate: float | None = None
    l2: float = 0.0
    l1: float = 0.0
    tolerance: float = 1e-4
    seed: int = 0
    #: ``shared``: weights and gradients stay secret-shared (exact, labels private; SGD, L2 only, every
    #: epoch runs); ``label_dp``: each party opens its own gradient, a host's with the guest's Gaussian
    #: noise (Adam, L1, early stopping; AUC cost of the noise)
    privacy: str = "shared"
    #: label-DP noise on each host's gradient: standard deviation over the host's row-norm bound
    noise_multiplier: float = 4.0
    delta: float = 1e-5

    def __post_init__(self) -> None:
        if self.privacy not in PRIVACY_MODES:
            raise DataError(f"privacy is one of {', '.join(PRIVACY_MODES)}, not {self.privacy!r}")
        if self.learning_rate is None:
            object.__setattr__(self, "learning_rate", DEFAULT_RATES[self.privacy])
        rates = (self.rate, self.l1, self.l2, self.tolerance, self.noise_multiplier, self.delta)
        if not all(math.isfinite(value) for value in rates):
            raise DataError(
                "learning_rate, l1, l2, tolerance, noise_multiplier, delta must be finite numbers"
            )
        if self.noise_multiplier <= 0 or not 0 < self.delta < 1:
            raise DataError(
                "noise_multiplier > 0 (a host's gradient is opened only with noise) and 0 < delta < 1"
            )
        if self.epochs < 1 or self.batch_size < 8 or self.rate <= 0 or self.l1 < 0 or self.l2 < 0:
            raise DataError("epochs >= 1, batch_size >= 8, learning_rate > 0, l1 and l2 >= 0")
        if self.privacy == "shared" and (self.l1 or self.rate > 4 or self.l2 > 1):
            raise DataError("privacy 'shared' takes no l1 (use 'label_dp'), learning_rate <= 4 and l2 <= 1")

    @property
    def rate(self) -> float:
        """The learning rate, resolved."""
        assert self.learning_rate is not None  # set in __post_init__
        return self.learning_rate


def feature_bits(
    features: np.ndarray, batch_size: int, noise_scale: float = 0.0, names: tuple[str, ...] = ()
) -> int:
    """Fractional bits for this party's features so that ``Σ_batch |x|·|d|`` plus the label-DP noise
    (``noise_scale``: its standard deviation, truncated at ``label_dp.TAIL``) cannot wrap the ring;
    ``names`` name the offending column in the error."""
    peak = max(1.0, float(np.abs(features).max()) if features.size else 1.0)
    reach_bits = math.log2(batch_size) + math.log2(peak + label_dp.TAIL * noise_scale / batch_size)
    bits = min(MAX_FEATURE_BITS, 61 - RESIDUAL_BITS - math.ceil(reach_bits))
    if bits < 4:
        raise DataError(f"{_largest_feature(features, names)}: add the scale component or standardise it")
    return bits


def _largest_feature(features: np.ndarray, names: tuple[str, ...]) -> str:
    """'feature NAME reaches VALUE' for the column of largest magnitude (the usual cause of overflow)."""
    peaks = np.abs(features).max(axis=0) if features.size else np.zeros(1)
    column = int(np.argmax(peaks))
    name = names[column] if column < len(names) else f"#{column}"
    peak = float(peaks[column])
    shown = f"{peak:,.0f}" if 1000 <= peak < 1e15 else f"{peak:.4g}"
    return f"feature {name} reaches {shown}"


#: the largest feature magnitude the shared mode trains on: nobody sees the linear predictor there, so the
#: secure comparison's range (|z| < 2^15) is kept by refusing raw amounts before training (standardised
#: columns stay far below it: default-credit's heaviest tail reaches 73)
SHARED_FEATURE_LIMIT = 1000.0


def check_scaled(features: np.ndarray, names: tuple[str, ...], privacy: str) -> None:
    """In the shared mode, refuse a column past ``SHARED_FEATURE_LIMIT`` with its name and the fix."""
    if privacy == "shared" and features.size and float(np.abs(features).max()) > SHARED_FEATURE_LIMIT:
        raise DataError(f"{_largest_feature(features, names)}: add the scale component or standardise it")


def _predictor_out_of_range(features: np.ndarray, names: tuple[str, ...]) -> DataError | ProtocolError:
    """The linear predictor left the comparison's range: almost always unscaled features, not the rate."""
    if features.size and float(np.abs(features).max()) > 50.0:
        return DataError(
            f"the linear predictor left the secure comparison's range because "
            f"{_largest_feature(features, names)}: add the scale component or standardise it"
        )
    return ProtocolError(
        "the linear predictor left the secure comparison's range although the features are scaled: "
        "lower learning_rate or raise l2"
    )


def _batches(rows: int, batch_size: int, permutation: np.ndarray) -> list[np.ndarray]:
    """Full batches only: a partial last batch (down to one row) would show a host its residuals."""
    return [permutation[i : i + batch_size] for i in range(0, rows - batch_size + 1, batch_size)]


def _dealer_batch(tape: Tape, batch: np.ndarray, dims: list[int]) -> None:
    """The dealer's draws for one label-DP batch: :func:`_residual`, then :meth:`Ring.cross_products`."""
    dealer_residual(tape, len(batch))
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
    params = LRParams(**setup["params"])
    plan = _plan(params, dims, [int(b) for b in setup["bits"]])
    while True:
        order = channel.recv(guest, "sslr.epoch")
        if order.get("stop"):
            return
        permutation = _check_permutation(order.get("permutation"), rows)
        for batch in _batches(rows, batch_size, permutation):
            if plan is None:
                _dealer_batch(tape, batch, dims)
            else:
                shared.dealer_batch(tape, batch, dims, plan)
            for index, name in enumerate(parties):
                channel.send(name, "sslr.corr", {"values": tape.produced[index]})
                tape.produced[index] = []


def _plan(params: LRParams, dims: list[int], bits: list[int]) -> dict[str, Any] | None:
    """The shared mode's public shifts (None in the label-DP mode)."""
    if params.privacy != "shared":
        return None
    return shared.shifts(dims, bits, params.rate, params.batch_size, params.l2)


def _check_permutation(value: Any, rows: int) -> np.ndarray:
    permutation = np.asarray(value, dtype=np.int64)
    if permutation.shape != (rows,) or not np.array_equal(np.sort(permutation), np.arange(rows)):
        raise ProtocolError("the guest's batch order is not a permutation of the rows")
    return permutation


def _adam_step(
    weights: np.ndarray, gradient: np.ndarray, state: dict[str, Any], params: LRParams
) -> np.ndarray:
    state["t"] += 1
    state["m"] = 0.9 * state["m"] + 0.1 * gradient
    state["v"] = 0.999 * state["v"] + 0.001 * gradient**2
    m_hat = state["m"] / (1 - 0.9 ** state["t"])
    v_hat = state["v"] / (1 - 0.999 ** state["t"])
    updated = weights - params.rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    if params.l1:
        shrink = params.rate * params.l1
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
    check_scaled(data.features, data.feature_names, params.privacy)
    features = np.hstack([data.features, np.ones((data.rows, 1))])
    bits = feature_bits(features, params.batch_size, names=data.feature_names)
    seed = channel.recv(dealer, "sslr.seed")["seed"]
    channel.broadcast(hosts, "sslr.rows", {"rows": data.rows, "params": asdict(params)})
    reports = [_host_report(channel.recv(h, "sslr.dims"), h) for h in hosts]
    dims = [features.shape[1]] + [report["dims"] for report in reports]
    parties = [channel.party, *hosts]
    all_bits = [bits] + [report["bits"] for report in reports]
    plan = _plan(params, dims, all_bits)  # refuses a learning rate out of range before the setup goes out
    setup = {
        "parties": parties,
        "dims": dims,
        "bits": all_bits,
        "rows": data.rows,
        "batch_size": params.batch_size,
        "params": asdict(params),
    }
    channel.broadcast([*hosts, dealer], "sslr.setup", setup)
    ring = _ring(channel, parties, 0, seed, dims, data.rows)
    noise = _NoiseSource(reports, params, secrets.randbits(128) if noise_seed is None else noise_seed)
    labels = data.labels.astype(np.float64)
    weights, epochs_run = _train(
        ring, dealer, features, bits, labels, params, noise, plan, data.feature_names
    )
    return {
        "kind": "hetero-lr",
        "params": asdict(params),
        "epochs_run": epochs_run,
        "hosts": hosts,
        "weights": dict(zip(data.feature_names, weights[:-1].tolist(), strict=True)),
        "intercept": float(weights[-1]),
        "privacy": _privacy_summary(params, epochs_run, hosts, reports),
    }


def _privacy_summary(
    params: LRParams, epochs_run: int, hosts: list[str], reports: list[dict[str, Any]]
) -> dict[str, Any]:
    if params.privacy == "shared":
        return {
            "mechanism": "secret-shared weights and gradients; each party opens only its own final weights",
        }
    return {
        "mechanism": "label-DP Gaussian noise on each host's gradient",
        "noise_multiplier": params.noise_multiplier,
        "delta": params.delta,
        "epsilon_per_host": label_dp.epsilon(params.noise_multiplier, epochs_run, params.delta),
        "row_norm_bounds": {h: report["norm_bound"] for h, report in zip(hosts, reports, strict=True)},
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
    names = data.feature_names
    feature_bits(data.features, params.batch_size, names=names)  # refuses unencodable values first
    check_scaled(data.features, names, params.privacy)
    if params.privacy == "shared":  # no noise, no row-norm bound to report
        bound, bits = 1.0, feature_bits(data.features, params.batch_size, names=names)
    else:
        bound = label_dp.row_norm_bound(data.features)
        bits = feature_bits(data.features, params.batch_size, params.noise_multiplier * bound, names)
    report = {"dims": data.features.shape[1], "bits": bits, "norm_bound": bound}
    channel.send(guest, "sslr.dims", report)
    setup = channel.recv(guest, "sslr.setup")
    parties, dims = list(setup["parties"]), [int(d) for d in setup["dims"]]
    mine = parties.index(channel.party) if channel.party in parties[1:] else 0
    if not mine or dims[mine] != data.features.shape[1] or int(setup["bits"][mine]) != bits:
        raise ProtocolError("the guest's setup does not list this host with its feature count")
    index = parties.index(channel.party)
    ring = _ring(channel, parties, index, seed, dims, data.rows)
    plan = _plan(params, dims, [int(b) for b in setup["bits"]])
    weights, epochs_run = _train(ring, dealer, data.features, bits, None, params, None, plan, names)
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
    plan: dict[str, Any] | None = None,
    names: tuple[str, ...] = (),
) -> tuple[np.ndarray, int]:
    channel, guest = ring.channel, ring.parties[0]
    hosts = ring.parties[1:]
    rows, dims = features.shape
    encoded = encode(features, bits)
    ring.share_features(encoded)
    if plan is not None:
        return _train_shared(ring, dealer, encoded, labels, params, plan), params.epochs
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
                raise _predictor_out_of_range(features, names)
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


def _train_shared(
    ring: Ring,
    dealer: str,
    encoded: np.ndarray,
    labels: np.ndarray | None,
    params: LRParams,
    plan: dict[str, Any],
) -> np.ndarray:
    """Every epoch runs (nothing about the weights is opened to decide a stop): the guest sends all the
    batch orders first, then the stop the dealer and the hosts wait for."""
    channel, guest, rows = ring.channel, ring.parties[0], len(encoded)
    orders: list[np.ndarray] = []
    if ring.leader:
        shuffle = np.random.default_rng(params.seed)
        for _epoch in range(params.epochs):
            orders.append(shuffle.permutation(rows))
            channel.broadcast([*ring.parties[1:], dealer], "sslr.epoch", {"permutation": orders[-1]})
        channel.broadcast([*ring.parties[1:], dealer], "sslr.epoch", {"stop": True})
    else:
        while not (message := channel.recv(guest, "sslr.epoch")).get("stop"):
            orders.append(_check_permutation(message.get("permutation"), rows))
            if len(orders) > params.epochs:
                raise ProtocolError("the guest sent more epochs than its parameters say")
    batches = [_batches(rows, params.batch_size, order) for order in orders]
    return shared.train(ring, dealer, encoded, labels, plan, batches, _residual)


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
