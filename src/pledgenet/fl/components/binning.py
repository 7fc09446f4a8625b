"""Job component ``binning``: federated WOE/IV and IV-based selection on the training rows.

Parameters: :class:`~pledgenet.fl.scorecard.woe_binning.BinningParams`. The guest's metrics get every
feature's IV (host features as "<host>#<slot>") and the selection; each party's model file holds its own
cut points (a later ``scorecard`` component uses them).
"""

from __future__ import annotations

from typing import Any

from pledgenet.fl.components.registry import Component, PartyContext, register
from pledgenet.fl.scorecard.woe_binning import BinningParams, bin_guest, bin_host


def run(ctx: PartyContext, params: dict[str, Any]) -> dict[str, Any]:
    job, channel = ctx.job, ctx.channel
    if ctx.role == "guest":
        result = bin_guest(channel, ctx.train, job.hosts, BinningParams(**params))
        own = {name: spec.edges.tolist() for name, spec in result.specs.items()}
        ctx.write_model("binning", {"edges": own, "iv": result.iv_table(), "selected": result.selected})
        return {"iv": result.iv_table(), "selected": result.selected}
    if ctx.role == "host":
        mine = BinningParams(**params)  # this host's own copy of the job's parameters
        binned = bin_host(channel, ctx.train, job.guest, allow_small_key=mine.allow_small_key)
        edges = {name: spec.edges.tolist() for name, spec in binned.specs.items()}
        ctx.write_model("binning", {"edges": edges, "iv": binned.iv, "selected": binned.selected})
    return {}


register(Component("binning", run, BinningParams))
