"""The attest contract: attested compute workers, per-dataset allow-lists, key releases and job records.

Every peer verifies a worker's evidence itself, with the block time as the verification time and the
collateral the registering member carried in the transaction, so all reach the same verdict
(``pledgenet.crypto.attestation.evidence``); the policy it is judged by is governed
(``pledgenet.crypto.attestation.policy``).

State::

    attest/worker/<worker>       {"worker", "operator", "public_key", "evidence_type", "label",
                                  "tcb_status", "advisories", "measurement", "measurement_name",
                                  "report_data", "quote_hash", "collateral_hash", "registered_at",
                                  "expires_at", "height"}
    attest/collateral/<sha256>   {"hash", "size", "registered_by", "valid_until", "first_height"}
    attest/dataset/<dataset>     {"dataset", "owner", "data_hash", "workers", "registered_at"}
    attest/request/<tx id>       {"id", "dataset", "worker", "requester", "owner", "status"
                                  (pending / released / refused), "reason", "requested_at", "height", ...}
    attest/release/<request id>  {"request", "dataset", "worker", "owner", "envelope", "label", ...}
    attest/job/<job>             {"job", "worker", "operator", "datasets", "result_hash", "measurement",
                                  "measurement_name", "evidence_type", "label", "recorded_at", "height"}

The quote and collateral are not kept in state: they stay in the registering transaction (every peer
holds the block), and state keeps their hashes. A registration transaction with an SGX quote and its
collateral is about 30 KB of the 64 KiB limit (see docs/attestation.md).

A key request is recorded whatever its outcome: refused when the worker's attestation is not valid at
that block or the dataset's allow-list does not name it, pending otherwise; the owner's release records
the wrapped key, or a refusal if the worker lost its attestation in between.
"""

from __future__ import annotations

import re
from typing import Any

from pledgenet.crypto.attestation.evidence import NONE, SGX, TDX, load_collateral, none_evidence, verify
from pledgenet.crypto.attestation.policy import DEFAULT_PARAMS, Policy, judge
from pledgenet.crypto.attestation.status import WorkerStatus, worker_status
from pledgenet.crypto.envelope import check_shape, recipients_of
from pledgenet.encoding import canonical
from pledgenet.errors import AttestationError, EvidenceMalformed, ReportDataMismatch, WorkerNotAttested
from pledgenet.ledger.contract_api import Contract, TxContext

contract = Contract(name="attest", default_params=dict(DEFAULT_PARAMS))

WORKER = "attest/worker/"
COLLATERAL = "attest/collateral/"
DATASET = "attest/dataset/"
REQUEST = "attest/request/"
RELEASE = "attest/release/"
JOB = "attest/job/"
KEY_PURPOSE = "attest-dataset-key"
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HEX = re.compile(r"^[0-9a-f]*$")
_MAX_WORKERS = 64


def _bad(message: str) -> AttestationError:
    return AttestationError(message, code="bad_attest_arguments")


def _ident(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if type(value) is not str or not _ID.match(value):
        raise _bad(f"'{name}' must be 1 to 64 lowercase letters, digits, '.', '_' or '-'")
    return value


def _hex(args: dict[str, Any], name: str, size: int | None = None) -> str:
    value = args.get(name)
    if type(value) is not str or not _HEX.match(value) or len(value) % 2:
        raise _bad(f"'{name}' must be lowercase hex")
    if size is not None and len(value) != 2 * size:
        raise _bad(f"'{name}' must be {size} bytes")
    return value


def policy(ctx: TxContext) -> Policy:
    return Policy.from_params(ctx.param)


def _worker(ctx: TxContext, worker: str) -> dict[str, Any]:
    """The registration of a worker known to exist (its status was checked first)."""
    record = ctx.get(WORKER + worker)
    if record is None:
        raise WorkerNotAttested(f"worker {worker} has no attestation on chain")
    return dict(record)


def status_of(ctx: TxContext, worker: str) -> WorkerStatus:
    return worker_status(worker, ctx.get(WORKER + worker), policy(ctx), ctx.block_time)


def _verify_evidence(ctx: TxContext, evidence: Any) -> dict[str, Any]:
    """Verify the evidence at the block time; the verified fields as a dict (plus the collateral size)."""
    if type(evidence) is not dict or evidence.get("type") not in (SGX, TDX, NONE):
        raise EvidenceMalformed("'evidence' must be an object whose 'type' is sgx, tdx or none")
    at_time = ctx.block_time // 1000
    if evidence["type"] == NONE:
        return none_evidence(bytes.fromhex(_hex(evidence, "report_data", 64)), at_time).as_dict()
    quote = bytes.fromhex(_hex(evidence, "quote"))
    collateral = load_collateral(evidence.get("collateral"))
    verified = verify(quote, collateral, at_time).as_dict()
    if verified["evidence_type"] != evidence["type"]:
        raise EvidenceMalformed(
            f"the evidence says {evidence['type']} but the quote is {verified['evidence_type']}"
        )
    verified["collateral_size"] = len(canonical(collateral))
    return verified


@contract.operation("register_worker")
def register_worker(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A member registers (or renews) a compute worker it operates, with evidence binding the worker's key."""
    worker = _ident(args, "worker")
    public_key = _hex(args, "public_key", 32)
    existing = ctx.get(WORKER + worker)
    if existing is not None and existing["operator"] != ctx.submitter:
        raise AttestationError(f"worker {worker} is operated by {existing['operator']}", code="not_operator")
    verified = _verify_evidence(ctx, args.get("evidence"))
    current = policy(ctx)
    measurement_name = judge(current, verified)
    if verified["report_data"][:64] != public_key:
        raise ReportDataMismatch("the report data's first 32 bytes are not the worker's X25519 public key")
    expires_at = ctx.block_time + current.registration_ttl_ms
    if verified["valid_until"] is not None:
        expires_at = min(expires_at, verified["valid_until"] * 1000)
    record = {
        "worker": worker,
        "operator": ctx.submitter,
        "public_key": public_key,
        **{name: verified[name] for name in ("evidence_type", "label", "tcb_status", "advisories")},
        **{name: verified[name] for name in ("measurement", "report_data", "quote_hash", "collateral_hash")},
        "measurement_name": measurement_name,
        "registered_at": ctx.block_time,
        "expires_at": expires_at,
        "height": ctx.block_height,
    }
    collateral_key = COLLATERAL + str(verified["collateral_hash"])
    if verified["collateral_hash"] is not None and ctx.get(collateral_key) is None:
        ctx.put(collateral_key, {"hash": verified["collateral_hash"], "size": verified["collateral_size"],
                                 "registered_by": ctx.submitter, "valid_until": verified["valid_until"],
                                 "first_height": ctx.block_height})  # fmt: skip
    ctx.put(WORKER + worker, record)
    event = {"worker": worker, "operator": ctx.submitter, "label": record["label"], "expires_at": expires_at}
    ctx.emit("attest.worker_registered", {**event, "renewal": existing is not None})
    return {**event, "tcb_status": record["tcb_status"], "measurement_name": measurement_name}


def _workers(args: dict[str, Any]) -> list[str]:
    workers = args.get("workers")
    if type(workers) is not list or len(workers) > _MAX_WORKERS:
        raise _bad(f"'workers' must be a list of at most {_MAX_WORKERS} worker ids")
    return sorted({_ident({"worker": item}, "worker") for item in workers})


@contract.operation("register_dataset")
def register_dataset(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A data owner announces a dataset (by the hash of its ciphertext) and the workers allowed to use it."""
    dataset = _ident(args, "dataset")
    data_hash = _hex(args, "data_hash", 32)
    workers = _workers(args)
    if ctx.get(DATASET + dataset) is not None:
        raise AttestationError(f"dataset {dataset} is already registered", code="duplicate_dataset")
    record = {"dataset": dataset, "owner": ctx.submitter, "data_hash": data_hash, "workers": workers,
              "registered_at": ctx.block_time}  # fmt: skip
    ctx.put(DATASET + dataset, record)
    ctx.emit("attest.dataset_registered", {"dataset": dataset, "owner": ctx.submitter, "workers": workers})
    return record


def _dataset(ctx: TxContext, dataset: str) -> dict[str, Any]:
    record = ctx.get(DATASET + dataset)
    if record is None:
        raise AttestationError(f"no dataset {dataset}", code="unknown_dataset")
    return dict(record)


@contract.operation("allow_workers")
def allow_workers(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """The dataset's owner replaces its allow-list of workers."""
    record = _dataset(ctx, _ident(args, "dataset"))
    workers = _workers(args)
    if record["owner"] != ctx.submitter:
        raise AttestationError(f"only {record['owner']} may change this dataset's workers", code="not_owner")
    record["workers"] = workers
    ctx.put(DATASET + record["dataset"], record)
    ctx.emit("attest.workers_allowed", {"dataset": record["dataset"], "workers": workers})
    return record


def _refusal(ctx: TxContext, dataset: dict[str, Any] | None, worker: str, requester: str) -> str:
    """Why a key request (or its release) must be refused now; empty when it may go ahead."""
    if dataset is None:
        return "unknown_dataset: no such dataset"
    status = status_of(ctx, worker)
    if not status.valid:
        return f"{status.status}: {status.reason}"
    record = _worker(ctx, worker)
    if record["operator"] != requester:
        return f"not_operator: worker {worker} is operated by {record['operator']}"
    if worker not in dataset["workers"]:
        return f"not_allowed: dataset {dataset['dataset']} does not allow worker {worker}"
    return ""


@contract.operation("request_key")
def request_key(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A worker's operator asks for a dataset's key; recorded as pending or refused, never dropped."""
    worker = _ident(args, "worker")
    dataset_id = _ident(args, "dataset")
    dataset = ctx.get(DATASET + dataset_id)
    reason = _refusal(ctx, dataset, worker, ctx.submitter)
    record = {
        "id": ctx.tx_id,
        "dataset": dataset_id,
        "worker": worker,
        "requester": ctx.submitter,
        "owner": None if dataset is None else dataset["owner"],
        "status": "refused" if reason else "pending",
        "reason": reason,
        "requested_at": ctx.block_time,
        "height": ctx.block_height,
        "label": status_of(ctx, worker).label,
    }
    ctx.put(REQUEST + ctx.tx_id, record)
    ctx.emit("attest.key_refused" if reason else "attest.key_requested", record)
    return record


@contract.operation("release_key")
def release_key(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """The owner releases the key of a pending request, sealed to the worker's key alone; re-checked here."""
    request_id = _hex(args, "request", 32)
    stored = ctx.get(REQUEST + request_id)
    if stored is None:
        raise AttestationError(f"no key request {request_id}", code="unknown_request")
    request = dict(stored)
    if request["owner"] != ctx.submitter:
        raise AttestationError(f"only {request['owner']} may answer this request", code="not_owner")
    if request["status"] != "pending":
        raise AttestationError(f"the request is already {request['status']}", code="request_closed")
    envelope: Any = args.get("envelope")
    reason = _refusal(ctx, ctx.get(DATASET + request["dataset"]), request["worker"], request["requester"])
    if not reason and envelope is None:
        raise _bad("a release needs the key 'envelope' (sealed to the worker)")
    if not reason:
        check_shape(envelope)
        if recipients_of(envelope) != {request["worker"]} or envelope["purpose"] != KEY_PURPOSE:
            raise _bad(f"the key must be sealed for {request['worker']} alone, purpose {KEY_PURPOSE!r}")
    request.update(status="refused" if reason else "released", reason=reason, answered_at=ctx.block_time,
                   answered_height=ctx.block_height)  # fmt: skip
    ctx.put(REQUEST + request_id, request)
    if reason:
        ctx.emit("attest.key_refused", request)
        return request
    worker = _worker(ctx, request["worker"])
    release = {
        "request": request_id,
        "dataset": request["dataset"],
        "worker": request["worker"],
        "owner": ctx.submitter,
        "public_key": worker["public_key"],
        "measurement_name": worker["measurement_name"],
        "label": worker["label"],
        "envelope": envelope,
        "released_at": ctx.block_time,
        "height": ctx.block_height,
    }
    ctx.put(RELEASE + request_id, release)
    ctx.emit(
        "attest.key_released", {name: release[name] for name in ("request", "dataset", "worker", "label")}
    )
    return request


@contract.operation("record_job")
def record_job(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A worker's operator records a job's result hash over datasets released to that worker."""
    job = _ident(args, "job")
    worker = _ident(args, "worker")
    result_hash = _hex(args, "result_hash", 32)
    datasets = args.get("datasets")
    if type(datasets) is not list or not datasets or len(datasets) > _MAX_WORKERS:
        raise _bad("'datasets' must be a non-empty list of dataset ids")
    names = sorted({_ident({"dataset": item}, "dataset") for item in datasets})
    if ctx.get(JOB + job) is not None:
        raise AttestationError(f"job {job} is already recorded", code="duplicate_job")
    status = status_of(ctx, worker)
    if not status.valid:
        raise WorkerNotAttested(f"worker {worker} is {status.status}: {status.reason}")
    record = _worker(ctx, worker)
    if record["operator"] != ctx.submitter:
        raise AttestationError(f"worker {worker} is operated by {record['operator']}", code="not_operator")
    released = {value["dataset"] for _key, value in ctx.range(RELEASE) if value["worker"] == worker}
    missing = [name for name in names if name not in released]
    if missing:
        raise AttestationError(f"no key of {missing} was released to {worker}", code="not_released")
    entry = {"job": job, "worker": worker, "operator": ctx.submitter, "datasets": names,
             "result_hash": result_hash, "measurement": record["measurement"],
             "measurement_name": record["measurement_name"], "evidence_type": record["evidence_type"],
             "label": record["label"], "recorded_at": ctx.block_time, "height": ctx.block_height}  # fmt: skip
    ctx.put(JOB + job, entry)
    ctx.emit("attest.job_recorded", {"job": job, "worker": worker, "label": record["label"]})
    return entry
