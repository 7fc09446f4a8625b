"""Federated scorecard from the federated LR model: same totals as the centralized scorecard.

Optimal binning of host features uses 1024-bit Paillier keys here ONLY to keep the suite fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pledgenet.fl import metrics
from pledgenet.fl.data import PartyData
from pledgenet.fl.hetero_lr import LRParams, fit_lr_guest, fit_lr_host, serve_dealer
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.scorecard.federated import score_guest, scorecard_guest, scorecard_host, serve_host_scores
from pledgenet.fl.scorecard.points import ScoreScale, build_scorecard
from pledgenet.fl.scorecard.woe_binning import BinningParams, bin_guest, bin_host

SCALE = ScoreScale(base_score=650.0, base_odds=1 / 30, points_to_double_odds=40.0)


def _hosts(breast, part: str) -> dict[str, PartyData]:  # type: ignore[no-untyped-def]
    host = breast[f"host_{part}"]
    halves = {"host0": list(range(0, 10)), "host1": list(range(10, 20))}
    return {
        name: PartyData(
            host.ids, host.features[:, cols], tuple(f"{name}_{host.feature_names[c]}" for c in cols)
        )
        for name, cols in halves.items()
    }


def _frame(*parts: PartyData) -> pd.DataFrame:
    return pd.DataFrame(
        np.hstack([p.features for p in parts]), columns=[n for p in parts for n in p.feature_names]
    )


def test_federated_scorecard_totals_equal_the_centralized_scorecard(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare: a federated LR model (guest + two hosts), then the hosts' optimal bins from federated binning
    train, test = _hosts(breast, "train"), _hosts(breast, "test")
    names = list(train)
    transcript = Transcript()
    hub = MemoryHub(["guest", *names, "coordinator"], transcript)
    binning = BinningParams(method="optimal", max_bins=5, key_bits=1024, allow_small_key=True)
    params = LRParams(epochs=10, batch_size=64)

    def guest():  # type: ignore[no-untyped-def]
        channel = hub.channel("guest")
        model = fit_lr_guest(channel, breast["guest_train"], names, "coordinator", params)
        bin_guest(channel, breast["guest_train"], names, binning)
        card = scorecard_guest(channel, model, breast["guest_train"], names, SCALE, max_bins=8)
        return model, score_guest(channel, card, breast["guest_test"], names)

    def host(name):  # type: ignore[no-untyped-def]
        def work():  # type: ignore[no-untyped-def]
            channel = hub.channel(name)
            model = fit_lr_host(channel, train[name], "guest", "coordinator")
            bins = bin_host(channel, train[name], "guest", allow_small_key=True)
            card = scorecard_host(channel, model, train[name], "guest", specs=bins.specs)
            serve_host_scores(channel, card, test[name], "guest")
            return model, bins

        return work

    work = {"guest": guest, "dealer": lambda: serve_dealer(hub.channel("coordinator"), "guest", names)}
    work.update({name: host(name) for name in names})
    # Execute
    out = run(work)
    # Assert: the same totals as one scorecard built centrally from the same model and the same bins
    guest_model, federated = out["guest"]
    weights = dict(guest_model["weights"])
    bins = {}
    for name in names:
        weights.update(out[name][0]["weights"])
        bins.update(out[name][1].specs)
    central = build_scorecard(
        _frame(breast["guest_train"], *train.values()), weights, guest_model["intercept"], SCALE, 8, bins
    )
    expected = central.score(_frame(breast["guest_test"], *test.values()))
    np.testing.assert_allclose(federated, expected, atol=1e-9)
    assert metrics.auc(breast["guest_test"].labels, -federated) > 0.95  # fewer points = riskier
    # no points table, weight or cut point crosses: hosts only receive the scale and send per-row sums
    scorecard_messages = [m for m in transcript.messages if m.tag.startswith("sc.")]
    assert {m.tag for m in scorecard_messages if m.sender == "guest"} == {"sc.scale", "sc.score"}
    for message in scorecard_messages:
        if message.sender != "guest":
            assert message.tag == "sc.points"
            assert message.payload["points"].shape == (breast["guest_test"].rows,)
