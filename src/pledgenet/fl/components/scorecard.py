"""Job component ``scorecard``: the federated scorecard of the job's ``hetero_lr`` model.

Parameters ``base_score``, ``base_odds``, ``points_to_double_odds``, ``max_bins``. The ``hetero_lr``
component must come earlier in the job; when a ``binning`` component ran before it, each party uses its
optimal bins. Each party's model file holds its own points table. The guest's metrics: base points and
the AUC/KS of the scores on the test rows (fewer points = riskier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pledgenet.errors import ConfigError, DataError
from pledgenet.fl import metrics
from pledgenet.fl.binning import BinSpec
from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.scorecard.federated import score_guest, scorecard_guest, scorecard_host, serve_host_scores
from pledgenet.fl.scorecard.points import ScoreScale
from pledgenet.fl.spec import Job


@dataclass(frozen=True)
class ScorecardParams:
    base_score: float = 600.0
    base_odds: float = 1 / 50
    points_to_double_odds: float = 20.0
    max_bins: int = 10

    def __post_init__(self) -> None:
        self.scale()  # its own range checks
        if self.max_bins < 2:
            raise DataError("max_bins must be at least 2")

    def scale(self) -> ScoreScale:
        return ScoreScale(self.base_score, self.base_odds, self.points_to_double_odds)


def _own_bins(ctx: PartyContext) -> dict[str, BinSpec] | None:
    if "binning" not in ctx.job.components:
        return None
    saved = ctx.read_model("binning")
    return {name: BinSpec(np.asarray(edges, dtype=np.float64)) for name, edges in saved["edges"].items()}


def run(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    job, channel = ctx.job, ctx.channel
    if ctx.role == "coordinator":
        return {}
    model = ctx.read_model("hetero_lr")
    if ctx.role == "guest":
        settings = ScorecardParams(**params)
        card = scorecard_guest(
            channel, model, ctx.train, job.hosts, settings.scale(), settings.max_bins, _own_bins(ctx)
        )
        ctx.write_model(
            "scorecard", {"base_points": card.base_points, "table": card.table.to_dict("records")}
        )
        scores = score_guest(channel, card, ctx.test, job.hosts)
        labels = ctx.test.labels
        assert labels is not None
        risk = -scores  # fewer points = riskier
        return {
            "base_points": card.base_points,
            "auc": metrics.auc(labels, risk),
            "ks": metrics.ks(labels, risk),
        }
    host_card = scorecard_host(channel, model, ctx.train, job.guest, _own_bins(ctx))
    ctx.write_model("scorecard", {"table": host_card.table.to_dict("records")})
    serve_host_scores(channel, host_card, ctx.test, job.guest)
    return {}


def check(job: Job, params: dict[str, Any]) -> None:
    order = list(job.components)
    if "hetero_lr" not in order or order.index("hetero_lr") > order.index("scorecard"):
        raise ConfigError("scorecard needs a hetero_lr component before it in the job")
    if "binning" in order and order.index("binning") > order.index("scorecard"):
        raise ConfigError("put binning before scorecard so that the scorecard uses its bins")


register(Component("scorecard", run, ScorecardParams, check))
