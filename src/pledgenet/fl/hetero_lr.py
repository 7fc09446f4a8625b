"""Hetero logistic regression by additive secret sharing (2 data parties + a correlated-randomness dealer).

Why secret sharing and not Paillier: one mini-batch of 1,024 rows would cost ~1,000 Paillier encryptions
and ~10,000 ciphertext-scalar exponentiations at 2048 bits (seconds); in the ring Z_2^64 it costs a few
numpy products. The construction is SecureML's (Mohassel & Zhang 2017) with a trusted dealer, the setting
SecretFlow's SS-LR runs in (SPU semi2k with a trusted beaver provider):

* the guest (labels, features X_G plus an intercept column) and the host (features X_H) each keep their
  own weights; the linear predictor z = X_G w_G + X_H w_H is additively shared for free (each holds its part);
* σ(z) ≈ 0.5 + z/4 (first-order Taylor, SecretFlow SS-LR's default ``t1``) is linear, so
  d = σ(z) − y is computed on shares locally (a cubic approximation was tried and diverges on this data:
  |z| grows past the range where a cubic follows σ); d stays shared;
* the cross gradients X_Hᵀ d_guest and X_Gᵀ d_host use matrix Beaver triples: each side sends its matrix
  and vector masked by dealer randomness (uniform in Z_2^64, so they reveal nothing);
* each party reconstructs only its own gradient and updates its own weights (Adam, L2/L1).

The dealer (role ``coordinator``) never sees data: it expands each party's PRG seed, computes the
products that make the triples consistent and sends only those corrections. What each party learns is in
docs/protocols.md; if the dealer colludes with a party, that party learns the other's masked inputs.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pledgenet.crypto.prg import Prg
from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.channel import Channel
from pledgenet.fl.data import PartyData

FRACTION_BITS = 20
SCALE = float(1 << FRACTION_BITS)
SIGMOID_SLOPE = 0.25  # first-order Taylor expansion of σ at 0
_LABEL = b"pledgenet-sslr-v1"


@dataclass(frozen=True)
class LRParams:
    epochs: int = 10
    batch_size: int = 1024
    learning_rate: float = 0.01
    l2: float = 0.0
    l1: float = 0.0
    tolerance: float = 1e-4
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 8 or self.learning_rate <= 0 or self.l1 < 0 or self.l2 < 0:
            raise DataError("epochs >= 1, batch_size >= 8, learning_rate > 0, l1 and l2 >= 0")


def encode(values: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=np.float64) * SCALE).astype(np.int64).view(np.uint64)


def decode(values: np.ndarray, fraction_bits: int = FRACTION_BITS) -> np.ndarray:
    return values.view(np.int64).astype(np.float64) / float(1 << fraction_bits)


def truncate(share: np.ndarray, party: int) -> np.ndarray:
    """SecureML local truncation of a 2F-bit share back to F fraction bits (party 0 or 1)."""
    if party == 0:
        return (share.view(np.int64) >> FRACTION_BITS).view(np.uint64)
    return (-((-share.view(np.int64)) >> FRACTION_BITS)).view(np.uint64)


def _draw_guest(prg: Prg, rows: int, d_guest: int, d_host: int) -> dict[str, np.ndarray]:
    return {
        "vec": prg.uint64(rows), "cross_share": prg.uint64(d_host),
        "mat": prg.uint64(rows * d_guest).reshape(rows, d_guest),
    }  # fmt: skip


def _draw_host(prg: Prg, rows: int, d_guest: int, d_host: int) -> dict[str, np.ndarray]:
    return {
        "mat": prg.uint64(rows * d_host).reshape(rows, d_host), "vec": prg.uint64(rows),
        "cross_share": prg.uint64(d_guest),
    }  # fmt: skip


def _batches(rows: int, batch_size: int, permutation: np.ndarray) -> list[np.ndarray]:
    return [permutation[i : i + batch_size] for i in range(0, rows, batch_size)]


def serve_dealer(channel: Channel, guest: str, host: str) -> None:
    """The coordinator: hand out seeds, then per epoch the triple corrections; never sees any data."""
    guest_seed, host_seed = secrets.token_bytes(32), secrets.token_bytes(32)
    channel.send(guest, "sslr.seed", {"seed": guest_seed})
    channel.send(host, "sslr.seed", {"seed": host_seed})
    shape = channel.recv(guest, "sslr.shape")
    rows, batch_size, d_guest = int(shape["rows"]), int(shape["batch_size"]), int(shape["d_guest"])
    d_host = int(channel.recv(host, "sslr.shape")["d_host"])
    guest_prg, host_prg = Prg(guest_seed, _LABEL), Prg(host_seed, _LABEL)
    while True:
        order = channel.recv(guest, "sslr.epoch")
        if order.get("stop"):
            return
        to_host, to_guest = [], []
        for size in [len(b) for b in _batches(rows, batch_size, np.arange(rows))]:
            g = _draw_guest(guest_prg, size, d_guest, d_host)
            h = _draw_host(host_prg, size, d_guest, d_host)
            host_cross = h["mat"].T @ g["vec"] - g["cross_share"]
            guest_cross = g["mat"].T @ h["vec"] - h["cross_share"]
            to_host.append({"cross_share": host_cross})
            to_guest.append({"cross_share": guest_cross})
        channel.send(host, "sslr.triples", {"batches": to_host})
        channel.send(guest, "sslr.triples", {"batches": to_guest})


class _Party:
    """One data party's side of the shared computation (party 0 = guest, 1 = host)."""

    def __init__(self, channel: Channel, peer: str, index: int) -> None:
        self.channel, self.peer, self.index = channel, peer, index

    def exchange(self, tag: str, payload: Any) -> Any:
        """Send then receive (both parties send first: the transports buffer)."""
        self.channel.send(self.peer, tag, payload)
        return self.channel.recv(self.peer, tag)

    def residual(self, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        """This party's share of d = σ(z) − y with σ(z) ≈ 0.5 + z/4 (labels only on the guest)."""
        share = truncate(encode(np.array(SIGMOID_SLOPE))[()] * z, self.index)
        if labels is not None:
            share = share + encode(np.full(len(z), 0.5)) - encode(labels)
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


def _local_gradient(
    party: _Party, features: np.ndarray, d: np.ndarray, r: dict[str, np.ndarray], cross: np.ndarray
) -> np.ndarray:
    """This party's gradient X^T d (ring, 2F fraction bits) from shares; returns floats."""
    mine = encode(features)
    theirs = party.exchange("sslr.mask", {"mat": mine - r["mat"], "vec": d - r["vec"]})
    # share of (their X)^T (my d): their masked matrix times my vector mask, plus my triple share
    share_for_them = theirs["mat"].T @ r["vec"] + r["cross_share_theirs"]
    share_from_them = party.exchange("sslr.cross", {"share": share_for_them})["share"]
    own = mine.T @ d + mine.T @ theirs["vec"] + cross + share_from_them
    return decode(own, 2 * FRACTION_BITS)


def fit_lr_guest(
    channel: Channel, data: PartyData, host: str, dealer: str, params: LRParams
) -> dict[str, Any]:
    """Train as the guest; returns the guest's model part (its weights and the intercept)."""
    if data.labels is None:
        raise DataError("the guest needs labels")
    features = np.hstack([data.features, np.ones((data.rows, 1))])
    return _fit(
        channel, features, data.labels.astype(np.float64), host, dealer, params, 0, data.feature_names
    )


def fit_lr_host(channel: Channel, data: PartyData, guest: str, dealer: str) -> dict[str, Any]:
    """Train as the host (the guest sends the parameters); returns the host's part (its weights only)."""
    return _fit(channel, data.features, None, guest, dealer, LRParams(), 1, data.feature_names)


def _fit(
    channel: Channel,
    features: np.ndarray,
    labels: np.ndarray | None,
    peer: str,
    dealer: str,
    params: LRParams,
    index: int,
    names: tuple[str, ...],
) -> dict[str, Any]:
    party = _Party(channel, peer, index)
    seed = channel.recv(dealer, "sslr.seed")["seed"]
    prg = Prg(seed, _LABEL)
    rows, dims = features.shape
    if index == 0:
        channel.send(dealer, "sslr.shape", {"rows": rows, "batch_size": params.batch_size, "d_guest": dims})
        their_dims = int(party.exchange("sslr.dims", {"dims": dims})["dims"])
    else:
        channel.send(dealer, "sslr.shape", {"d_host": dims})
        their_dims = int(party.exchange("sslr.dims", {"dims": dims})["dims"])
        agreed = party.channel.recv(peer, "sslr.rows")
        if int(agreed["rows"]) != rows:
            raise ProtocolError("guest and host hold different numbers of aligned rows")
        params = LRParams(**agreed["params"])  # the guest's parameters govern the job
    if index == 0:
        channel.send(peer, "sslr.rows", {"rows": rows, "params": asdict(params)})
    d_guest, d_host = (dims, their_dims) if index == 0 else (their_dims, dims)
    weights = np.zeros(dims)
    state: dict[str, Any] = {"t": 0, "m": np.zeros(dims), "v": np.zeros(dims), "intercept": index == 0}
    shuffle = np.random.default_rng(params.seed)
    epochs_run = 0
    for _epoch in range(params.epochs):
        if index == 0:
            permutation = shuffle.permutation(rows)
            channel.send(dealer, "sslr.epoch", {"stop": False})
            channel.send(peer, "sslr.epoch", {"permutation": permutation})
        else:
            message = channel.recv(peer, "sslr.epoch")
            if message.get("stop"):
                break
            permutation = np.asarray(message["permutation"], dtype=np.int64)
        triples = channel.recv(dealer, "sslr.triples")["batches"]
        before = weights.copy()
        for batch, extra in zip(_batches(rows, params.batch_size, permutation), triples, strict=True):
            draw = _draw_guest if index == 0 else _draw_host
            r = draw(prg, len(batch), d_guest, d_host)
            # my share of (the other's matrix mask)^T (my vector mask) is drawn; the dealer sends my share
            # of (my matrix mask)^T (the other's vector mask)
            r["cross_share_theirs"], own_cross = r["cross_share"], extra["cross_share"]
            x = features[batch]
            z = encode(x @ weights)
            d = party.residual(z, labels[batch] if labels is not None else None)
            gradient = _local_gradient(party, x, d, r, own_cross) / len(batch)
            if params.l2:
                penalty = params.l2 * weights
                if index == 0:
                    penalty[-1] = 0.0
                gradient = gradient + penalty
            weights = _adam_step(weights, gradient, state, params)
        epochs_run += 1
        change = float(np.sum((weights - before) ** 2))
        if index == 0:
            host_change = float(party.channel.recv(peer, "sslr.change")["change"])
            stop = (change + host_change) ** 0.5 < params.tolerance
            if stop:
                channel.send(peer, "sslr.epoch", {"stop": True})
                break
        else:
            party.channel.send(peer, "sslr.change", {"change": change})
    if index == 0:
        channel.send(dealer, "sslr.epoch", {"stop": True})
    result: dict[str, Any] = {"kind": "hetero-lr", "params": asdict(params), "epochs_run": epochs_run}
    if index == 0:
        result.update(
            weights=dict(zip(names, weights[:-1].tolist(), strict=True)), intercept=float(weights[-1])
        )
    else:
        result.update(weights=dict(zip(names, weights.tolist(), strict=True)))
    return result


def predict_lr_guest(channel: Channel, model: dict[str, Any], data: PartyData, host: str) -> np.ndarray:
    """Scores of every aligned row: the host sends its partial predictor X_H·w_H (see docs for why)."""
    weights = np.array([model["weights"][n] for n in data.feature_names])
    channel.send(host, "sslr.predict", {"rows": data.rows})
    partial = np.asarray(channel.recv(host, "sslr.partial")["partial"], dtype=np.float64)
    if len(partial) != data.rows:
        raise ProtocolError("host partial scores have the wrong length")
    return 1.0 / (1.0 + np.exp(-(data.features @ weights + model["intercept"] + partial)))


def serve_lr_host_prediction(channel: Channel, model: dict[str, Any], data: PartyData, guest: str) -> None:
    request = channel.recv(guest, "sslr.predict")
    if int(request["rows"]) != data.rows:
        raise ProtocolError("guest and host hold different numbers of rows to score")
    weights = np.array([model["weights"][n] for n in data.feature_names])
    channel.send(guest, "sslr.partial", {"partial": data.features @ weights})
