"""Horizontal jobs from the same YAML format as vertical ones: parties, components, output.

A job is horizontal when its parties have the roles ``aggregator`` (exactly one: it drives the rounds,
holds no training rows, may hold a public ``evaluation`` set) and ``lender`` (two or more, each with a
``data`` CSV holding ``id``, the ``label`` column and the same features). Components are the registry's
horizontal plug-ins (:mod:`pledgenet.fl.components.horizontal`), run in file order and checked by the same
schema as vertical ones: ``fedavg`` / ``fedprox`` (:class:`~pledgenet.fl.components.horizontal.FedAvgParams`:
``model: lr | mlp``, ``rounds``, ``epochs``, ``learning_rate``, ``secure``, ``threshold``, ``degree``,
``ditto_lambda``, ``dp_epsilon``, ``dp_delta``, ``dp_clip``, ...) and ``gbdt``
(:class:`~pledgenet.fl.horizontal.gbdt.GbdtParams`). Example::

    name: credit-horizontal
    output: fl-out/credit-horizontal
    test_share: 0.2               # each lender's own test split
    parties:
      aggregator: {role: aggregator, evaluation: data/default_credit_homo_test.csv}
      bank-a: {role: lender, data: data/default_credit_homo_guest.csv, label: y}
      bank-b: {role: lender, data: data/default_credit_homo_host_1.csv, label: y}
    components:
      fedavg: {model: lr, rounds: 8, learning_rate: 0.05, dp_epsilon: 8.0, dp_clip: 0.5}
      gbdt: {n_trees: 5, max_depth: 3}

``--simulate`` runs every party as a thread over the in-memory hub; ``--party NAME`` runs one party over
the authenticated network channel (``address``, ``key``, ``certificate`` / ``public_key`` per party, as
for vertical jobs). The aggregator writes ``metrics.json``, ``report.html`` and the models to ``output``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pledgenet.errors import ConfigError
from pledgenet.fl.components import COMPONENTS, PartyContext
from pledgenet.fl.components.horizontal import aggregator_of, lenders_of
from pledgenet.fl.data import PartyData, load_party_csv
from pledgenet.fl.horizontal.lenders import LenderData, split_lender
from pledgenet.fl.schema import check_parameters
from pledgenet.fl.spec import Job

Progress = Callable[[str, float], None]
HORIZONTAL_COMPONENTS = ("fedavg", "fedprox", "gbdt")


def is_horizontal(path: str | Path) -> bool:
    """Whether a job file describes a horizontal job (a party with role aggregator or lender)."""
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return False
    parties = raw.get("parties") if isinstance(raw, dict) else None
    return isinstance(parties, dict) and any(
        isinstance(spec, dict) and spec.get("role") in ("aggregator", "lender") for spec in parties.values()
    )


def load_horizontal_job(path: str | Path) -> Job:
    """Read and check a horizontal job file; ``ConfigError`` names what is wrong."""
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
    if roles.count("aggregator") != 1 or roles.count("lender") < 2 or len(roles) != roles.count("lender") + 1:
        raise ConfigError(
            "a horizontal job needs exactly one aggregator and at least two lenders, nothing else"
        )
    for name, spec in parties.items():
        if spec["role"] == "lender" and "data" not in spec:
            raise ConfigError(f"lender {name!r} has no data file")
    components = {str(k): dict(v or {}) for k, v in (raw.get("components") or {}).items()}
    if not components or set(components) - set(HORIZONTAL_COMPONENTS):
        raise ConfigError(
            f"components must be among {list(HORIZONTAL_COMPONENTS)} (got {sorted(components)})"
        )
    known = {"name", "parties", "components", "test_share", "output", "relative_to_job"}
    job = Job(
        name=str(raw.get("name", path.stem)),
        parties=parties,
        components=components,
        test_share=float(raw.get("test_share", 0.2)),
        output=Path(raw.get("output", f"fl-out/{path.stem}")),
        base_dir=path.parent.resolve() if raw.get("relative_to_job") else Path.cwd(),
        settings={k: v for k, v in raw.items() if k not in known},
    )
    for name, params in components.items():
        check_parameters(name, COMPONENTS[name].parameters, params)  # types, then ranges
        COMPONENTS[name].check(job, params)
    return job


def load_lender(job: Job, party: str) -> LenderData:
    spec = job.parties[party]
    data = load_party_csv(
        job.path(str(spec["data"])), id_column=spec.get("id", "id"), label_column=spec.get("label", "y"),
        feature_columns=spec.get("features"), party=party,
    )  # fmt: skip
    return split_lender(party, data, job.test_share)


def load_evaluation(job: Job) -> PartyData | None:
    spec = job.parties[aggregator_of(job)]
    if "evaluation" not in spec:
        return None
    path = job.path(str(spec["evaluation"]))
    return load_party_csv(
        path, id_column=spec.get("id", "id"), label_column=spec.get("label", "y"), party="evaluation"
    )


def run_party(job: Job, party: str, channel: Any, progress: Progress | None = None) -> dict[str, Any]:
    """``party``'s side of the whole job: every component from the registry, in file order; the
    aggregator returns the results and writes ``metrics.json`` and ``report.html``, each lender its own
    ``<lender>.metrics.json``."""
    report = progress or (lambda _stage, _share: None)
    role = job.parties[party]["role"]
    ctx = PartyContext(job, party, role, channel, report)
    if role == "lender":
        lender = load_lender(job, party)
        ctx.aligned_train, ctx.aligned_test = lender.train, lender.test
    else:
        ctx.aligned_test = load_evaluation(job)
    results: dict[str, Any] = {"job": job.name, "lenders": lenders_of(job)}
    with channel.aborting_on_failure():
        for name, params in job.components.items():
            report(name, 0.0)
            results[name] = COMPONENTS[name].run(ctx, params)
            report(name, 1.0)
    if role == "lender":
        _write(job.output / f"{party}.metrics.json", results)
        return {}
    _write(job.output / "metrics.json", results)
    from pledgenet.fl.horizontal.report import write_horizontal_report

    write_horizontal_report(job.output / "report.html", results)
    return results


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True, default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def simulate(job: Job, progress: Progress | None = None, transcript: Any = None) -> dict[str, Any]:
    """Every party of ``job`` here, as threads over an in-memory hub; the aggregator's results."""
    from pledgenet.fl.horizontal.simulate import run_threads

    for party in lenders_of(job):
        load_lender(job, party)  # every lender's data is checked before any thread or key starts
    aggregator = aggregator_of(job)

    def work(party: str, channel: Any) -> Any:
        return run_party(job, party, channel, progress if party == aggregator else None)

    return dict(run_threads([aggregator, *lenders_of(job)], work, transcript)[aggregator])


def run_networked(job: Job, party: str, progress: Progress | None = None) -> dict[str, Any]:
    """One party here over the authenticated network channel (addresses and keys from the job file)."""
    from pledgenet.fl.net.job import directory_for, signing_key_for
    from pledgenet.fl.net.tcp import NetworkChannel

    if party not in job.parties:
        raise ConfigError(f"the job has no party {party!r} (parties: {sorted(job.parties)})")
    if job.parties[party]["role"] == "lender":
        load_lender(job, party)
    directory = directory_for(job)
    key = signing_key_for(job, party)
    timeout = float(job.settings.get("connect_timeout", 120))
    channel = NetworkChannel(party, key, directory, connect_timeout=timeout, job=job.fingerprint())
    try:
        return run_party(job, party, channel, progress)
    finally:
        channel.close()
