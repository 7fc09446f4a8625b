"""One party of a chain job, networked: ``pledgenet fl run JOB_FILE --party ORG --job ID --dir D``.

The job file gives what the chain does not hold: the parties' network addresses and keys (as for any
networked job, ``fl.net.job``) and each party's settings. The chain decides whether the party may run:
its node reads the job from its own peer and refuses (``JobRefused``, ``GrantInvalid``,
``ContentMismatch``, with the reason code) unless the job is accepted by every participant, every grant
still allows it now, and its own stored file still matches the version the job named; the job file's
parties and roles must be the chain's (``coordinator`` is a horizontal job's ``aggregator``, ``guest`` and
``host`` its ``lender`` s). The party then runs on its own stored file of that version, never on a path the
job file names. When the guest refuses, it records the job ``aborted`` with the reason; when its run
fails, ``failed`` with the error's class and code.

The outcome of a successful networked run is not recorded here: the guest alone cannot vouch for the
other parties' model files and content hashes (in the embedded run, ``data.jobs.run_job``, every node is
here and it can).
"""

from __future__ import annotations

from typing import Any

from pledgenet.data.client import DataClient
from pledgenet.data.jobs import job_record, party_check
from pledgenet.errors import ContentMismatch, GrantInvalid, JobRefused, PledgenetError
from pledgenet.fl.spec import Job, Progress

_HORIZONTAL_ROLE = {"coordinator": "aggregator", "guest": "lender", "host": "lender"}


def _check_roles(record: dict[str, Any], job: Job) -> None:
    horizontal = record["kind"] == "horizontal_training"
    expected = {
        org: (_HORIZONTAL_ROLE[role] if horizontal else role) for org, role in record["participants"].items()
    }
    given = {org: spec.get("role") for org, spec in job.parties.items()}
    if given != expected:
        raise JobRefused(
            f"the job file's parties {given} are not the chain's job {record['job']} ({expected})",
            code="not_a_participant",
        )
    if job.components != record["components"]:
        raise JobRefused(
            f"the job file's components are not those the chain's job {record['job']} was accepted with",
            code="not_a_participant",
        )


def run_chain_party(client: DataClient, job_id: str, job: Job, progress: Progress | None = None) -> Any:
    """Run ``client.org``'s side of chain job ``job_id`` over the network described by ``job``."""
    from pledgenet.fl.horizontal import job as horizontal
    from pledgenet.fl.net.job import run_networked

    record = job_record(client, job_id)
    party = client.org
    if party not in record["participants"]:
        raise JobRefused(f"{party} is not a participant of job {job_id}", code="not_a_participant")
    is_guest = record["creator"] == party
    try:
        _check_roles(record, job)
        party_check(client, record)
    except (GrantInvalid, JobRefused, ContentMismatch) as refused:
        if is_guest and record["status"] in ("proposed", "accepted"):
            reason = f"{refused.code}: {refused.message}"[:500]
            client.submit("data.finish_job", {"job": job_id, "status": "aborted", "reason": reason})
        raise
    for item in record["datasets"]:
        if item["owner"] == party:
            job.parties[party]["data"] = str(client.store.csv_path(item["dataset"], item["version"]))
    try:
        if record["kind"] == "horizontal_training":
            return horizontal.run_networked(job, party, progress)
        return run_networked(job, party, progress)
    except PledgenetError as failure:
        if is_guest:
            reason = f"{type(failure).__name__} ({failure.code})"
            client.submit("data.finish_job", {"job": job_id, "status": "failed", "reason": reason})
        raise
