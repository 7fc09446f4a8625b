"""Federated jobs on the chain: created first, accepted by every participant, their outcome recorded.

``create_job`` (the guest) names the job's kind (psi, vertical or horizontal training, inference), its
purpose, participants and roles, the datasets it uses with the grants that allow each one the guest does
not own, and its components and parameters. Every such grant is checked on chain (``use_problem``, with
the job's kind as the operation): if one fails, no job is created and each failing use is recorded as a
refused attempt with its reason (``uses.record_use``); otherwise each grant's use is recorded and counted.
The guest's signature on the creation is its acceptance; every other participant accepts by signing
``accept_job``, after the chain checks again the grants on its own datasets. A job is ``accepted`` when all
have; a participant may ``refuse_job`` instead. The guest records the end with ``finish_job``: the hash of
each party's model file, the metrics, the transcript hash and the content hashes of the datasets used
(which must be the versions the job named), or a failure or abort with its reason.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.data import common, keys
from pledgenet.contracts.data import params as p
from pledgenet.contracts.data.contract import contract
from pledgenet.contracts.data.grants import use_problem
from pledgenet.contracts.data.uses import record_use
from pledgenet.errors import BadDataArguments, ContentMismatch, GrantInvalid, JobRefused
from pledgenet.ledger.contract_api import TxContext

_MAX_PARTIES = 16
_MAX_METRICS = 64


def _participants(ctx: TxContext, args: dict[str, Any]) -> dict[str, str]:
    value = args.get("participants")
    if type(value) is not dict or not 2 <= len(value) <= _MAX_PARTIES:
        raise BadDataArguments(f"'participants' must map 2 to {_MAX_PARTIES} member orgs to their roles")
    for org, role in value.items():
        common.require_member(ctx, org, "participant")
        if role not in keys.JOB_ROLES:
            raise BadDataArguments(f"participant {org}'s role must be one of {', '.join(keys.JOB_ROLES)}")
    if value.get(ctx.submitter) != "guest" or list(value.values()).count("guest") != 1:
        raise BadDataArguments("the submitter creates a job as its one guest")
    return dict(value)


def _datasets(ctx: TxContext, args: dict[str, Any], participants: dict[str, str]) -> list[dict[str, Any]]:
    value = args.get("datasets")
    if type(value) is not list or not 1 <= len(value) <= _MAX_PARTIES:
        raise BadDataArguments(f"'datasets' must list 1 to {_MAX_PARTIES} datasets")
    chosen = []
    for item in value:
        if type(item) is not dict:
            raise BadDataArguments("every item of 'datasets' must be an object")
        version = common.dataset_version(ctx, common.identifier(item, "dataset"))
        if participants.get(version["owner"]) not in ("guest", "host"):
            raise BadDataArguments(f"{version['owner']}, the owner of {version['dataset']}, is no data party")
        own = version["owner"] == ctx.submitter
        grant_id = None if item.get("grant") is None else common.identifier(item, "grant")
        known = [column["id"] for column in version["schema"]]
        grant = None if grant_id is None else ctx.get(keys.grant(grant_id))
        of_this = grant is not None and grant["dataset"] == version["dataset"] and not own
        default = list(grant["columns"]) if grant is not None and of_this else known
        columns = common.choices(
            {"columns": item.get("columns", default)}, "columns", known, code="unknown_column"
        )
        chosen.append(
            {
                "dataset": version["dataset"],
                "version": version["version"],
                "owner": version["owner"],
                "grant": None if own else grant_id,
                "columns": columns,
                "content_hash": version["content_hash"],
                "_version": version,
            }
        )
    if len({item["dataset"] for item in chosen}) != len(chosen):
        raise BadDataArguments("a dataset appears twice in 'datasets'")
    return chosen


def _load_job(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    return common.load(ctx, keys.job(common.identifier(args, "job")), "job", "unknown_job")


@contract.operation("create_job")
def create_job(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Guest: put a federated job on the chain (refused, and the attempt recorded, without its grants)."""
    kind = common.choice(args, "kind", keys.JOB_KINDS)
    purpose = common.choice(args, "purpose", ctx.param(p.PURPOSES), code="unknown_purpose")
    participants = _participants(ctx, args)
    datasets = _datasets(ctx, args, participants)
    components = args.get("components")
    settings = args.get("settings", {})
    if type(components) is not dict or not components or type(settings) is not dict:
        raise BadDataArguments("'components' must be a non-empty object and 'settings' an object")
    job_id = "j" + ctx.tx_id[:16]
    granted = [item for item in datasets if item["grant"] is not None or item["owner"] != ctx.submitter]
    problems = {
        item["dataset"]: use_problem(
            None if item["grant"] is None else ctx.get(keys.grant(item["grant"])),
            dataset=item["dataset"],
            at=ctx.block_time,
            user=ctx.submitter,
            operation=kind,
            purpose=purpose,
            columns=item["columns"],
        )
        for item in granted
    }
    failing = [item for item in granted if problems[item["dataset"]] is not None]
    for item in failing or granted:
        record_use(
            ctx,
            item["_version"],
            item["grant"],
            user=ctx.submitter,
            operation=kind,
            purpose=purpose,
            columns=item["columns"],
            job=None if failing else job_id,
        )
    if failing:
        reason = problems[failing[0]["dataset"]]
        ctx.emit("data.job_refused", {"kind": kind, "creator": ctx.submitter, "reason": reason})
        return {"job": None, "outcome": "refused", "reason": reason}
    record = {
        "job": job_id,
        "creator": ctx.submitter,
        "kind": kind,
        "purpose": purpose,
        "participants": participants,
        "datasets": [{k: v for k, v in item.items() if k != "_version"} for item in datasets],
        "components": components,
        "settings": settings,
        "status": "proposed",
        "acceptances": {ctx.submitter: ctx.block_time},
        "created_at": ctx.block_time,
        "outcome": None,
    }
    common.put(ctx, keys.job(job_id), record)
    ctx.emit("data.job_created", {"job": job_id, "kind": kind, "participants": participants})
    return {"job": job_id, "outcome": "proposed", "reason": None}


def _participant(ctx: TxContext, job: dict[str, Any]) -> None:
    if ctx.submitter not in job["participants"]:
        raise JobRefused(
            f"{ctx.submitter} is not a participant of job {job['job']}", code="not_a_participant"
        )
    if job["status"] != "proposed":
        raise JobRefused(f"job {job['job']} is already {job['status']}", code="job_closed")


@contract.operation("accept_job")
def accept_job(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Participant: accept a proposed job; the chain checks again the grants on the submitter's datasets."""
    job = _load_job(ctx, args)
    _participant(ctx, job)
    if ctx.submitter in job["acceptances"]:
        raise JobRefused(f"{ctx.submitter} already accepted job {job['job']}", code="job_closed")
    for item in job["datasets"]:
        if item["owner"] == ctx.submitter and item["grant"] is not None:
            grant = ctx.get(keys.grant(item["grant"]))
            reason = use_problem(
                grant,
                dataset=item["dataset"],
                at=ctx.block_time,
                user=job["creator"],
                operation=job["kind"],
                purpose=job["purpose"],
                columns=item["columns"],
                counted=True,
            )
            if reason is not None:
                raise GrantInvalid(f"job {job['job']} may not use {item['dataset']}: {reason}", code=reason)
    job["acceptances"] = {**job["acceptances"], ctx.submitter: ctx.block_time}
    if set(job["acceptances"]) == set(job["participants"]):
        job["status"] = "accepted"
    common.put(ctx, keys.job(job["job"]), job)
    ctx.emit("data.job_accepted", {"job": job["job"], "by": ctx.submitter, "status": job["status"]})
    return {"job": job["job"], "status": job["status"]}


@contract.operation("refuse_job")
def refuse_job(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Participant: refuse a proposed job, with a reason."""
    job = _load_job(ctx, args)
    _participant(ctx, job)
    job.update(status="refused", outcome={"by": ctx.submitter, "reason": common.text(args, "reason")})
    common.put(ctx, keys.job(job["job"]), job)
    ctx.emit("data.job_refused", {"job": job["job"], "by": ctx.submitter})
    return {"job": job["job"], "status": "refused"}


def _hashes(args: dict[str, Any], name: str, allowed: set[str]) -> dict[str, str]:
    value = args.get(name)
    if type(value) is not dict or not set(value) <= allowed:
        raise BadDataArguments(f"{name!r} must map some of {sorted(allowed)} to SHA-256 digests")
    return {key: common.digest(value, key) for key in value}


@contract.operation("finish_job")
def finish_job(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Guest: record a job's outcome (model hashes, metrics, transcript, data used) or its failure."""
    job = _load_job(ctx, args)
    if ctx.submitter != job["creator"]:
        raise JobRefused(
            f"only the guest {job['creator']} records job {job['job']}'s end", code="not_a_participant"
        )
    status = common.choice(args, "status", ("finished", "failed", "aborted"))
    allowed_from = ("accepted",) if status == "finished" else ("proposed", "accepted")
    if job["status"] not in allowed_from:
        code = "job_not_accepted" if job["status"] == "proposed" else "job_closed"
        raise JobRefused(f"job {job['job']} is {job['status']}: it cannot be recorded {status}", code=code)
    outcome: dict[str, Any] = {"at": ctx.block_time, "height": ctx.block_height}
    if status == "finished":
        used = _hashes(args, "content_hashes", {item["dataset"] for item in job["datasets"]})
        for item in job["datasets"]:
            if used.get(item["dataset"]) != item["content_hash"]:
                raise ContentMismatch(
                    f"the data used for {item['dataset']} is not version {item['version']}'s content"
                )
        metrics = args.get("metrics")
        if (
            type(metrics) is not dict
            or len(metrics) > _MAX_METRICS
            or any(type(v) not in (str, int) for v in metrics.values())
        ):
            raise BadDataArguments(f"'metrics' must map at most {_MAX_METRICS} names to strings or integers")
        model_files = {f"{org}.{name}" for org in job["participants"] for name in job["components"]}
        outcome.update(
            models=_hashes(args, "models", model_files),
            metrics=metrics,
            content_hashes=used,
            transcript_hash=common.digest(args, "transcript_hash"),
        )
    else:
        outcome["reason"] = common.text(args, "reason", limit=500)
    job.update(status=status, outcome=outcome)
    common.put(ctx, keys.job(job["job"]), job)
    ctx.emit("data.job_" + status, {"job": job["job"], "status": status})
    return {"job": job["job"], "status": status}
