"""Federated jobs run from the chain: created on chain, accepted by every participant, run only when the
chain says yes, the outcome recorded by the guest.

``create_job`` puts the job on chain (refused, and the attempt recorded, when a grant does not allow it).
``accept_job`` is a participant's node: it checks the grants on its own datasets with the same function
every peer runs (``grants.use_problem``) and accepts by signing, or refuses on chain with the reason.
``run_job`` runs an accepted job in the embedded alliance (every party here, over the in-memory channel):
each party's node first checks, from its own peer, that the job is accepted by all, that every grant still
allows it now and that its own file still matches the version the job named; if any says no, nothing
runs and the guest records the job ``aborted`` with the reason. Otherwise the vertical job runs
(``pledgenet.fl.job.simulate``) and the guest records the hash of each party's model file, the metrics, the
transcript hash and the content hashes used; a failed run is recorded ``failed`` with the error's class and
code (never its message, which may quote data).

Settings a job carries (``settings``): ``id`` (the id column's name in every data party's file, default
``id``), ``label`` (the guest's label column, default ``y``), ``test_share``. A data party's features are
its dataset's columns in the job other than the id and label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pledgenet.contracts.data import keys
from pledgenet.contracts.data.grants import USE_REASONS, use_problem
from pledgenet.data.client import DataClient, raise_refused_use
from pledgenet.data.files import commitment
from pledgenet.encoding import canonical, sha256_hex
from pledgenet.errors import (
    ConfigError,
    ContentMismatch,
    GrantInvalid,
    JobRefused,
    PledgenetError,
    UnknownDataRecord,
)
from pledgenet.fl.net.channel import Transcript
from pledgenet.fl.net.wire import encode
from pledgenet.fl.spec import Job, Progress


def create_job(
    guest: DataClient,
    *,
    kind: str,
    purpose: str,
    participants: Mapping[str, str],
    datasets: Sequence[Mapping[str, Any]],
    components: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
) -> str:
    """Put a job on chain as its guest; its id. A grant that does not allow it raises its reason."""
    args = {
        "kind": kind,
        "purpose": purpose,
        "participants": dict(participants),
        "datasets": [dict(item) for item in datasets],
        "components": dict(components),
        "settings": dict(settings or {}),
    }
    result = guest.submit("data.create_job", args).result
    raise_refused_use(result)
    return str(result["job"])


def job_record(client: DataClient, job_id: str) -> dict[str, Any]:
    record = client.peer.get(keys.job(job_id))
    if record is None:
        raise UnknownDataRecord(f"no job {job_id!r}", code="unknown_job")
    return dict(record)


def jobs(client: DataClient) -> list[dict[str, Any]]:
    return [dict(job) for _, job in client.peer.range(keys.JOB)]


def check_model(client: DataClient, job_id: str, model: str, path: Path) -> str:
    """Check a model file (``<org>.<component>``, e.g. ``bank-01.hetero_lr``) against the hash the job's
    outcome recorded; its hash, or ``ContentMismatch``."""
    outcome = job_record(client, job_id)["outcome"] or {}
    recorded = outcome.get("models", {}).get(model)
    if recorded is None:
        raise UnknownDataRecord(f"job {job_id} recorded no model {model!r}", code="unknown_job")
    try:
        digest = sha256_hex(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"model file {path} does not exist") from None
    if digest != recorded:
        raise ContentMismatch(f"{path} is not the model {model} job {job_id} recorded")
    return digest


def grant_problem(client: DataClient, job: Mapping[str, Any], owner: str | None = None) -> str | None:
    """The first reason (from this member's peer, now) why a grant of ``job`` does not allow it."""
    for item in job["datasets"]:
        if item["grant"] is None or owner not in (None, item["owner"]):
            continue
        reason = use_problem(
            client.peer.get(keys.grant(item["grant"])),
            dataset=item["dataset"],
            at=client.now(),
            user=job["creator"],
            operation=job["kind"],
            purpose=job["purpose"],
            columns=item["columns"],
            counted=True,
        )
        if reason is not None:
            return reason
    return None


def accept_job(client: DataClient, job_id: str) -> dict[str, Any]:
    """A participant's node: check its own grants, then accept by signing (or refuse on chain)."""
    job = job_record(client, job_id)
    reason = grant_problem(client, job, owner=client.org)
    if reason is not None and job["status"] == "proposed":
        client.submit("data.refuse_job", {"job": job_id, "reason": reason})
        raise GrantInvalid(f"job {job_id} refused: {USE_REASONS[reason]}", code=reason)
    return dict(client.submit("data.accept_job", {"job": job_id}).result)


def _party_check(client: DataClient, job: Mapping[str, Any]) -> None:
    """One party's node: may it start ``job``? Raises the reason when the chain says no."""
    if job["status"] != "accepted":
        raise JobRefused(f"job {job['job']} is {job['status']}, not accepted by all", code="job_not_accepted")
    reason = grant_problem(client, job)
    if reason is not None:
        raise GrantInvalid(f"job {job['job']} may not run: {USE_REASONS[reason]}", code=reason)
    for item in job["datasets"]:
        if item["owner"] == client.org:
            table = client.store.table(item["dataset"], item["version"])
            if commitment(table) != item["content_hash"]:
                raise ContentMismatch(
                    f"{client.org}'s file of {item['dataset']} v{item['version']} no longer matches the chain"
                )


def _fl_job(clients: Mapping[str, DataClient], job: Mapping[str, Any], output: Path) -> Job:
    from pledgenet.fl.components import COMPONENTS

    settings = job["settings"]
    id_column, label = str(settings.get("id", "id")), str(settings.get("label", "y"))
    parties: dict[str, dict[str, Any]] = {}
    for org, role in job["participants"].items():
        parties[org] = {"role": role}
    for item in job["datasets"]:
        owner = clients[item["owner"]]
        names = owner.store.names_by_id(item["dataset"], item["version"])
        columns = [names[column_id] for column_id in item["columns"]]
        if id_column not in columns:
            raise ConfigError(f"the job's columns of {item['dataset']} lack the id column {id_column!r}")
        spec = parties[item["owner"]]
        spec.update(
            data=str(owner.store.csv_path(item["dataset"], item["version"])),
            id=id_column,
            features=[c for c in columns if c not in (id_column, label)],
        )
        if spec["role"] == "guest":
            spec["label"] = label
    fl_job = Job(
        name=str(job["job"]),
        parties=parties,
        components=dict(job["components"]),
        test_share=float(settings.get("test_share", 0.3)),
        output=output,
        base_dir=Path.cwd(),
    )
    for name, params in fl_job.components.items():
        if name not in COMPONENTS:
            raise ConfigError(f"unknown component {name!r}")
        COMPONENTS[name].check(fl_job, params)
    return fl_job


def transcript_hash(transcript: Transcript) -> str:
    """SHA-256 over the transcript: each message's sender, receiver, tag and payload hash, in order."""
    entries = [[m.sender, m.receiver, m.tag, sha256_hex(encode(m.payload))] for m in transcript.messages]
    return sha256_hex(canonical(entries))


def _metrics(results: Mapping[str, Any]) -> dict[str, str | int]:
    metrics: dict[str, str | int] = {}
    for component, values in results.items():
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or name == "seconds":
                continue
            metrics[f"{component}.{name}"] = value if isinstance(value, int) else f"{value:.6f}"
    return metrics


def run_job(
    clients: Mapping[str, DataClient], job_id: str, output: Path, progress: Progress | None = None
) -> dict[str, Any]:
    """Run accepted job ``job_id`` with every participant's node here (``clients`` by org); return the
    outcome the guest recorded. Raises the reason when the chain says no (recorded as ``aborted``)."""
    from pledgenet.fl.job import simulate

    missing = sorted(set(job_record(next(iter(clients.values())), job_id)["participants"]) - set(clients))
    if missing:
        raise ConfigError(f"run_job needs every participant's node here (missing {', '.join(missing)})")
    job = job_record(next(iter(clients.values())), job_id)
    if job["kind"] != "vertical_training":
        raise ConfigError(f"run_job runs vertical training jobs; job {job_id} is {job['kind']}")
    guest = clients[job["creator"]]
    try:
        for org in job["participants"]:
            _party_check(clients[org], job_record(clients[org], job_id))
    except (GrantInvalid, JobRefused, ContentMismatch) as refused:
        if job["status"] in ("proposed", "accepted"):
            reason = f"{refused.code}: {refused.message}"[:500]
            guest.submit("data.finish_job", {"job": job_id, "status": "aborted", "reason": reason})
        raise
    transcript = Transcript()
    try:
        fl_job = _fl_job(clients, job, output)
        results = simulate(fl_job, progress, transcript)
    except PledgenetError as failure:
        reason = f"{type(failure).__name__} ({failure.code})"
        guest.submit("data.finish_job", {"job": job_id, "status": "failed", "reason": reason})
        raise
    models = {
        f"{org}.{name}": sha256_hex(path.read_bytes())
        for org in job["participants"]
        for name in job["components"]
        if (path := output / f"{org}.{name}.model.json").exists()
    }
    used = {}
    for item in job["datasets"]:
        used[item["dataset"]] = commitment(
            clients[item["owner"]].store.table(item["dataset"], item["version"])
        )
    args = {
        "job": job_id,
        "status": "finished",
        "models": models,
        "metrics": _metrics(results),
        "transcript_hash": transcript_hash(transcript),
        "content_hashes": used,
    }
    guest.submit("data.finish_job", args)
    return dict(job_record(guest, job_id)["outcome"])
