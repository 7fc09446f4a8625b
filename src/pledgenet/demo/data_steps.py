"""Demo steps of the data layer, run by ``pledgenet demo`` (see ``pledgenet.demo.runner.STEPS``).

A bank registers a level-3 dataset (its column names sealed), a broker registers its own and requests a
grant for credit modelling; the grading needs the registrar besides the bank. The broker fetches a copy
from the bank's node (recorded first), then a vertical training job is created on chain, accepted by
every participant, run and its outcome recorded (model hashes, metrics, transcript hash, content hashes).
The bank revokes; the next fetch is refused and recorded as an attempt with an alert.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console

from pledgenet.contracts.governance import members_with_role
from pledgenet.data.client import DataClient
from pledgenet.data.jobs import accept_job, create_job, job_record, run_job
from pledgenet.data.sharing import OwnerService, fetch
from pledgenet.errors import GrantInvalid, IntegrityError
from pledgenet.ledger.alliance import Alliance

DATA_DIR = Path(__file__).resolve().parents[3] / "data"
HOST_COLUMNS: dict[str, dict[str, Any]] = {
    "id": {"level": 3, "pi": "C2"},
    **{f"x{i}": {"level": 3} for i in range(10)},
}


class DemoRunLike(Protocol):
    console: Console
    notes: dict[str, Any]
    quick: bool

    @property
    def ledger(self) -> Alliance: ...


def _first(run: DemoRunLike, role: str) -> str:
    return sorted(members_with_role(run.ledger.producer_peer, role))[0]


def catalog_and_grant(run: DemoRunLike) -> None:
    """Register two datasets, request a grant, approve it under separation of duties, fetch a copy."""
    bank_org, broker_org, registrar_org = _first(run, "bank"), _first(run, "broker"), _first(run, "registrar")
    bank, broker, registrar = (DataClient(run.ledger, org) for org in (bank_org, broker_org, registrar_org))
    bank.register("bank-credit", DATA_DIR / "breast_hetero_host.csv", title="Borrower credit features",
                  description="the bank's borrowers' credit features", level=3, columns=HOST_COLUMNS,
                  hide_names=True)  # fmt: skip
    broker.register("broker-defaults", DATA_DIR / "breast_hetero_guest.csv", title="Pledgor defaults",
                    description="default labels of the broker's pledgors", level=3,
                    columns={"id": {"level": 3, "pi": "C2"}, "y": {"level": 3}})  # fmt: skip
    head = broker.dataset("bank-credit")
    hidden = sum(column["name"] is None for column in head["schema"])
    run.console.print(
        f"{bank_org} registers bank-credit: level {head['level']}, {head['rows']} rows, "
        f"{len(head['schema'])} columns ({hidden} names sealed from {broker_org}), "
        f"content root {head['content_hash'][:16]}…"
    )
    columns = [column["id"] for column in head["schema"]]
    operations = ["plaintext_copy", "vertical_training"]
    grant = broker.request(
        "bank-credit", columns=columns, purpose="credit_modelling", operations=operations, days=30, max_uses=5
    )
    registrar.approve(grant)
    bank.approve(grant)
    record = broker.grant(grant)
    approvals = ", ".join(f"{slot}: {entry['org']}" for slot, entry in record["approvals"].items())
    run.console.print(
        f"{broker_org} requests grant {grant} (credit_modelling, copy + vertical training, 30 days, 5 uses); "
        f"needs {', '.join(record['required'])}; approved by {approvals}: {record['status']}"
    )
    copy = fetch(broker, OwnerService(bank), "bank-credit", grant=grant, purpose="credit_modelling")
    [use] = bank.uses("bank-credit", user=broker_org)
    run.console.print(
        f"{broker_org} fetches a copy from {bank_org}'s node: {copy.rows} rows x {len(copy.names)} columns, "
        f"checked against the chain; use #{use['use']} recorded first ({use['outcome']})"
    )
    run.notes["data"] = {"grant": grant, "bank": bank_org, "broker": broker_org, "registrar": registrar_org}


def job_and_revocation(run: DemoRunLike) -> None:
    """A vertical job on chain: created, accepted, run, recorded; then a revocation refuses the next use."""
    notes = run.notes["data"]
    orgs = {"guest": notes["broker"], "host": notes["bank"], "coordinator": notes["registrar"]}
    clients = {org: DataClient(run.ledger, org) for org in orgs.values()}
    broker, bank = clients[notes["broker"]], clients[notes["bank"]]
    job_id = create_job(
        broker,
        kind="vertical_training",
        purpose="credit_modelling",
        participants={org: role for role, org in orgs.items()},
        datasets=[{"dataset": "broker-defaults"}, {"dataset": "bank-credit", "grant": notes["grant"]}],
        components={"hetero_lr": {"epochs": 2 if run.quick else 3, "batch_size": 64}},
    )
    for org in (notes["bank"], notes["registrar"]):
        accept_job(clients[org], job_id)
    with tempfile.TemporaryDirectory() as output:
        outcome = run_job(clients, job_id, Path(output))
    job = job_record(DataClient(run.ledger, _first(run, "regulator")), job_id)
    run.console.print(
        f"job {job_id} ({job['kind']}) accepted by {', '.join(sorted(job['acceptances']))}; {job['status']}: "
        f"auc {outcome['metrics'].get('hetero_lr.auc')}, models {', '.join(sorted(outcome['models']))}, "
        f"transcript {outcome['transcript_hash'][:16]}…"
    )
    bank.revoke(notes["grant"], "demo: relationship ended")
    try:
        fetch(broker, OwnerService(bank), "bank-credit", grant=notes["grant"], purpose="credit_modelling")
    except GrantInvalid as refused:
        attempt = bank.uses("bank-credit", user=notes["broker"])[-1]
        run.console.print(
            f"{notes['bank']} revokes the grant; the next fetch is refused ({refused.code}) and recorded as "
            f"attempt #{attempt['use']} with alerts {attempt['alerts']}"
        )
    else:
        raise IntegrityError("the revoked grant still served a copy")
