"""Job components ``statistics``, ``scale`` and ``impute``: each party prepares its own columns.

None of them sends a party's values anywhere. ``scale`` and ``impute`` fit on the party's own training
rows, rewrite its train and test rows for the components after them (file order), and save the fitted
transform as ``<party>.<component>.model.json`` (applied again at prediction time, e.g. by serving).
``statistics`` keeps each party's full column summary in its own model file; a host sends the guest only
the fields listed in ``share`` (and its column names only with ``share_names: true``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pledgenet.errors import ConfigError, DataError
from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.prep.encoding import OneHotEncoder, WoeEncoder
from pledgenet.fl.prep.statistics import FIELDS, column_summary, shareable_summary
from pledgenet.fl.prep.transforms import IMPUTE_STRATEGIES, SCALE_METHODS, Imputer, Scaler
from pledgenet.fl.spec import Job

MODELS = ("secureboost", "hetero_lr", "binning", "scorecard")
# ``encode`` (one-hot, and WOE from an earlier ``binning``) is the fourth preparation component


@dataclass(frozen=True)
class ScaleParams:
    method: str = "standard"

    def __post_init__(self) -> None:
        if self.method not in SCALE_METHODS:
            raise DataError(f"method must be one of {list(SCALE_METHODS)}")


@dataclass(frozen=True)
class ImputeParams:
    strategy: str = "median"
    fill_value: float = 0.0

    def __post_init__(self) -> None:
        if self.strategy not in IMPUTE_STRATEGIES:
            raise DataError(f"strategy must be one of {list(IMPUTE_STRATEGIES)}")


@dataclass(frozen=True)
class StatisticsParams:
    """``share``: the summary fields every host sends the guest, comma-separated ("" shares nothing)."""

    share: str = "count,missing_rate"
    share_names: bool = False

    @property
    def fields(self) -> list[str]:
        return [field.strip() for field in self.share.split(",") if field.strip()]

    def __post_init__(self) -> None:
        unknown = sorted(set(self.fields) - set(FIELDS))
        if unknown:
            raise DataError(f"share holds unknown fields {unknown} (choose from {list(FIELDS)})")


@dataclass(frozen=True)
class EncodeParams:
    """``onehot`` / ``woe``: comma-separated columns (each party encodes the listed columns it holds;
    ``woe`` needs an earlier ``binning`` and only the guest's columns)."""

    onehot: str = ""
    woe: str = ""

    def columns(self, which: str, held: tuple[str, ...]) -> list[str]:
        listed = [c.strip() for c in getattr(self, which).split(",") if c.strip()]
        return [c for c in listed if c in held]


def run_encode(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    chosen = EncodeParams(**params)
    if ctx.role == "coordinator":
        return {}
    held = ctx.train.feature_names
    saved: dict[str, Any] = {}
    woe_columns = chosen.columns("woe", held)
    if woe_columns:
        if ctx.role != "guest":
            raise DataError(f"encode: WOE of {woe_columns} needs the labels; a host one-hot encodes instead")
        binning = ctx.read_model("binning")
        woe = WoeEncoder(woe_columns, binning["edges"], binning["woe"])
        ctx.aligned_train, ctx.aligned_test = woe.transform(ctx.train), woe.transform(ctx.test)
        saved["woe"] = woe.to_dict()
    onehot_columns = chosen.columns("onehot", held)
    if onehot_columns:
        onehot = OneHotEncoder(onehot_columns).fit(ctx.train)
        ctx.aligned_train, ctx.aligned_test = onehot.transform(ctx.train), onehot.transform(ctx.test)
        saved["onehot"] = onehot.to_dict()
    ctx.write_model("encode", saved)
    return {"columns": list(ctx.train.feature_names)} if ctx.role == "guest" else {}


def check_encode(job: Job, params: dict[str, Any]) -> None:
    order = list(job.components)
    here = order.index("encode")
    late = [m for m in ("secureboost", "hetero_lr", "scorecard") if m in order and order.index(m) < here]
    if late:
        raise ConfigError(f"components.encode must come before {late} in the job file")
    if params.get("woe") and ("binning" not in order or order.index("binning") > here):
        raise ConfigError("components.encode.woe needs the binning component before encode")


def _refit(ctx: PartyContext, name: str, transform: Scaler | Imputer) -> dict[str, Any]:
    if ctx.role == "coordinator":
        return {}
    transform.fit(ctx.train)
    ctx.aligned_train, ctx.aligned_test = transform.transform(ctx.train), transform.transform(ctx.test)
    ctx.write_model(name, transform.to_dict())
    return {"columns": len(ctx.train.feature_names)} if ctx.role == "guest" else {}


def run_scale(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    return _refit(ctx, "scale", Scaler(ScaleParams(**params).method))


def run_impute(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    chosen = ImputeParams(**params)
    return _refit(ctx, "impute", Imputer(chosen.strategy, chosen.fill_value))


def run_statistics(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    chosen = StatisticsParams(**params)
    if ctx.role == "coordinator":
        return {}
    summary = column_summary(ctx.train)
    ctx.write_model("statistics", summary)
    if ctx.role == "host":
        shared = shareable_summary(summary, ctx.party, chosen.fields, share_names=chosen.share_names)
        ctx.channel.send(ctx.job.guest, "stats.summary", {"columns": shared})
        return {}
    hosts = {host: ctx.channel.recv(host, "stats.summary")["columns"] for host in ctx.job.hosts}
    return {"own": summary, "hosts": hosts}


def check_before_models(name: str) -> Any:
    """A preparation component must come before the models it prepares data for."""

    def check(job: Job, params: dict[str, Any]) -> None:
        order = list(job.components)
        late = [model for model in MODELS if model in order and order.index(model) < order.index(name)]
        if late:
            raise ConfigError(f"components.{name} must come before {late} in the job file")

    return check


register(Component("statistics", run_statistics, StatisticsParams))
register(Component("impute", run_impute, ImputeParams, check_before_models("impute")))
register(Component("scale", run_scale, ScaleParams, check_before_models("scale")))
register(Component("encode", run_encode, EncodeParams, check_encode))
