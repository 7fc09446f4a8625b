"""Federated averaging between lenders and an aggregator, over the channel, with secure aggregation.

Each round the aggregator sends the global parameters to every lender (``hfl.round``); each lender trains
locally (FedAvg or FedProx, and its Ditto personal model), clips its update, encodes it into the ring and
takes part in one secure-aggregation round (:mod:`pledgenet.crypto.secagg`); the aggregator unmasks only
the sum, decodes it (refusing a sum outside the declared bounds) and moves the global model. Without DP
the average is weighted by rows: a lender contributes ``update * rows / max_rows`` and ``rows / max_rows``
in one vector, so the aggregator learns the total rows of the survivors, not each lender's. With DP
(:mod:`pledgenet.fl.horizontal.dp`) each lender clips to L2 norm ``clip``, adds its Skellam share, and the
average is unweighted. ``secure: false`` sends updates in the clear: the baseline of the benchmark only.

At the end (``final``) each lender reports its own test-split metrics for the global model, its Ditto
model and a locally fine-tuned copy: aggregate figures, no rows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pledgenet.crypto.secagg import RingEncoding, SecAggParams, clip_l2, clip_values, contribute, secure_sum
from pledgenet.errors import ConfigError, ProtocolError
from pledgenet.fl import metrics
from pledgenet.fl.data import PartyData
from pledgenet.fl.horizontal.dp import DpPlan, plan_dp
from pledgenet.fl.horizontal.lenders import LenderData
from pledgenet.fl.horizontal.local import LocalParams, ditto_step, local_sgd, local_update
from pledgenet.fl.horizontal.models import Model

ROUND_TAG, UPDATE_TAG, METRICS_TAG = "hfl.round", "hfl.update", "hfl.metrics"


@dataclass(frozen=True)
class FedParams:
    rounds: int = 20
    local: LocalParams = field(default_factory=LocalParams)
    secure: bool = True
    threshold: int | None = None
    """Lenders that must survive each round (default: two thirds, at least a majority)."""
    degree: int | None = None
    """SecAgg+ graph degree (``None``: the complete graph)."""
    update_bound: float = 4.0
    max_rows: int = 2**20
    scale: float = 2.0**36
    server_learning_rate: float = 1.0
    dp_epsilon: float | None = None
    dp_delta: float = 1e-5
    dp_clip: float = 1.0
    ditto_lambda: float = 0.1
    finetune_epochs: int = 1
    deadline_s: float = 600.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rounds < 1 or self.update_bound <= 0 or self.max_rows < 1 or self.server_learning_rate <= 0:
            raise ConfigError("rounds, update_bound, max_rows and server_learning_rate must be positive")
        if self.dp_epsilon is not None and not self.secure:
            raise ConfigError("client-level DP here needs secure aggregation (secure: true)")

    def threshold_for(self, lenders: int) -> int:
        if self.threshold is not None:
            return self.threshold
        group = lenders if self.degree is None else self.degree + 1
        return max(group // 2 + 1, math.ceil(2 * group / 3))

    def dp_plan(self, dimension: int, lenders: int) -> DpPlan | None:
        if self.dp_epsilon is None:
            return None
        scale = 2.0**16 / self.dp_clip
        return plan_dp(
            epsilon=self.dp_epsilon, delta=self.dp_delta, rounds=self.rounds, clip=self.dp_clip,
            scale=scale, dimension=dimension, threshold=self.threshold_for(lenders),
        )  # fmt: skip

    def encoding(self, dp: DpPlan | None, lenders: int) -> RingEncoding:
        if dp is None:
            return RingEncoding(bound=self.update_bound, parties=lenders, scale=self.scale)
        return RingEncoding(
            bound=dp.clip, parties=lenders, scale=dp.scale, noise_bound=dp.noise_bound(lenders)
        )


Dropouts = dict[int, dict[str, int]]
"""Simulated dropouts: round -> {lender: secure-aggregation stage it leaves before (0 to 3)}."""


def _round_params(job: str, round_no: int, lenders: list[str], length: int, fed: FedParams) -> SecAggParams:
    return SecAggParams(
        tuple(lenders), threshold=fed.threshold_for(len(lenders)), length=length,
        context=f"{job}|fedavg|round-{round_no}".encode(), degree=fed.degree,
    )  # fmt: skip


def serve_fedavg(
    channel: Any,
    lenders: list[str],
    model: Model,
    fed: FedParams,
    *,
    job: str = "job",
    evaluation: PartyData | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The aggregator's loop; returns the final parameters, the curves and every lender's metrics."""
    rng = np.random.default_rng(fed.seed)
    weights = model.init(rng)
    dp = fed.dp_plan(model.size, len(lenders))
    length = model.size if dp else model.size + 1
    encoding = fed.encoding(dp, len(lenders))
    curve: list[dict[str, float]] = []
    round_seconds: list[float] = []
    survivors_per_round: list[int] = []
    for round_no in range(fed.rounds):
        start = time.perf_counter()
        for lender in lenders:
            channel.send(lender, ROUND_TAG, {"round": round_no, "params": weights, "final": False})
        if fed.secure:
            outcome = secure_sum(
                channel, _round_params(job, round_no, lenders, length, fed), deadline_s=fed.deadline_s
            )
            summed = encoding.decode_sum(outcome.total, len(outcome.survivors))
            count = len(outcome.survivors)
        else:
            summed, count = _plain_sum(channel, lenders, length)
        if dp is not None:
            step = summed / count
        else:
            if summed[-1] <= 0:
                raise ProtocolError("the aggregate row weight is not positive: a contribution was malformed")
            step = summed[:-1] / summed[-1]
        weights = weights + fed.server_learning_rate * step
        round_seconds.append(time.perf_counter() - start)
        survivors_per_round.append(count)
        if evaluation is not None:
            assert evaluation.labels is not None
            scores = model.predict(weights, evaluation.features)
            curve.append({"round": round_no + 1, "auc": metrics.auc(evaluation.labels, scores)})
        if progress is not None:
            progress(round_no + 1)
    for lender in lenders:
        channel.send(lender, ROUND_TAG, {"round": fed.rounds, "params": weights, "final": True})
    per_lender = {lender: _check_metrics(lender, channel.recv(lender, METRICS_TAG)) for lender in lenders}
    return {
        "params": weights,
        "curve": curve,
        "round_seconds": round_seconds,
        "survivors": survivors_per_round,
        "lenders": per_lender,
        "privacy": dp.summary(fed.rounds) if dp else None,
    }


def _plain_sum(channel: Any, lenders: list[str], length: int) -> tuple[np.ndarray, int]:
    total = np.zeros(length)
    for lender in lenders:
        update = channel.recv(lender, UPDATE_TAG)
        if not isinstance(update, np.ndarray) or update.shape != (length,) or not np.all(np.isfinite(update)):
            raise ProtocolError(f"{lender} sent a malformed update")
        total += update
    return total, len(lenders)


def _check_metrics(lender: str, report: Any) -> dict[str, float]:
    if not isinstance(report, dict) or not all(isinstance(v, int | float) for v in report.values()):
        raise ProtocolError(f"{lender} sent malformed metrics")
    return {str(k): float(v) for k, v in report.items()}


def join_fedavg(
    channel: Any,
    aggregator: str,
    lenders: list[str],
    data: LenderData,
    model: Model,
    fed: FedParams,
    *,
    job: str = "job",
    dropouts: Dropouts | None = None,
) -> dict[str, float]:
    """A lender's loop: train each round, contribute through secure aggregation, report metrics at the end."""
    rng = np.random.default_rng([fed.seed, sum(data.name.encode())])
    features, labels = data.train.features, data.train.labels.astype(np.float64)  # type: ignore[union-attr]
    dp = fed.dp_plan(model.size, len(lenders))
    encoding = fed.encoding(dp, len(lenders))
    length = model.size if dp else model.size + 1
    personal: np.ndarray | None = None
    while True:
        message = channel.recv(aggregator, ROUND_TAG)
        weights = np.asarray(message.get("params") if isinstance(message, dict) else None)
        if weights.shape != (model.size,) or weights.dtype != np.float64 or not np.all(np.isfinite(weights)):
            raise ProtocolError("the aggregator sent malformed parameters")
        if message["final"]:
            report = _lender_metrics(model, weights, personal, data, fed, rng)
            channel.send(aggregator, METRICS_TAG, report)
            return report
        personal = weights.copy() if personal is None else personal
        round_no = int(message["round"])

        def contribution(global_weights: np.ndarray = weights) -> np.ndarray:
            update = local_update(model, global_weights, features, labels, fed.local, rng)
            if dp is not None:
                units = np.rint(clip_l2(update, dp.clip) * dp.scale).astype(np.int64)
                return encoding.to_ring(units + dp.client_noise())
            share = data.train.rows / fed.max_rows
            return encoding.encode(np.append(clip_values(update, fed.update_bound) * share, share))

        if fed.secure:
            leave_at = (dropouts or {}).get(round_no, {}).get(data.name)
            params = _round_params(job, round_no, lenders, length, fed)
            contribute(channel, aggregator, params, contribution, leave_at=leave_at)
        else:
            update = local_update(model, weights, features, labels, fed.local, rng)
            share = data.train.rows / fed.max_rows
            channel.send(
                aggregator, UPDATE_TAG, np.append(clip_values(update, fed.update_bound) * share, share)
            )
        personal = ditto_step(model, personal, weights, features, labels, fed.local, rng, fed.ditto_lambda)


def _lender_metrics(
    model: Model,
    weights: np.ndarray,
    personal: np.ndarray | None,
    data: LenderData,
    fed: FedParams,
    rng: np.random.Generator,
) -> dict[str, float]:
    test_labels = data.test.labels
    assert test_labels is not None and data.train.labels is not None
    tuned_params = LocalParams(**{**fed.local.__dict__, "epochs": fed.finetune_epochs, "prox_mu": 0.0})
    tuned = local_sgd(
        model, weights, data.train.features, data.train.labels.astype(np.float64), tuned_params, rng
    )
    report = {  # AUCs only: row counts would tell the aggregator each lender's size
        "global_auc": metrics.auc(test_labels, model.predict(weights, data.test.features)),
        "finetune_auc": metrics.auc(test_labels, model.predict(tuned, data.test.features)),
    }
    if personal is not None:
        report["ditto_auc"] = metrics.auc(test_labels, model.predict(personal, data.test.features))
    return report
