"""Contribution in a vertical job: the players are the parties holding features of the same customers.

The guest's own features are one player, each host another. A coalition's utility is the quality of a
model trained on the coalition's features only, on the guest's held-out split.

**Training per coalition uses the centralized equivalent.** SecureBoost is lossless (the guest learns
the same trees a central XGBoost-style learner would from the same bins) and hetero logistic regression
fits the same model as a central one up to its Taylor approximation of the loss; so a coalition's model is
trained here as a plain logistic regression on the joined columns (``CentralLogistic``), which is what
makes the ``2**n`` models of exact Shapley affordable. The federated run of the full job is unchanged; this
module only measures, and whoever runs it holds every party's columns of the evaluation (in a live
alliance: the guest, after the parties agree to it, or an attested worker).

**The cheap alternative needs no retraining** (``reference_report``): the model trained on every party's
features is evaluated with the features of the parties outside a coalition set to reference values (their
training means), and the Shapley values are taken over those utilities. One model, ``2**n`` predictions.
It is reported beside the exact values: it tends to credit a party for what the full model puts on its
features, not for what the party would add to the others on its own.

Known weaknesses, tested: a party whose features are noise gets about zero (its coalitions score as they
would without it); a party that copies another's columns does not double the pair's share: the two are
symmetric players and split what the original brought. With the guest G, an original H and its copy C,
the pair gets H's two-party value plus ``((v(H) - v()) - (v(GH) - v(G))) / 6``: a little more when H's
columns are worth more alone than added to G's, a little less otherwise, far from double.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from pledgenet.errors import ContributionError
from pledgenet.fl.contribution.shapley import ContributionReport, exact_report, monte_carlo_report
from pledgenet.fl.contribution.utility import empty_utility_ppm, utility_ppm

Trainer = Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


def central_logistic(features: np.ndarray, labels: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The centralized equivalent of hetero logistic regression: a fitted model's probability function."""
    model = LogisticRegression(max_iter=300, C=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(features, labels)
    return lambda rows: model.predict_proba(rows)[:, 1]


@dataclass
class VerticalGame:
    """A vertical job's data as the measurement sees it: columns per party, train and held-out rows."""

    parties: dict[str, list[int]]
    train_features: np.ndarray
    train_labels: np.ndarray
    test_features: np.ndarray
    test_labels: np.ndarray
    metric: str = "auc"
    trainer: Trainer = central_logistic

    def __post_init__(self) -> None:
        columns = [c for block in self.parties.values() for c in block]
        width = self.train_features.shape[1]
        if not self.parties or any(not block for block in self.parties.values()):
            raise ContributionError("every party needs at least one column", code="bad_contribution")
        if sorted(columns) != sorted(set(columns)) or not all(0 <= c < width for c in columns):
            raise ContributionError("each column belongs to one party and exists", code="bad_contribution")
        if self.test_features.shape[1] != width:
            raise ContributionError("train and held-out rows need the same columns", code="bad_contribution")

    @property
    def players(self) -> list[str]:
        return list(self.parties)

    def columns(self, mask: int) -> list[int]:
        return [c for i, block in enumerate(self.parties.values()) if mask >> i & 1 for c in block]

    def retrained_utility(self, mask: int) -> int:
        """A model trained on the coalition's columns, scored on the held-out split (ppm)."""
        if mask == 0:
            return empty_utility_ppm(self.metric, self.test_labels)
        columns = self.columns(mask)
        predict = self.trainer(self.train_features[:, columns], self.train_labels)
        return utility_ppm(self.metric, self.test_labels, predict(self.test_features[:, columns]))

    def exact(self) -> ContributionReport:
        """Exact Shapley: one model per coalition."""
        return exact_report(self.players, self.retrained_utility, metric=self.metric)

    def monte_carlo(self, permutations: int, truncation_ppm: int = 0, seed: int = 0) -> ContributionReport:
        """Truncated Monte Carlo Shapley: models only for the coalitions the sampled walks meet."""
        return monte_carlo_report(
            self.players,
            self.retrained_utility,
            metric=self.metric,
            permutations=permutations,
            truncation_ppm=truncation_ppm,
            seed=seed,
        )

    def reference(self) -> ContributionReport:
        """No retraining: the full model with the absent parties' features at their training means."""
        everything = self.columns((1 << len(self.parties)) - 1)
        predict = self.trainer(self.train_features[:, everything], self.train_labels)
        means = self.train_features.mean(axis=0)

        def utility(mask: int) -> int:
            if mask == 0:
                return empty_utility_ppm(self.metric, self.test_labels)
            rows = self.test_features.copy()
            present = set(self.columns(mask))
            absent = [c for c in everything if c not in present]
            rows[:, absent] = means[absent]
            return utility_ppm(self.metric, self.test_labels, predict(rows[:, everything]))

        report = exact_report(self.players, utility, metric=self.metric, estimator="reference")
        report.notes["models_trained"] = 1
        return report


def split_columns(width: int, parties: list[str]) -> dict[str, list[int]]:
    """``width`` columns dealt to ``parties`` in contiguous blocks as even as they go ."""
    bounds = np.linspace(0, width, len(parties) + 1).round().astype(int)
    return {
        party: list(range(int(lo), int(hi)))
        for party, lo, hi in zip(parties, bounds, bounds[1:], strict=False)
    }
