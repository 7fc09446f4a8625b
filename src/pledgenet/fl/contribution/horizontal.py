"""Contribution in a horizontal job: the players are the lenders, each holding its own customers' rows.

A coalition's utility is the quality, on the validation set the job names, of the model FedAvg trains
from the coalition's lenders alone (``retrained_utility``: exact Shapley and truncated Monte Carlo train one
federation per coalition they evaluate).

**GTG-Shapley** (Liu et al., 2022, "GTG-Shapley: Efficient and Accurate Participant Contribution
Evaluation in Federated Learning") trains nothing more. From the recorded rounds (the global model before
round ``t`` and each lender's update in it) it *reconstructs* a coalition's model of round ``t`` as the global
model plus the coalition's size-weighted average update, and measures the round's Shapley values over those
reconstructions with permutation walks (each lender leads some walks: guided sampling; a walk stops once
its prefix is within ``truncation_ppm`` of the whole round: within-round truncation). A round that moved the
utility by less than ``round_truncation_ppm`` is skipped (between-round truncation). A lender's value is the
sum of its round values; the rounds' sums telescope to the federation's whole gain, as exact Shapley's do.

What GTG needs is the small interface ``RoundLog`` (per round: the global model before it, each lender's
update and weight) and an ``evaluate`` function of a model. ``fedavg_logistic`` here runs FedAvg of
logistic regression in process with the horizontal FedAvg's own model and local training
(``fl.horizontal.models.LogisticModel``, ``fl.horizontal.local.local_update``) and records those rounds;
the networked job's secure aggregation reveals only the sum of the updates to the aggregator, so recording
per-lender updates for GTG is a choice the lenders make (docs/contribution.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pledgenet.errors import ContributionError
from pledgenet.fl.contribution.shapley import (
    CachedUtility,
    ContributionReport,
    exact_report,
    monte_carlo_report,
    walk,
    walks_report,
)
from pledgenet.fl.contribution.utility import utility_ppm
from pledgenet.fl.horizontal.local import LocalParams, local_update
from pledgenet.fl.horizontal.models import LogisticModel

Evaluate = Callable[[np.ndarray], int]


@dataclass
class RoundLog:
    """One FedAvg round as recorded: the global model before it, each lender's update and weight."""

    global_before: np.ndarray
    updates: list[np.ndarray]
    weights: list[float]


def predict_logistic(model: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Probabilities of the logistic model ``[w..., b]`` (``fl.horizontal.models.LogisticModel``'s layout)."""
    return LogisticModel(features.shape[1]).predict(model, features)


def fedavg_logistic(
    lenders: list[tuple[np.ndarray, np.ndarray]],
    *,
    rounds: int,
    local: LocalParams,
    streams: list[int] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, list[RoundLog]]:
    """FedAvg of logistic regression over ``lenders`` (features, labels), each lender training as the
    horizontal FedAvg's lenders do (``fl.horizontal.local.local_update``: minibatch SGD from the global
    model) and the updates averaged by rows, as secure aggregation's sum does; the final model and the
    recorded rounds. ``streams`` names each lender's random stream (its position in the whole job), so a
    lender trains alike in every coalition."""
    model = LogisticModel(lenders[0][0].shape[1])
    params = model.init(np.random.default_rng(seed))
    names = streams if streams is not None else list(range(len(lenders)))
    weights = [float(len(labels)) for _, labels in lenders]
    logs = []
    for number in range(rounds):
        updates = [
            local_update(model, params, x, y, local, np.random.default_rng([seed, number, name]))
            for (x, y), name in zip(lenders, names, strict=True)
        ]
        logs.append(RoundLog(params.copy(), updates, weights))
        params = params + sum(w * u for w, u in zip(weights, updates, strict=True)) / sum(weights)
    return params, logs


@dataclass
class HorizontalGame:
    """A horizontal job: lenders' rows, the validation set, the federation's settings."""

    lenders: dict[str, tuple[np.ndarray, np.ndarray]]
    validation: tuple[np.ndarray, np.ndarray]
    rounds: int = 10
    local: LocalParams = field(default_factory=LocalParams)
    metric: str = "auc"

    def __post_init__(self) -> None:
        if not self.lenders:
            raise ContributionError("a horizontal job needs at least one lender", code="bad_contribution")

    @property
    def players(self) -> list[str]:
        return list(self.lenders)

    def evaluate(self, model: np.ndarray) -> int:
        features, labels = self.validation
        return utility_ppm(self.metric, labels, predict_logistic(model, features))

    def federation(self, mask: int) -> tuple[np.ndarray, list[RoundLog]]:
        members = [i for i in range(len(self.lenders)) if mask >> i & 1]
        data = list(self.lenders.values())
        return fedavg_logistic(
            [data[i] for i in members], rounds=self.rounds, local=self.local, streams=members
        )

    def retrained_utility(self, mask: int) -> int:
        """The coalition's own federation, trained from scratch and scored (the empty one: the zero model)."""
        if mask == 0:
            return self.evaluate(np.zeros(self.validation[0].shape[1] + 1))
        return self.evaluate(self.federation(mask)[0])

    def exact(self) -> ContributionReport:
        return exact_report(self.players, self.retrained_utility, metric=self.metric)

    def monte_carlo(self, permutations: int, truncation_ppm: int = 0, seed: int = 0) -> ContributionReport:
        return monte_carlo_report(
            self.players,
            self.retrained_utility,
            metric=self.metric,
            permutations=permutations,
            truncation_ppm=truncation_ppm,
            seed=seed,
        )

    def gtg(
        self, walks_per_round: int, truncation_ppm: int = 0, round_truncation_ppm: int = 0, seed: int = 0
    ) -> ContributionReport:
        """GTG-Shapley from the full federation's recorded rounds."""
        logs = self.federation((1 << len(self.lenders)) - 1)[1]
        return gtg_shapley(
            self.players,
            logs,
            self.evaluate,
            metric=self.metric,
            walks_per_round=walks_per_round,
            truncation_ppm=truncation_ppm,
            round_truncation_ppm=round_truncation_ppm,
            seed=seed,
        )


def reconstruct(log: RoundLog, mask: int) -> np.ndarray:
    """Round ``t``'s model of a coalition: the global model plus its members' size-weighted mean update."""
    members = [i for i in range(len(log.updates)) if mask >> i & 1]
    if not members:
        return log.global_before
    total = sum(log.weights[i] for i in members)
    return log.global_before + sum(log.weights[i] * log.updates[i] for i in members) / total


def gtg_shapley(
    players: list[str],
    logs: list[RoundLog],
    evaluate: Evaluate,
    *,
    metric: str,
    walks_per_round: int,
    truncation_ppm: int = 0,
    round_truncation_ppm: int = 0,
    seed: int = 0,
) -> ContributionReport:
    """GTG-Shapley: per round, guided and truncated permutation walks over reconstructed models."""
    if not logs or any(len(log.updates) != len(players) for log in logs):
        raise ContributionError("every recorded round needs one update per player", code="bad_contribution")
    if walks_per_round < 1:
        raise ContributionError("GTG-Shapley needs at least one walk per round", code="bad_contribution")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    count = len(players)
    walks = []
    evaluations = 0
    skipped = 0
    for number, log in enumerate(logs):
        utility = CachedUtility(lambda mask, log=log: evaluate(reconstruct(log, mask)))  # type: ignore[misc]
        if abs(utility((1 << count) - 1) - utility(0)) <= round_truncation_ppm:
            skipped += 1
            evaluations += len(utility.known)
            continue
        for index in range(walks_per_round):
            lead = index % count
            rest = [int(i) for i in rng.permutation([i for i in range(count) if i != lead])]
            order = [lead, *rest]
            walks.append({"group": number, "order": order, "utilities": walk(order, utility, truncation_ppm)})
        evaluations += len(utility.known)
    if not walks:
        raise ContributionError(
            "every round was below the round truncation: nothing to measure", code="bad_contribution"
        )
    report = walks_report(
        players,
        walks,
        metric=metric,
        estimator="gtg",
        evaluations=evaluations,
        seconds=time.perf_counter() - started,
    )
    report.notes["rounds_skipped"] = skipped
    return report
