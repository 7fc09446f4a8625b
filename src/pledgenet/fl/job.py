"""Vertical FL jobs: a YAML file names the parties, their data, the components and their parameters.

``run_party`` is one party's whole job over any :class:`Channel` (alignment by PSI, the guest's 70/30
split, SecureBoost and/or hetero LR, federated scoring, evaluation, model files); ``simulate`` runs every
party as a thread over an in-memory hub. Every input is validated (files, columns, labels) before any
cryptography starts. Outputs in ``output``: ``<party>.<component>.model.json`` per party,
``metrics.json`` and ``report.html`` (guest).

Example::

    name: breast
    test_share: 0.3
    output: out/breast
    parties:
      guest: {role: guest, data: data/breast_hetero_guest.csv, id: id, label: y}
      host: {role: host, data: data/breast_hetero_host.csv, id: id}
      coordinator: {role: coordinator}
    components:
      secureboost: {n_trees: 3, max_depth: 3, max_bins: 32, key_bits: 2048}
      hetero_lr: {epochs: 10, batch_size: 64, learning_rate: 0.01}
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pledgenet.errors import ConfigError, PledgenetError
from pledgenet.fl import metrics
from pledgenet.fl.alignment import align_guest, align_host
from pledgenet.fl.channel import Channel, MemoryHub, Transcript
from pledgenet.fl.data import PartyData, load_party_csv, split_ids
from pledgenet.fl.hetero_lr import (
    LRParams,
    fit_lr_guest,
    fit_lr_host,
    predict_lr_guest,
    serve_dealer,
    serve_lr_host_prediction,
)
from pledgenet.fl.secureboost import fit_guest, fit_host, predict_guest, serve_host_prediction
from pledgenet.fl.tree import BoostParams

Progress = Callable[[str, float], None]
COMPONENTS = ("secureboost", "hetero_lr")


@dataclass(frozen=True)
class Job:
    name: str
    parties: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]
    test_share: float
    output: Path
    base_dir: Path

    @property
    def guest(self) -> str:
        return next(p for p, spec in self.parties.items() if spec.get("role") == "guest")

    @property
    def hosts(self) -> list[str]:
        return [p for p, spec in self.parties.items() if spec.get("role") == "host"]

    @property
    def coordinator(self) -> str | None:
        return next((p for p, spec in self.parties.items() if spec.get("role") == "coordinator"), None)

    def load(self, party: str) -> PartyData:
        spec = self.parties[party]
        path = Path(spec["data"])
        path = path if path.is_absolute() else self.base_dir / path
        return load_party_csv(
            path,
            id_column=spec.get("id", "id"),
            label_column=spec.get("label") if spec.get("role") == "guest" else None,
            feature_columns=spec.get("features"),
            party=party,
        )


def load_job(path: str | Path) -> Job:
    """Read and check a job file; ``ConfigError`` names what is wrong."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"job file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"job file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("parties"), dict):
        raise ConfigError("a job needs a 'parties' mapping")
    parties = {str(k): dict(v or {}) for k, v in raw["parties"].items()}
    roles = [spec.get("role") for spec in parties.values()]
    if roles.count("guest") != 1 or roles.count("host") < 1:
        raise ConfigError("a job needs exactly one guest and at least one host")
    for name, spec in parties.items():
        if spec.get("role") not in ("guest", "host", "coordinator"):
            raise ConfigError(f"party {name!r} has no valid role (guest, host or coordinator)")
        if spec["role"] != "coordinator" and "data" not in spec:
            raise ConfigError(f"party {name!r} has no data file")
    components = {str(k): dict(v or {}) for k, v in (raw.get("components") or {}).items()}
    unknown = set(components) - set(COMPONENTS)
    if unknown or not components:
        raise ConfigError(f"components must be among {COMPONENTS} (got {sorted(components)})")
    if "hetero_lr" in components:
        if roles.count("coordinator") != 1:
            raise ConfigError("hetero_lr needs one party with role coordinator (the randomness dealer)")
        if roles.count("host") != 1:
            raise ConfigError("hetero_lr runs between the guest and exactly one host")
    try:
        BoostParams(**components.get("secureboost", {}))
        LRParams(**components.get("hetero_lr", {}))
    except TypeError as exc:
        raise ConfigError(f"unknown component parameter: {exc}") from None
    return Job(
        name=str(raw.get("name", path.stem)),
        parties=parties,
        components=components,
        test_share=float(raw.get("test_share", 0.3)),
        output=Path(raw.get("output", f"fl-out/{path.stem}")),
        base_dir=path.parent.resolve() if raw.get("relative_to_job") else Path.cwd(),
    )


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True))


def run_party(job: Job, party: str, channel: Channel, progress: Progress | None = None) -> dict[str, Any]:
    """Run ``party``'s side of the whole job; the guest returns the metrics."""
    report = progress or (lambda _stage, _share: None)
    role = job.parties[party]["role"]
    if role == "coordinator":
        if "hetero_lr" in job.components:
            serve_dealer(channel, job.guest, job.hosts[0])
        return {}
    data = job.load(party)  # validation before any cryptography
    report("align", 0.0)
    if role == "guest":
        aligned = align_guest(channel, data, job.hosts)
        assert aligned.labels is not None
        is_test = split_ids(aligned.ids, aligned.labels, job.test_share)
        channel.broadcast(job.hosts, "job.split", {"is_test": is_test})
    else:
        aligned = align_host(channel, data, job.guest)
        is_test = np.asarray(channel.recv(job.guest, "job.split")["is_test"], dtype=bool)
    train, test = aligned.take(np.flatnonzero(~is_test)), aligned.take(np.flatnonzero(is_test))
    report("align", 1.0)
    results: dict[str, Any] = {"job": job.name, "rows": {"aligned": aligned.rows, "test": test.rows}}
    if "secureboost" in job.components:
        params = BoostParams(**job.components["secureboost"])
        report("secureboost", 0.0)
        if role == "guest":
            done = [0]

            def tick() -> None:
                done[0] += 1
                report("secureboost", done[0] / params.n_trees)

            model = fit_guest(channel, train, job.hosts, params, progress=tick)
            train_scores = predict_guest(channel, model, train)
            test_scores = predict_guest(channel, model, test)
            results["secureboost"] = metrics.evaluate(test.labels, test_scores, train_scores=train_scores)  # type: ignore[arg-type]
            results["secureboost"]["curves"] = _curves(test.labels, test_scores)
            _write(job.output / f"{party}.secureboost.model.json", model.to_dict())
        else:
            host_model = fit_host(channel, train, job.guest)
            serve_host_prediction(channel, host_model, train, job.guest)
            serve_host_prediction(channel, host_model, test, job.guest)
            _write(job.output / f"{party}.secureboost.model.json", host_model.to_dict())
        report("secureboost", 1.0)
    if "hetero_lr" in job.components:
        report("hetero_lr", 0.0)
        dealer = job.coordinator
        assert dealer is not None
        if role == "guest":
            lr_model = fit_lr_guest(
                channel, train, job.hosts[0], dealer, LRParams(**job.components["hetero_lr"])
            )
            train_scores = predict_lr_guest(channel, lr_model, train, job.hosts[0])
            test_scores = predict_lr_guest(channel, lr_model, test, job.hosts[0])
            results["hetero_lr"] = metrics.evaluate(test.labels, test_scores, train_scores=train_scores)  # type: ignore[arg-type]
            results["hetero_lr"]["curves"] = _curves(test.labels, test_scores)
            _write(job.output / f"{party}.hetero_lr.model.json", lr_model)
        else:
            lr_model = fit_lr_host(channel, train, job.guest, dealer)
            serve_lr_host_prediction(channel, lr_model, train, job.guest)
            serve_lr_host_prediction(channel, lr_model, test, job.guest)
            _write(job.output / f"{party}.hetero_lr.model.json", lr_model)
        report("hetero_lr", 1.0)
    if role == "guest":
        from pledgenet.fl.report import write_report

        curves = {c: results[c].pop("curves") for c in COMPONENTS if c in results}
        _write(job.output / "metrics.json", results)
        write_report(job.output / "report.html", job.name, results, curves)
    return results


def _curves(labels: Any, scores: np.ndarray) -> dict[str, list[float]]:
    thresholds, true_rate, false_rate = metrics.ks_curve(labels, scores)
    step = max(1, len(thresholds) // 400)
    return {
        "fpr": false_rate[::step].tolist(),
        "tpr": true_rate[::step].tolist(),
        "threshold": np.clip(thresholds[::step], 0, 1).tolist(),
    }


def simulate(
    job: Job, progress: Progress | None = None, transcript: Transcript | None = None
) -> dict[str, Any]:
    """Run every party of ``job`` locally (threads over an in-memory hub); return the guest's metrics."""
    for party, spec in job.parties.items():
        if spec["role"] != "coordinator":
            job.load(party)  # every party's data is checked before any thread or key starts
    hub = MemoryHub(list(job.parties), transcript)
    errors: list[BaseException] = []
    results: dict[str, Any] = {}

    def work(party: str) -> None:
        try:
            out = run_party(job, party, hub.channel(party), progress if party == job.guest else None)
            if party == job.guest:
                results.update(out)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in job.parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        first = next((e for e in errors if isinstance(e, PledgenetError)), errors[0])
        raise first
    return results
