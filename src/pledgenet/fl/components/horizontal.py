"""Job components ``fedavg``, ``fedprox`` and ``gbdt``: horizontal federated learning.

They run in horizontal jobs only (one ``aggregator`` and two or more ``lender`` parties, run by
:mod:`pledgenet.fl.horizontal.job`; ``check`` refuses them in a vertical job). On a lender, ``ctx.train`` and
``ctx.test`` are its own split; on the aggregator, ``ctx.aligned_test`` is the optional public evaluation
set. The aggregator returns the job's results (curves, each lender's AUCs, the privacy budget spent);
each lender returns its own metrics.

Parameters: :class:`FedAvgParams` (flat, so the job file's schema checks every field) and
:class:`~pledgenet.fl.horizontal.gbdt.GbdtParams`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pledgenet.errors import ConfigError
from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.horizontal.fedavg import FedParams, join_fedavg, serve_fedavg
from pledgenet.fl.horizontal.gbdt import GbdtParams
from pledgenet.fl.horizontal.gbdt_protocol import join_gbdt, serve_gbdt
from pledgenet.fl.horizontal.lenders import LenderData
from pledgenet.fl.horizontal.local import LocalParams
from pledgenet.fl.horizontal.models import make_model
from pledgenet.fl.spec import Job


@dataclass(frozen=True)
class FedAvgParams:
    """``fedavg`` / ``fedprox`` in a job file (see :class:`~pledgenet.fl.horizontal.fedavg.FedParams`)."""

    model: str = "lr"
    hidden: int = 32
    hidden_layers: int = 1
    rounds: int = 20
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 0.1
    l2: float = 0.0
    prox_mu: float = 0.0
    max_steps: int | None = None
    secure: bool = True
    threshold: int | None = None
    degree: int | None = None
    update_bound: float = 4.0
    max_rows: int = 2**20
    server_learning_rate: float = 1.0
    dp_epsilon: float | None = None
    dp_delta: float = 1e-5
    dp_clip: float = 1.0
    ditto_lambda: float = 0.1
    finetune_epochs: int = 1
    deadline_s: float = 600.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.model not in ("lr", "mlp") or self.hidden < 1 or self.hidden_layers < 1:
            raise ConfigError("model must be 'lr' or 'mlp' (hidden, hidden_layers >= 1)")
        self.fed_params(prox=False)

    def fed_params(self, *, prox: bool) -> FedParams:
        mu = self.prox_mu if self.prox_mu or not prox else 0.01
        local = LocalParams(self.epochs, self.batch_size, self.learning_rate, self.l2, mu, self.max_steps)
        return FedParams(
            rounds=self.rounds, local=local, secure=self.secure, threshold=self.threshold, degree=self.degree,
            update_bound=self.update_bound, max_rows=self.max_rows, dp_delta=self.dp_delta,
            server_learning_rate=self.server_learning_rate, dp_epsilon=self.dp_epsilon, dp_clip=self.dp_clip,
            ditto_lambda=self.ditto_lambda, finetune_epochs=self.finetune_epochs,
            deadline_s=self.deadline_s, seed=self.seed,
        )  # fmt: skip


def lenders_of(job: Job) -> list[str]:
    return sorted(p for p, spec in job.parties.items() if spec.get("role") == "lender")


def aggregator_of(job: Job) -> str:
    return next(p for p, spec in job.parties.items() if spec.get("role") == "aggregator")


def check_horizontal(job: Job, params: dict[str, Any]) -> None:
    roles = [spec.get("role") for spec in job.parties.values()]
    if roles.count("aggregator") != 1 or roles.count("lender") < 2:
        raise ConfigError("fedavg, fedprox and gbdt are horizontal: they need one aggregator and two lenders")


def feature_count(ctx: PartyContext) -> int:
    """Lenders: their columns; the aggregator: its evaluation set's, or its ``features`` entry."""
    if ctx.aligned_train is not None:
        return int(ctx.aligned_train.features.shape[1])
    if ctx.aligned_test is not None:
        return int(ctx.aligned_test.features.shape[1])
    count = ctx.job.parties[ctx.party].get("features")
    if not isinstance(count, int) or count < 1:
        raise ConfigError("the aggregator needs an 'evaluation' file or 'features: N' (the feature count)")
    return count


def _run_fedavg(ctx: PartyContext, params: dict[str, Any], name: str) -> dict[str, Any]:
    spec = FedAvgParams(**params)
    fed = spec.fed_params(prox=name == "fedprox")
    model = make_model(spec.model, feature_count(ctx), (spec.hidden,) * spec.hidden_layers)
    lenders, aggregator, tag = lenders_of(ctx.job), aggregator_of(ctx.job), f"{ctx.job.name}|{name}"
    if ctx.role == "aggregator":

        def tick(done: int) -> None:
            ctx.progress(name, done / fed.rounds)

        outcome = serve_fedavg(
            ctx.channel, lenders, model, fed, job=tag, evaluation=ctx.aligned_test, progress=tick
        )
        outcome["params"] = outcome["params"].tolist()
        ctx.write_model(
            name,
            {"model": spec.model, "hidden": [spec.hidden] * spec.hidden_layers, "params": outcome["params"]},
        )
        return outcome
    data = LenderData(ctx.party, ctx.train, ctx.test)
    return join_fedavg(ctx.channel, aggregator, lenders, data, model, fed, job=tag)


def run_fedavg(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    return _run_fedavg(ctx, params, "fedavg")


def run_fedprox(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    return _run_fedavg(ctx, params, "fedprox")


def run_gbdt(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    gbdt = GbdtParams(**params)
    lenders, aggregator, tag = lenders_of(ctx.job), aggregator_of(ctx.job), f"{ctx.job.name}|gbdt"
    if ctx.role == "aggregator":
        outcome = serve_gbdt(
            ctx.channel, lenders, feature_count(ctx), gbdt, job=tag, evaluation=ctx.aligned_test
        )
        outcome["trees"] = [tree.to_dict() for tree in outcome["trees"]]
        outcome["edges"] = [edges.tolist() for edges in outcome["edges"]]
        ctx.write_model(
            "gbdt", {"base": outcome["base"], "trees": outcome["trees"], "edges": outcome["edges"]}
        )
        return outcome
    return join_gbdt(
        ctx.channel, aggregator, lenders, LenderData(ctx.party, ctx.train, ctx.test), gbdt, job=tag
    )


register(Component("fedavg", run_fedavg, FedAvgParams, check_horizontal))
register(Component("fedprox", run_fedprox, FedAvgParams, check_horizontal))
register(Component("gbdt", run_gbdt, GbdtParams, check_horizontal))
