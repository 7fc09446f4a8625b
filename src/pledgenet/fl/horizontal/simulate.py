"""Running a horizontal job in one process: every lender and the aggregator as threads over a memory hub,
and the centralized baseline (the same model on the pooled data) to compare against."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from pledgenet.errors import PeerAborted, PledgenetError
from pledgenet.fl.data import PartyData
from pledgenet.fl.horizontal.fedavg import Dropouts, FedParams, join_fedavg, serve_fedavg
from pledgenet.fl.horizontal.gbdt import GbdtParams
from pledgenet.fl.horizontal.gbdt_protocol import join_gbdt, serve_gbdt
from pledgenet.fl.horizontal.lenders import LenderData
from pledgenet.fl.horizontal.local import LocalParams, local_sgd
from pledgenet.fl.horizontal.models import Model
from pledgenet.fl.net.channel import MemoryHub, Transcript

AGGREGATOR = "aggregator"


def run_threads(
    parties: list[str], work: Callable[[str, Any], Any], transcript: Transcript | None = None
) -> dict[str, Any]:
    """Run ``work(party, channel)`` for every party on its own thread; the first real error is raised."""
    hub = MemoryHub(parties, transcript)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run(party: str) -> None:
        channel = hub.channel(party)
        try:
            with channel.aborting_on_failure():
                results[party] = work(party, channel)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,), daemon=True) for p in parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        causes = [e for e in errors if not isinstance(e, PeerAborted)] or errors
        raise next((e for e in causes if isinstance(e, PledgenetError)), causes[0])
    return results


def simulate_fedavg(
    lenders: list[LenderData],
    model: Model,
    fed: FedParams,
    *,
    evaluation: PartyData | None = None,
    dropouts: Dropouts | None = None,
    transcript: Transcript | None = None,
    job: str = "job",
) -> dict[str, Any]:
    """FedAvg / FedProx with every party here; the aggregator's results."""
    names = [lender.name for lender in lenders]
    by_name = {lender.name: lender for lender in lenders}

    def work(party: str, channel: Any) -> Any:
        if party == AGGREGATOR:
            return serve_fedavg(channel, names, model, fed, job=job, evaluation=evaluation)
        return join_fedavg(channel, AGGREGATOR, names, by_name[party], model, fed, job=job, dropouts=dropouts)

    return dict(run_threads([AGGREGATOR, *names], work, transcript)[AGGREGATOR])


def simulate_gbdt(
    lenders: list[LenderData], gbdt: GbdtParams, *, evaluation: PartyData | None = None, job: str = "job"
) -> dict[str, Any]:
    """Boosting from securely aggregated histograms with every party here; the aggregator's results."""
    names = [lender.name for lender in lenders]
    by_name = {lender.name: lender for lender in lenders}
    columns = lenders[0].features

    def work(party: str, channel: Any) -> Any:
        if party == AGGREGATOR:
            return serve_gbdt(channel, names, columns, gbdt, job=job, evaluation=evaluation)
        return join_gbdt(channel, AGGREGATOR, names, by_name[party], gbdt, job=job)

    return dict(run_threads([AGGREGATOR, *names], work)[AGGREGATOR])


def train_central(
    lenders: list[LenderData], model: Model, local: LocalParams, epochs: int, seed: int = 0
) -> np.ndarray:
    """The baseline: the same model and optimiser on the lenders' pooled training rows."""
    features = np.vstack([lender.train.features for lender in lenders])
    labels = np.concatenate([lender.train.labels for lender in lenders if lender.train.labels is not None])
    params = LocalParams(**{**local.__dict__, "epochs": epochs, "prox_mu": 0.0})
    rng = np.random.default_rng(seed)
    return local_sgd(model, model.init(rng), features, labels.astype(np.float64), params, rng)
