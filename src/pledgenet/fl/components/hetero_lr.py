"""Job component ``hetero_lr``: hetero logistic regression with the coordinator as randomness dealer.

Parameters: :class:`~pledgenet.fl.hetero_lr.LRParams`. Needs exactly one party with role
``coordinator``. The guest returns the test metrics; every data party writes its own weights.
"""

from __future__ import annotations

from typing import Any

from pledgenet.errors import ConfigError
from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.hetero_lr import (
    LRParams,
    fit_lr_guest,
    fit_lr_host,
    predict_lr_guest,
    serve_dealer,
    serve_lr_host_prediction,
)
from pledgenet.fl.spec import Job


def run(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    job, channel = ctx.job, ctx.channel
    dealer = job.coordinator
    assert dealer is not None
    if ctx.role == "coordinator":
        serve_dealer(channel, job.guest, job.hosts)
    elif ctx.role == "guest":
        lr_model = fit_lr_guest(channel, ctx.train, job.hosts, dealer, LRParams(**params))
        ctx.write_model("hetero_lr", lr_model)
        train_scores = predict_lr_guest(channel, lr_model, ctx.train, job.hosts)
        return ctx.evaluate(predict_lr_guest(channel, lr_model, ctx.test, job.hosts), train_scores)
    else:
        lr_model = fit_lr_host(channel, ctx.train, job.guest, dealer)
        ctx.write_model("hetero_lr", lr_model)
        serve_lr_host_prediction(channel, lr_model, ctx.train, job.guest)
        serve_lr_host_prediction(channel, lr_model, ctx.test, job.guest)
    return {}


def check(job: Job, params: dict[str, Any]) -> None:
    roles = [spec.get("role") for spec in job.parties.values()]
    if roles.count("coordinator") != 1:
        raise ConfigError("hetero_lr needs one party with role coordinator (the randomness dealer)")


register(Component("hetero_lr", run, LRParams, check))
