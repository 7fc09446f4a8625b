"""Horizontal jobs from the same YAML format as vertical ones: parties, components, output.

A job is horizontal when its parties have the roles ``aggregator`` (exactly one: it drives the rounds,
holds no training rows, may hold a public ``evaluation`` set) and ``lender`` (two or more, each with a
``data`` CSV holding ``id``, the ``label`` column and the same features). Components, run in file order:
``fedavg`` / ``fedprox`` (``model: lr | mlp``, ``hidden``, ``rounds``, ``local: {...}``, ``secure``,
``threshold``, ``degree``, ``ditto_lambda``, ``finetune_epochs``, ``dp: {epsilon, delta, clip}``) and
``gbdt`` (:class:`~pledgenet.fl.horizontal.gbdt.GbdtParams`). Example::

    name: credit-horizontal
    output: fl-out/credit-horizontal
    test_share: 0.2               # each lender's own test split
    parties:
      aggregator: {role: aggregator, evaluation: data/default_credit_homo_test.csv}
      bank-a: {role: lender, data: data/default_credit_homo_guest.csv, label: y}
      bank-b: {role: lender, data: data/default_credit_homo_host_1.csv, label: y}
    components:
      fedavg: {model: lr, rounds: 8, local: {epochs: 1, learning_rate: 0.05}}
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
from pledgenet.fl.data import PartyData, load_party_csv
from pledgenet.fl.horizontal.fedavg import FedParams, join_fedavg, serve_fedavg
from pledgenet.fl.horizontal.gbdt import GbdtParams
from pledgenet.fl.horizontal.gbdt_protocol import join_gbdt, serve_gbdt
from pledgenet.fl.horizontal.lenders import LenderData, split_lender
from pledgenet.fl.horizontal.local import LocalParams
from pledgenet.fl.horizontal.models import make_model
from pledgenet.fl.spec import Job

Progress = Callable[[str, float], None]
COMPONENTS = ("fedavg", "fedprox", "gbdt")


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
    if not components or set(components) - set(COMPONENTS):
        raise ConfigError(f"components must be among {list(COMPONENTS)} (got {sorted(components)})")
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
        _component_params(name, params, len(lenders_of(job)))  # refuses bad parameters before any data
    return job


def lenders_of(job: Job) -> list[str]:
    return sorted(p for p, spec in job.parties.items() if spec["role"] == "lender")


def aggregator_of(job: Job) -> str:
    return next(p for p, spec in job.parties.items() if spec["role"] == "aggregator")


def _component_params(name: str, params: dict[str, Any], lenders: int) -> tuple[Any, dict[str, Any]]:
    try:
        if name == "gbdt":
            options = dict(params)
            if "feature_range" in options:
                options["feature_range"] = tuple(options["feature_range"])
            return GbdtParams(**options), {}
        options = dict(params)
        model = {"model": options.pop("model", "lr"), "hidden": tuple(options.pop("hidden", (32,)))}
        local = LocalParams(**dict(options.pop("local", {}) or {}))
        if name == "fedprox" and local.prox_mu == 0:
            local = LocalParams(**{**local.__dict__, "prox_mu": 0.01})
        dp = options.pop("dp", None)
        if dp is not None:
            options.update(dp_epsilon=float(dp["epsilon"]), dp_delta=float(dp.get("delta", 1e-5)))
            options["dp_clip"] = float(dp.get("clip", 1.0))
        fed = FedParams(local=local, **options)
        fed.threshold_for(lenders)
        return fed, model
    except (TypeError, KeyError) as exc:
        raise ConfigError(f"bad {name} parameters: {exc}") from None


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


def _feature_count(job: Job, evaluation: PartyData | None) -> int:
    """The aggregator holds no training rows: the feature count comes from its evaluation set or its
    ``features`` entry."""
    if evaluation is not None:
        return int(evaluation.features.shape[1])
    count = job.parties[aggregator_of(job)].get("features")
    if not isinstance(count, int) or count < 1:
        raise ConfigError("the aggregator needs an 'evaluation' file or 'features: N' (the feature count)")
    return count


def run_party(job: Job, party: str, channel: Any, progress: Progress | None = None) -> dict[str, Any]:
    """``party``'s side of the whole job; the aggregator returns the results and writes the report."""
    report = progress or (lambda _stage, _share: None)
    lenders = lenders_of(job)
    aggregator = aggregator_of(job)
    is_aggregator = party == aggregator
    data = None if is_aggregator else load_lender(job, party)
    evaluation = load_evaluation(job) if is_aggregator else None
    results: dict[str, Any] = {"job": job.name, "lenders": lenders}
    with channel.aborting_on_failure():
        for name, options in job.components.items():
            params, model_spec = _component_params(name, options, len(lenders))
            tag = f"{job.name}|{name}"
            report(name, 0.0)
            if name == "gbdt":
                if is_aggregator:
                    columns = _feature_count(job, evaluation)
                    outcome = serve_gbdt(channel, lenders, columns, params, job=tag, evaluation=evaluation)
                    outcome["trees"] = [tree.to_dict() for tree in outcome["trees"]]
                    outcome["edges"] = [e.tolist() for e in outcome["edges"]]
                else:
                    assert data is not None
                    outcome = join_gbdt(channel, aggregator, lenders, data, params, job=tag)
            else:
                features = data.features if data is not None else _feature_count(job, evaluation)
                model = make_model(model_spec["model"], features, model_spec["hidden"])
                if is_aggregator:

                    def tick(done: int, component: str = name, total: int = params.rounds) -> None:
                        report(component, done / total)

                    outcome = serve_fedavg(
                        channel, lenders, model, params, job=tag, evaluation=evaluation, progress=tick
                    )
                    outcome["params"] = outcome["params"].tolist()
                else:
                    assert data is not None
                    outcome = join_fedavg(channel, aggregator, lenders, data, model, params, job=tag)
            results[name] = outcome
            report(name, 1.0)
    if not is_aggregator:
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
    channel = NetworkChannel(
        party, key, directory, connect_timeout=float(job.settings.get("connect_timeout", 120))
    )
    try:
        return run_party(job, party, channel, progress)
    finally:
        channel.close()
