"""The component registry: :class:`Component`, :func:`register` and what a component runs with.

A component is a plug-in: ``register(Component(name, run, parameters, check))``. ``parameters`` is its
parameter dataclass (the job file's values are checked against its field types and then its own range
checks); ``check(job, params)`` sees the whole job when the file is loaded; ``run(ctx, params)`` is
called on every party (branch on ``ctx.role``) and returns the guest's results (metrics, optional
``curves`` for the report). The built-in
components (one module each in this package) register themselves when :mod:`pledgenet.fl.components` is
imported; this module imports none of them and no runner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pledgenet.errors import ConfigError
from pledgenet.fl import metrics
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.spec import Job, Progress


@dataclass
class PartyContext:
    """What a component runs with on one party: the channel, the aligned split, progress and outputs."""

    job: Job
    party: str
    role: str
    channel: Channel
    progress: Progress
    aligned_train: PartyData | None = None
    aligned_test: PartyData | None = None

    @property
    def train(self) -> PartyData:
        if self.aligned_train is None:
            raise ConfigError(f"{self.party} ({self.role}) holds no data")
        return self.aligned_train

    @property
    def test(self) -> PartyData:
        if self.aligned_test is None:
            raise ConfigError(f"{self.party} ({self.role}) holds no data")
        return self.aligned_test

    def write_model(self, component: str, model: Any) -> None:
        write_json(self.job.output / f"{self.party}.{component}.model.json", model)

    def read_model(self, component: str) -> Any:
        """This party's model file of an earlier component of the job."""
        return json.loads((self.job.output / f"{self.party}.{component}.model.json").read_text())

    def evaluate(self, scores: np.ndarray, train_scores: np.ndarray) -> dict[str, Any]:
        """Guest only: test metrics (and curves for the report) of a component's scores."""
        labels = self.test.labels
        assert labels is not None
        results = metrics.evaluate(labels, scores, train_scores=train_scores)
        results["curves"] = _curves(labels, scores)
        return results


@dataclass(frozen=True)
class Component:
    """A job component: ``run`` on every party; at load time the job file's parameters are checked
    against ``parameters`` (a dataclass: field types, then its own range checks), then ``check`` sees
    the whole job (e.g. an order between components). ``simulated_only``: the component gathers parties'
    data in one place, so a networked run of a job holding it is refused before any party connects."""

    name: str
    run: Callable[[PartyContext, dict[str, Any]], dict[str, Any]]
    parameters: type[Any]
    check: Callable[[Job, dict[str, Any]], None] = lambda job, params: None
    simulated_only: bool = False


COMPONENTS: dict[str, Component] = {}


def register(component: Component) -> None:
    COMPONENTS[component.name] = component


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True))


def _curves(labels: Any, scores: np.ndarray) -> dict[str, list[float]]:
    thresholds, true_rate, false_rate = metrics.ks_curve(labels, scores)
    step = max(1, len(thresholds) // 400)
    return {
        "fpr": false_rate[::step].tolist(),
        "tpr": true_rate[::step].tolist(),
        "threshold": np.clip(thresholds[::step], 0, 1).tolist(),
    }
