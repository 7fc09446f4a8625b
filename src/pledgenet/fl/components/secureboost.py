"""Job component ``secureboost``: SecureBoost training, the guest's evaluation and the model files.

Parameters: :class:`~pledgenet.fl.secureboost.tree.BoostParams`. The guest trains, scores its train and
test rows with the hosts' help and returns the test metrics; each host writes its own model part.
"""

from __future__ import annotations

from typing import Any

from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.secureboost.predict import predict_guest, serve_host_prediction
from pledgenet.fl.secureboost.training import fit_guest, fit_host
from pledgenet.fl.secureboost.tree import BoostParams


def run(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    boost = BoostParams(**params)
    job, channel = ctx.job, ctx.channel
    if ctx.role == "guest":
        done = [0]

        def tick() -> None:
            done[0] += 1
            ctx.progress("secureboost", done[0] / boost.n_trees)

        model = fit_guest(channel, ctx.train, job.hosts, boost, progress=tick)
        ctx.write_model("secureboost", model.to_dict())
        train_scores = predict_guest(channel, model, ctx.train)
        return ctx.evaluate(predict_guest(channel, model, ctx.test), train_scores)
    if ctx.role == "host":
        host_model = fit_host(channel, ctx.train, job.guest, params=boost)
        ctx.write_model("secureboost", host_model.to_dict())
        serve_host_prediction(channel, host_model, ctx.train, job.guest)
        serve_host_prediction(channel, host_model, ctx.test, job.guest)
    return {}


register(Component("secureboost", run, BoostParams))
