"""Shapley values of a cooperative game given by a utility function on coalitions (bit masks of players).

Two estimators share one report shape (``ContributionReport``):

- ``exact_report``: the utility of all ``2**n`` coalitions, then the exact values (from the same integer
  table and the same rational arithmetic the ``contribution`` contract uses, so the chain agrees to the
  last digit). Affordable up to about 10 players when a coalition's model is cheap, 6 when it is not.
- ``monte_carlo_report``: truncated Monte Carlo Shapley (Ghorbani and Zou, 2019): random permutations of
  the players, each walked prefix by prefix; once a prefix's utility is within ``truncation_ppm`` of the
  grand coalition's, the rest of the walk is not evaluated (its marginals are zero). Values are mean
  marginals; the uncertainty is the standard error of each mean. Coalitions met twice are evaluated once.

A report's ``table`` is what the chain receives (the full table, or the walks), and its ``values`` are
derived from that table, never computed beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pledgenet.contracts.contribution import exact_shapley, permutation_shapley
from pledgenet.errors import ContributionError

#: the utility (ppm) of a coalition, given as a bit mask over the players' positions
Utility = Callable[[int], int]
MAX_EXACT_PLAYERS = 14


@dataclass
class ContributionReport:
    """The values of one measurement, their uncertainty and the table they come from."""

    players: list[str]
    metric: str
    estimator: str
    method: str
    values: dict[str, float]
    std_errors: dict[str, float]
    table: Any
    evaluations: int
    seconds: float
    notes: dict[str, Any] = field(default_factory=dict)

    def chain_args(self, job: str) -> dict[str, Any]:
        """The arguments of ``contribution.record`` for this report."""
        key = "utilities" if self.method == "exact" else "walks"
        return {
            "job": job,
            "players": self.players,
            "metric": self.metric,
            "method": self.method,
            "estimator": self.estimator,
            key: self.table,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "players": self.players,
            "metric": self.metric,
            "estimator": self.estimator,
            "method": self.method,
            "values_ppm": self.values,
            "std_errors_ppm": self.std_errors,
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 4),
            "table": self.table,
            **self.notes,
        }


def _check_players(players: list[str]) -> None:
    if not players or len(set(players)) != len(players):
        raise ContributionError("players must be a non-empty list of distinct names", code="bad_contribution")


def exact_report(
    players: list[str], utility: Utility, *, metric: str, estimator: str = "exact"
) -> ContributionReport:
    """Exact Shapley values: every coalition's utility, then the values from that table."""
    _check_players(players)
    if len(players) > MAX_EXACT_PLAYERS:
        raise ContributionError(
            f"exact Shapley of {len(players)} players needs {1 << len(players)} models; "
            "use the Monte Carlo estimator",
            code="bad_contribution",
        )
    started = time.perf_counter()
    table = [int(utility(mask)) for mask in range(1 << len(players))]
    values = exact_shapley(table, len(players))
    return ContributionReport(
        players=list(players),
        metric=metric,
        estimator=estimator,
        method="exact",
        values={p: float(v) for p, v in zip(players, values, strict=True)},
        std_errors=dict.fromkeys(players, 0.0),
        table=table,
        evaluations=len(table),
        seconds=time.perf_counter() - started,
    )


class CachedUtility:
    """A utility that evaluates each coalition once and counts the evaluations."""

    def __init__(self, utility: Utility) -> None:
        self._utility = utility
        self.known: dict[int, int] = {}

    def __call__(self, mask: int) -> int:
        if mask not in self.known:
            self.known[mask] = int(self._utility(mask))
        return self.known[mask]


def walk(order: list[int], utility: Utility, truncation_ppm: int) -> list[int]:
    """The prefix utilities of one permutation; after truncation the last utility repeats."""
    full = utility((1 << len(order)) - 1)
    utilities = [utility(0)]
    mask = 0
    for player in order:
        if abs(full - utilities[-1]) <= truncation_ppm:
            utilities.append(utilities[-1])
            continue
        mask |= 1 << player
        utilities.append(utility(mask))
    return utilities


def marginal_std_errors(walks: list[dict[str, Any]], players: int) -> list[float]:
    """Standard error of each player's summed per-group mean marginal (groups independent)."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for one in walks:
        groups.setdefault(one["group"], []).append(one)
    variance = np.zeros(players)
    for group in groups.values():
        marginals = np.zeros((len(group), players))
        for row, one in enumerate(group):
            for position, player in enumerate(one["order"]):
                marginals[row, player] = one["utilities"][position + 1] - one["utilities"][position]
        if len(group) > 1:
            variance += marginals.var(axis=0, ddof=1) / len(group)
    return [float(v) for v in np.sqrt(variance)]


def walks_report(
    players: list[str],
    walks: list[dict[str, Any]],
    *,
    metric: str,
    estimator: str,
    evaluations: int,
    seconds: float,
) -> ContributionReport:
    """A report of permutation walks: values from the walks exactly as the contract derives them."""
    values = permutation_shapley(walks, len(players))
    errors = marginal_std_errors(walks, len(players))
    return ContributionReport(
        players=list(players),
        metric=metric,
        estimator=estimator,
        method="permutation",
        values={p: float(v) for p, v in zip(players, values, strict=True)},
        std_errors=dict(zip(players, errors, strict=True)),
        table=walks,
        evaluations=evaluations,
        seconds=seconds,
    )


def monte_carlo_report(
    players: list[str],
    utility: Utility,
    *,
    metric: str,
    permutations: int,
    truncation_ppm: int = 0,
    seed: int = 0,
    estimator: str = "tmc",
) -> ContributionReport:
    """Truncated Monte Carlo Shapley over ``permutations`` random orders (seeded, reproducible)."""
    _check_players(players)
    if permutations < 2:
        raise ContributionError("Monte Carlo Shapley needs at least 2 permutations", code="bad_contribution")
    started = time.perf_counter()
    cached = CachedUtility(utility)
    rng = np.random.default_rng(seed)
    walks = []
    for _ in range(permutations):
        order = [int(i) for i in rng.permutation(len(players))]
        walks.append({"group": 0, "order": order, "utilities": walk(order, cached, truncation_ppm)})
    return walks_report(
        players,
        walks,
        metric=metric,
        estimator=estimator,
        evaluations=len(cached.known),
        seconds=time.perf_counter() - started,
    )
