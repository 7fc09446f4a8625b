"""How each kind of chain job runs, once every party's node has said yes (``data.jobs.run_job``).

Every runner takes the data clients of the participants (all here, over the in-memory channel), the job's
chain record, the output folder, a progress callback and the transcript to fill, and returns the guest's
(or, for horizontal training, the aggregator's) results; the model files it writes are named
``<org>.<component>.model.json`` in the output folder. A data party's input is its own stored file of the
dataset version the job named, restricted to the job's columns for that dataset.

    psi                  KKRT PSI of the guest with each host on the id column (``fl.alignment``); the
                         guest learns the common ids, the hosts the size of the guest's cuckoo table;
                         the outcome records the intersection's size. Component: ``psi`` (no parameters).
    vertical_training    the vertical pipeline (``fl.job.simulate``): alignment, then the components
                         (``hetero_lr``, ``secureboost``, ...); the guest holds the label.
    horizontal_training  the coordinator is the aggregator, the guest and every host a lender with its own
                         rows, label included (``fl.horizontal.job.simulate``): ``fedavg``, ``fedprox``,
                         ``gbdt``.

Inference (scoring with an earlier job's model) is not runnable from the chain yet: ``run_job`` refuses it
with ``ConfigError`` before anything is recorded.

Settings a job carries (``settings``): ``id`` (the id column's name in every data party's file, default
``id``), ``label`` (the label column, default ``y``), ``test_share``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pledgenet.data.client import DataClient
from pledgenet.errors import ConfigError
from pledgenet.fl.net.channel import Transcript
from pledgenet.fl.spec import Job, Progress

Runner = Callable[
    [Mapping[str, DataClient], Mapping[str, Any], Path, "Progress | None", Transcript], dict[str, Any]
]


def _inputs(clients: Mapping[str, DataClient], job: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each data party's input: its stored file of the named version and the job's columns (by name)."""
    settings = job["settings"]
    id_column, label = str(settings.get("id", "id")), str(settings.get("label", "y"))
    inputs: dict[str, dict[str, Any]] = {}
    for item in job["datasets"]:
        owner = clients[item["owner"]]
        names = owner.store.names_by_id(item["dataset"], item["version"])
        columns = [names[column_id] for column_id in item["columns"]]
        if id_column not in columns:
            raise ConfigError(f"the job's columns of {item['dataset']} lack the id column {id_column!r}")
        if item["owner"] in inputs:
            raise ConfigError(f"{item['owner']} brings two datasets; a job takes one per data party")
        inputs[item["owner"]] = {
            "data": str(owner.store.csv_path(item["dataset"], item["version"])),
            "id": id_column,
            "features": [c for c in columns if c not in (id_column, label)],
            "has_label": label in columns,
            "label": label,
        }
    return inputs


def _check_components(job: Job) -> None:
    from pledgenet.fl.components import COMPONENTS
    from pledgenet.fl.schema import check_parameters

    for name, params in job.components.items():
        if name not in COMPONENTS:
            raise ConfigError(f"unknown component {name!r}")
        check_parameters(name, COMPONENTS[name].parameters, params)
        COMPONENTS[name].check(job, params)


def run_vertical(
    clients: Mapping[str, DataClient],
    job: Mapping[str, Any],
    output: Path,
    progress: Progress | None,
    transcript: Transcript,
) -> dict[str, Any]:
    from pledgenet.fl.job import simulate

    inputs = _inputs(clients, job)
    parties: dict[str, dict[str, Any]] = {}
    for org, role in job["participants"].items():
        parties[org] = {"role": role}
        if org in inputs:
            given = inputs[org]
            parties[org].update(data=given["data"], id=given["id"], features=given["features"])
            if role == "guest":
                parties[org]["label"] = given["label"]
    fl_job = _fl_job(job, parties, output, default_test_share=0.3)
    return simulate(fl_job, progress, transcript)


def _fl_job(
    job: Mapping[str, Any], parties: dict[str, dict[str, Any]], output: Path, *, default_test_share: float
) -> Job:
    """The runnable job file of a chain job: its parties as given, its components, its split."""
    fl_job = Job(
        name=str(job["job"]),
        parties=parties,
        components=dict(job["components"]),
        test_share=float(job["settings"].get("test_share", default_test_share)),
        output=output,
        base_dir=Path.cwd(),
    )
    _check_components(fl_job)
    return fl_job


def run_horizontal(
    clients: Mapping[str, DataClient],
    job: Mapping[str, Any],
    output: Path,
    progress: Progress | None,
    transcript: Transcript,
) -> dict[str, Any]:
    from pledgenet.fl.horizontal.job import HORIZONTAL_COMPONENTS, simulate

    inputs = _inputs(clients, job)
    parties: dict[str, dict[str, Any]] = {}
    for org, role in job["participants"].items():
        if role == "coordinator":
            parties[org] = {"role": "aggregator"}
            continue
        given = inputs.get(org)
        if given is None or not given["has_label"]:
            raise ConfigError(f"lender {org} brings no dataset with the label column to a horizontal job")
        parties[org] = {"role": "lender", "data": given["data"], "id": given["id"], "label": given["label"],
                        "features": given["features"]}  # fmt: skip
    aggregators = [org for org, spec in parties.items() if spec["role"] == "aggregator"]
    if len(aggregators) != 1 or len(parties) < 3:
        raise ConfigError("a horizontal job needs one coordinator (the aggregator) and at least two lenders")
    features = {tuple(spec["features"]) for spec in parties.values() if spec["role"] == "lender"}
    if len(features) != 1:
        raise ConfigError("every lender of a horizontal job brings the same feature columns")
    parties[aggregators[0]]["features"] = len(next(iter(features)))
    if set(job["components"]) - set(HORIZONTAL_COMPONENTS):
        raise ConfigError(f"a horizontal job's components are among {', '.join(HORIZONTAL_COMPONENTS)}")
    fl_job = _fl_job(job, parties, output, default_test_share=0.2)
    return simulate(fl_job, progress, transcript)


def run_psi(
    clients: Mapping[str, DataClient],
    job: Mapping[str, Any],
    output: Path,
    progress: Progress | None,
    transcript: Transcript,
) -> dict[str, Any]:
    from pledgenet.fl.alignment import align_guest, align_host
    from pledgenet.fl.data import load_party_csv
    from pledgenet.fl.horizontal.simulate import run_threads

    if set(job["components"]) != {"psi"}:
        raise ConfigError("a psi job has the one component 'psi'")
    inputs = _inputs(clients, job)
    guest = str(job["creator"])
    hosts = sorted(org for org, role in job["participants"].items() if role == "host")
    if guest not in inputs or not hosts or any(host not in inputs for host in hosts):
        raise ConfigError("a psi job needs the guest's dataset and each host's")
    report = progress or (lambda _stage, _share: None)

    def work(party: str, channel: Any) -> int:
        given = inputs[party]
        data = load_party_csv(given["data"], id_column=given["id"], party=party)  # only the ids are used
        if party == guest:
            report("psi", 0.0)
            aligned = align_guest(channel, data, hosts)
            report("psi", 1.0)
        else:
            aligned = align_host(channel, data, guest)
        return int(aligned.rows)

    counts = run_threads([guest, *hosts], work, transcript)
    return {"job": job["job"], "psi": {"intersection": counts[guest]}}


RUNNERS: dict[str, Runner] = {
    "psi": run_psi,
    "vertical_training": run_vertical,
    "horizontal_training": run_horizontal,
}
