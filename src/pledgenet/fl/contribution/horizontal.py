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
update and weight) and an ``evaluate`` function of a model; ``fedavg_logistic`` here is a plain numpy FedAvg
of logistic regression that records it (the project's secure-aggregation FedAvg reveals only the sum of the
updates to the aggregator; recording per-lender updates for GTG is a choice the lenders make, see
docs/contribution.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

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

Evaluate = Callable[[np.ndarray], int]


@dataclass
class RoundLog:
    """One FedAvg round as recorded: the global model before it, each lender's update and weight."""

    global_before: np.ndarray
    updates: list[np.ndarray]
    weights: list[float]


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -30, 30)))


def _with_bias(features: np.ndarray) -> np.ndarray:
    return np.hstack([features, np.ones((len(features), 1))])


def predict_logistic(model: np.ndarray, features: np.ndarray) -> np.ndarray:
    return _sigmoid(_with_bias(features) @ model)


def local_steps(
    model: np.ndarray, features: np.ndarray, labels: np.ndarray, epochs: int, rate: float
) -> np.ndarray:
    """A lender's local training: full-batch gradient steps of L2-regularised logistic regression."""
    rows = _with_bias(features)
    for _ in range(epochs):
        gradient = rows.T @ (_sigmoid(rows @ model) - labels) / len(labels) + 1e-4 * model
        model = model - rate * gradient
    return model


def fedavg_logistic(
    lenders: list[tuple[np.ndarray, np.ndarray]], *, rounds: int, epochs: int = 2, rate: float = 0.5
) -> tuple[np.ndarray, list[RoundLog]]:
    """FedAvg of logistic regression over ``lenders`` (features, labels); the final model and the rounds."""
    width = lenders[0][0].shape[1] + 1
    model = np.zeros(width)
    logs = []
    weights = [float(len(labels)) for _, labels in lenders]
    for _ in range(rounds):
        updates = [local_steps(model, x, y, epochs, rate) - model for x, y in lenders]
        logs.append(RoundLog(model.copy(), updates, weights))
        model = model + sum(w * u for w, u in zip(weights, updates, strict=True)) / sum(weights)
    return model, logs


@dataclass
class HorizontalGame:
    """A horizontal job: lenders' rows, the validation set, the federation's settings."""

    lenders: dict[str, tuple[np.ndarray, np.ndarray]]
    validation: tuple[np.ndarray, np.ndarray]
    rounds: int = 10
    epochs: int = 2
    rate: float = 0.5
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
        chosen = [data for i, data in enumerate(self.lenders.values()) if mask >> i & 1]
        return fedavg_logistic(chosen, rounds=self.rounds, epochs=self.epochs, rate=self.rate)

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


def label_skew_split(
    labels: np.ndarray, lenders: int, *, alpha: float = 0.5, seed: int = 0
) -> list[np.ndarray]:
    """A reproducible non-IID split of row indices among ``lenders``: each class is dealt out by shares drawn
    from a Dirichlet(``alpha``) (small ``alpha``: lenders of very different sizes and default rates)."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(lenders)]
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        shares = rng.dirichlet(np.full(lenders, alpha))
        cuts = (np.cumsum(shares)[:-1] * len(rows)).astype(int)
        for lender, chunk in enumerate(np.split(rows, cuts)):
            parts[lender].extend(int(i) for i in chunk)
    return [np.array(sorted(part), dtype=np.int64) for part in parts]
