"""Job component ``select``: each party keeps its own columns that pass the rules; the next components
see only those (:class:`~pledgenet.fl.prep.selection.FeatureSelector`).

The later sample for ``max_psi`` is the job's test split (rows the models do not train on); IV comes from
an earlier ``binning`` component's model file, split counts from an earlier ``secureboost`` one. A host
tells the guest only how many of its columns it kept; its report (names, figures) stays in its own
``<party>.select.model.json``. The guest's results list its own kept columns and every feature's figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pledgenet.errors import ConfigError, DataError
from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.prep.selection import FeatureSelector
from pledgenet.fl.spec import Job


@dataclass(frozen=True)
class SelectParams:
    max_missing_rate: float = 1.0
    max_psi: float = 1e9  # no limit unless set (0.25 is the usual "shifted" mark)
    min_iv: float = 0.0
    min_splits: int = 0

    def __post_init__(self) -> None:
        FeatureSelector(self.max_missing_rate, self.max_psi, self.min_iv, self.min_splits)


def run(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    chosen = SelectParams(**params)
    if ctx.role == "coordinator":
        return {}
    iv = _earlier(ctx, "binning", "iv") if chosen.min_iv > 0 else None
    splits = _earlier(ctx, "secureboost", "splits") if chosen.min_splits > 0 else None
    max_psi = chosen.max_psi if chosen.max_psi < 1e9 else math.inf
    selector = FeatureSelector(chosen.max_missing_rate, max_psi, chosen.min_iv, chosen.min_splits)
    selector.fit(ctx.train, ctx.test, iv, splits)
    ctx.aligned_train, ctx.aligned_test = selector.transform(ctx.train), selector.transform(ctx.test)
    ctx.write_model("select", {"selected": selector.selected_, "report": selector.report_})
    if ctx.role == "host":
        ctx.channel.send(ctx.job.guest, "select.kept", {"columns": len(selector.selected_)})
        return {}
    kept = {host: int(ctx.channel.recv(host, "select.kept")["columns"]) for host in ctx.job.hosts}
    return {"selected": selector.selected_, "report": selector.report_, "hosts_kept": kept}


def _earlier(ctx: PartyContext, component: str, key: str) -> dict[str, Any]:
    if component not in ctx.job.components:
        raise DataError(f"select needs the {component} component before it")
    saved = ctx.read_model(component)
    if key == "splits":
        if "importance" in saved:  # a host: its own split counts
            return dict(saved["importance"]["splits"])
        names = saved["feature_names"]  # the guest: count its own splits in its trees
        counts = dict.fromkeys(names, 0)
        for tree in saved["trees"]:
            for node in tree:
                if not node["leaf"] and node["split_id"] < 0:
                    counts[names[node["feature"]]] += 1
        return counts
    return dict(saved[key])


def check(job: Job, params: dict[str, Any]) -> None:
    order = list(job.components)
    needs = {"min_iv": "binning", "min_splits": "secureboost"}
    for field, component in needs.items():
        if params.get(field) and (component not in order or order.index(component) > order.index("select")):
            raise ConfigError(f"components.select.{field} needs the {component} component before select")


register(Component("select", run, SelectParams, check))
