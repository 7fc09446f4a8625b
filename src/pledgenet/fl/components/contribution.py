"""Job component ``contribution``: the job's data-contribution measurement (Shapley values), as a job step.

Parameters: :class:`ContributionParams` (``method``: exact | monte_carlo | reference; ``metric``: auc | ks |
logloss; ``permutations`` and ``seed`` for monte_carlo). The players are the job's data parties: the guest's
own features and each host, named by their ``org`` (else the party name), so the report can be recorded on
chain as it is.

**It needs every party's columns in one place.** A coalition's model is the centralized stand-in of
:mod:`pledgenet.fl.contribution.vertical` (a plain logistic regression on the coalition's joined columns),
trained on the job's aligned train split and scored on the guest's held-out split. So each host hands its
aligned train and test columns to the guest. That is only acceptable when one machine already holds every
party's data: the component runs only in a simulated job (``pledgenet fl run JOB --simulate``, the in-memory
channel) and refuses a networked job with ``ConfigError`` before any party connects
(:data:`Component.simulated_only`), and again at run time on any other channel.

The guest writes ``contribution.json`` in the job's output (the report as
:meth:`~pledgenet.fl.contribution.shapley.ContributionReport.as_dict` gives it: what
``pledgenet contribution record --report`` reads) and returns the values, their standard errors and the
utility table for ``metrics.json`` and the HTML report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pledgenet.contracts.contribution import MAX_EXACT_PARAM
from pledgenet.contracts.contribution import contract as contribution_contract
from pledgenet.errors import ConfigError, DataError
from pledgenet.fl.components.registry import Component, PartyContext, register, write_json
from pledgenet.fl.contribution.vertical import VerticalGame
from pledgenet.fl.net.channel import MemoryChannel
from pledgenet.fl.spec import Job

METHODS = ("exact", "monte_carlo", "reference")
#: the job file's metric names and the chain's (``logloss`` is the log-loss gain over the base rate)
METRICS = {"auc": "auc", "ks": "ks", "logloss": "logloss_gain", "logloss_gain": "logloss_gain"}
REPORT_FILE = "contribution.json"
_TAG = "contribution.columns"


@dataclass(frozen=True)
class ContributionParams:
    method: str = "exact"
    metric: str = "auc"
    permutations: int = 50
    truncation_ppm: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise DataError(f"method is one of {', '.join(METHODS)}, not {self.method!r}")
        if self.metric not in METRICS:
            raise DataError(f"metric is one of auc, ks, logloss, not {self.metric!r}")
        if not 2 <= self.permutations <= 400:
            raise DataError(f"permutations must be 2 to 400 (the chain's limit), not {self.permutations}")
        if self.truncation_ppm < 0:
            raise DataError("truncation_ppm must be 0 or more")


def players_of(job: Job) -> dict[str, str]:
    """The data parties in player order (guest first, then hosts) and each one's player name."""
    parties = [job.guest, *job.hosts]
    return {party: str(job.parties[party].get("org", party)) for party in parties}


def _refuse_networked(ctx: PartyContext) -> None:
    if not isinstance(ctx.channel, MemoryChannel):
        raise ConfigError(
            "the contribution component trains on every party's columns in one place: "
            "run it only in a simulated job (pledgenet fl run JOB --simulate)"
        )


def run(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    _refuse_networked(ctx)
    job, channel = ctx.job, ctx.channel
    if ctx.role == "host":
        channel.send(
            job.guest,
            _TAG,
            {"train": ctx.train.features, "test": ctx.test.features, "test_ids": list(ctx.test.ids)},
        )
        return {}
    if ctx.role != "guest":
        return {}
    settings = ContributionParams(**params)
    names = players_of(job)
    train, test = [ctx.train.features], [ctx.test.features]
    for host in job.hosts:
        columns = channel.recv(host, _TAG)
        if list(columns["test_ids"]) != list(ctx.test.ids):
            raise ConfigError(f"host {host!r}'s rows do not match the guest's aligned split")
        train.append(np.asarray(columns["train"], dtype=np.float64))
        test.append(np.asarray(columns["test"], dtype=np.float64))
    widths = [block.shape[1] for block in train]
    bounds = np.cumsum([0, *widths])
    parties = {
        names[party]: list(range(int(lo), int(hi)))
        for party, lo, hi in zip(names, bounds, bounds[1:], strict=False)
    }
    assert ctx.train.labels is not None and ctx.test.labels is not None
    game = VerticalGame(
        parties=parties,
        train_features=np.hstack(train),
        train_labels=ctx.train.labels.astype(np.int64),
        test_features=np.hstack(test),
        test_labels=ctx.test.labels.astype(np.int64),
        metric=METRICS[settings.metric],
    )
    if settings.method == "exact":
        report = game.exact()
    elif settings.method == "reference":
        report = game.reference()
    else:
        report = game.monte_carlo(settings.permutations, settings.truncation_ppm, settings.seed)
    report.notes["job"] = job.name
    report.notes["trained_on"] = "centralized logistic regression on the joined columns (simulated job)"
    write_json(job.output / REPORT_FILE, report.as_dict())
    results: dict[str, Any] = {
        "method": settings.method,
        "metric": report.metric,
        "estimator": report.estimator,
        "players": report.players,
        "values_ppm": report.values,
        "std_errors_ppm": report.std_errors,
        "evaluations": report.evaluations,
        "report": REPORT_FILE,
    }
    if report.method == "exact":
        results["utilities_ppm"] = report.table
    else:
        results["walks"] = len(report.table)
    return results


def check(job: Job, params: dict[str, Any]) -> None:
    settings = ContributionParams(**params)
    players = len(players_of(job))
    most = int(contribution_contract.default_params[MAX_EXACT_PARAM])  # what the chain takes by default
    if settings.method in ("exact", "reference") and players > most:
        raise ConfigError(
            f"components.contribution: {settings.method} Shapley of {players} players trains "
            f"{1 << players} models; use method: monte_carlo"
        )
    if len(set(players_of(job).values())) != players:
        raise ConfigError("components.contribution: two data parties have the same org")


register(Component("contribution", run, ContributionParams, check, simulated_only=True))
