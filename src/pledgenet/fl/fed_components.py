"""Job components ``binning`` and ``scorecard`` for the YAML runner (:mod:`pledgenet.fl.job`).

``binning`` (parameters of :class:`~pledgenet.fl.fed_binning.BinningParams`): federated WOE/IV and
IV-based selection on the training rows; the guest's metrics get every feature's IV (host features as
"<host>#<slot>") and the selection; each party's model file holds its own cut points.

``scorecard`` (``base_score``, ``base_odds``, ``points_to_double_odds``, ``max_bins``): the federated
scorecard of the job's ``hetero_lr`` model (which must come earlier in the job), on each party's optimal
bins when a ``binning`` component ran before it; each party's model file holds its own points table. The
guest's metrics: base points and the AUC/KS of the scores on the test rows (fewer points = riskier).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from pledgenet.errors import ConfigError
from pledgenet.fl import metrics
from pledgenet.fl.binning import BinSpec
from pledgenet.fl.fed_binning import BinningParams, bin_guest, bin_host
from pledgenet.fl.fed_scorecard import score_guest, scorecard_guest, scorecard_host, serve_host_scores
from pledgenet.fl.job import Component, Job, PartyContext, register
from pledgenet.fl.scorecard import ScoreScale

_SCALE_KEYS = ("base_score", "base_odds", "points_to_double_odds")


def _run_binning(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    job, channel = ctx.job, ctx.channel
    if ctx.role == "guest":
        result = bin_guest(channel, ctx.train, job.hosts, BinningParams(**params))
        own = {name: spec.edges.tolist() for name, spec in result.specs.items()}
        ctx.write_model("binning", {"edges": own, "iv": result.iv_table(), "selected": result.selected})
        return {"iv": result.iv_table(), "selected": result.selected}
    if ctx.role == "host":
        binned = bin_host(channel, ctx.train, job.guest)
        edges = {name: spec.edges.tolist() for name, spec in binned.specs.items()}
        ctx.write_model("binning", {"edges": edges, "iv": binned.iv, "selected": binned.selected})
    return {}


def _own_bins(ctx: PartyContext) -> dict[str, BinSpec] | None:
    if "binning" not in ctx.job.components:
        return None
    saved = json.loads((ctx.job.output / f"{ctx.party}.binning.model.json").read_text())
    return {name: BinSpec(np.asarray(edges, dtype=np.float64)) for name, edges in saved["edges"].items()}


def _run_scorecard(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    job, channel = ctx.job, ctx.channel
    if ctx.role == "coordinator":
        return {}
    model = json.loads((job.output / f"{ctx.party}.hetero_lr.model.json").read_text())
    if ctx.role == "guest":
        scale = ScoreScale(**{k: float(params[k]) for k in _SCALE_KEYS if k in params})
        card = scorecard_guest(
            channel, model, ctx.train, job.hosts, scale, int(params.get("max_bins", 10)), _own_bins(ctx)
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


def _check_binning(job: Job, params: dict[str, Any]) -> None:
    BinningParams(**params)


def _check_scorecard(job: Job, params: dict[str, Any]) -> None:
    order = list(job.components)
    if "hetero_lr" not in order or order.index("hetero_lr") > order.index("scorecard"):
        raise ConfigError("scorecard needs a hetero_lr component before it in the job")
    if "binning" in order and order.index("binning") > order.index("scorecard"):
        raise ConfigError("put binning before scorecard so that the scorecard uses its bins")
    unknown = set(params) - {*_SCALE_KEYS, "max_bins"}
    if unknown:
        raise ConfigError(f"unknown scorecard parameters {sorted(unknown)}")
    ScoreScale(**{k: float(params[k]) for k in _SCALE_KEYS if k in params})


register(Component("binning", _run_binning, _check_binning))
register(Component("scorecard", _run_scorecard, _check_scorecard))
