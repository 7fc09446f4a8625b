"""Federated scorecard from the hetero LR model: every party prices its own bins, tables stay at home.

The guest fixes the scale (base score, odds at the base score, points to double the odds: one
:class:`~pledgenet.fl.scorecard.ScoreScale`) and sends it to every host (``sc.scale``: three public
numbers and the bin count). Each party then builds the per-bin points table of ITS OWN features with
:func:`pledgenet.fl.scorecard.feature_points` from its own weights of the federated LR model, its own
training values and its own bins (quantile, or the optimal bins of :mod:`pledgenet.fl.scorecard.woe_binning`);
the guest adds the base points ``offset − factor · intercept``. No table, cut point or weight crosses.

Scoring (``sc.score`` / ``sc.points``): the guest names how many aligned rows to score; each host returns,
per row, the SUM of its features' points (one number per row, like the partial linear predictor of LR
prediction, which the guest learns anyway); the guest adds its own points and the base points. The total
equals the centralized scorecard built from the same model and bins (tested).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.binning import BinSpec
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.scorecard.points import ScoreScale, feature_points


@dataclass(frozen=True)
class PartyScorecard:
    """One party's part of the scorecard: the points of its own features' bins (kept by that party)."""

    base_points: float  # the guest's base points; 0 at a host
    table: pd.DataFrame  # feature, bin, lower, upper, points
    specs: dict[str, BinSpec]

    def points(self, data: PartyData) -> np.ndarray:
        """Per row, the sum of this party's points (without the base points)."""
        total = np.zeros(data.rows)
        for feature, spec in self.specs.items():
            if feature not in data.feature_names:
                raise DataError(f"feature {feature!r} of the scorecard is not in the data")
            values = data.features[:, data.feature_names.index(feature)]
            points = self.table.loc[self.table["feature"] == feature, "points"].to_numpy()
            total += points[spec.assign(values)]
        return total


def _own_card(
    data: PartyData,
    weights: dict[str, float],
    scale: ScoreScale,
    max_bins: int,
    base_points: float,
    specs: dict[str, BinSpec] | None,
) -> PartyScorecard:
    missing = [name for name in weights if name not in data.feature_names]
    if missing:
        raise DataError(f"features {missing} of the model are not in this party's data")
    tables, own_specs = [], {}
    for name, weight in weights.items():
        values = data.features[:, data.feature_names.index(name)]
        given = (specs or {}).get(name)
        own_specs[name], table = feature_points(name, values, weight, scale, max_bins, given)
        tables.append(table)
    return PartyScorecard(base_points, pd.concat(tables, ignore_index=True), own_specs)


def scorecard_guest(
    channel: Channel,
    model: dict[str, Any],
    data: PartyData,
    hosts: list[str],
    scale: ScoreScale | None = None,
    max_bins: int = 10,
    specs: dict[str, BinSpec] | None = None,
) -> PartyScorecard:
    """The guest's part (its bins' points and the base points); tells the hosts the scale."""
    scale = scale or ScoreScale()
    if max_bins < 2:
        raise DataError("max_bins must be at least 2")
    card = _own_card(
        data,
        model["weights"],
        scale,
        max_bins,
        round(scale.offset - scale.factor * model["intercept"], 2),
        specs,
    )
    channel.broadcast(hosts, "sc.scale", {"scale": asdict(scale), "max_bins": max_bins})
    return card


def scorecard_host(
    channel: Channel,
    model: dict[str, Any],
    data: PartyData,
    guest: str,
    specs: dict[str, BinSpec] | None = None,
) -> PartyScorecard:
    """A host's part: the points of its own bins, priced on the guest's scale; never sent."""
    message = channel.recv(guest, "sc.scale")
    scale = ScoreScale(**message["scale"])
    return _own_card(data, model["weights"], scale, int(message["max_bins"]), 0.0, specs)


def score_guest(channel: Channel, card: PartyScorecard, data: PartyData, hosts: list[str]) -> np.ndarray:
    """Total scores of the aligned rows: base points + the guest's points + each host's per-row sum."""
    channel.broadcast(hosts, "sc.score", {"rows": data.rows})
    total = card.base_points + card.points(data)
    for host in hosts:
        partial = np.asarray(channel.recv(host, "sc.points")["points"], dtype=np.float64)
        if partial.shape != (data.rows,):
            raise ProtocolError(f"{host}'s points have the wrong length")
        total += partial
    return total


def serve_host_scores(channel: Channel, card: PartyScorecard, data: PartyData, guest: str) -> None:
    """Answer one scoring request with this host's per-row sum of points."""
    if int(channel.recv(guest, "sc.score")["rows"]) != data.rows:
        raise ProtocolError("guest and host hold different numbers of rows to score")
    channel.send(guest, "sc.points", {"points": card.points(data)})
