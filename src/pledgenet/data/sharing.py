"""Plaintext copies: served by the owner's node only, after the chain recorded the use; sealed for the
grantee alone.

The grantee sends a ``FetchRequest`` (dataset, grant, purpose, columns). ``OwnerService.serve`` is the
owner's node: it checks that its own file still matches the commitment on the chain, then commits a
``data.record_access`` transaction (signed by the owner, co-signed by the requester, so who asked is
proven); every peer checks the grant and records the use, served or refused. Only after a ``served``
record does the owner build the copy (the granted columns with their Merkle inclusion proofs) and seal
it with ``crypto.envelope`` for the requester alone: AES-256-GCM under a fresh data key, the data key
wrapped to the requester's on-chain X25519 key. A refused request gets the reason code and nothing else.

``serve`` takes and returns plain JSON values, so the node's HTTP API can expose it as one route; in the
embedded alliance the requester's co-signature is made in process (every member's keys are local). On its
side, ``fetch`` opens the envelope with the requester's key and checks every column against the chain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pledgenet.contracts.data import keys
from pledgenet.crypto.envelope import open_envelope, seal
from pledgenet.data.client import DataClient, raise_refused_use
from pledgenet.data.files import Table, check_copy, commitment, extract, to_csv
from pledgenet.errors import BadDataArguments, ContentMismatch, UnknownDataRecord

COPY_PURPOSE = "dataset_copy"


@dataclass(frozen=True)
class FetchRequest:
    requester: str
    dataset: str
    grant: str | None
    purpose: str
    columns: list[str]


class OwnerService:
    """The owner's node answering requests for copies of its datasets."""

    def __init__(self, owner: DataClient) -> None:
        self.owner = owner

    def serve(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one request: ``{"status": "served", "envelope", "use"}`` or ``{"status": "refused",
        "reason", "use"}``; raises for a malformed request or a file that no longer matches the chain."""
        try:
            wanted = FetchRequest(**request)
        except TypeError:
            raise BadDataArguments(
                f"a fetch request has exactly the fields {', '.join(FetchRequest.__dataclass_fields__)}"
            ) from None
        if not isinstance(wanted.columns, list) or not all(isinstance(c, str) for c in wanted.columns):
            raise BadDataArguments("a fetch request's 'columns' is a list of column ids")
        version = self.owner.dataset(wanted.dataset)
        if version["owner"] != self.owner.org:
            raise UnknownDataRecord(f"{self.owner.org} does not own {wanted.dataset}", code="not_in_catalog")
        table = self.owner.store.table(wanted.dataset, version["version"])
        if commitment(table) != version["content_hash"]:
            raise ContentMismatch(
                f"the stored file of {wanted.dataset} v{version['version']} no longer matches its commitment"
            )
        args = {
            "dataset": wanted.dataset,
            "version": version["version"],
            "requester": wanted.requester,
            "grant": wanted.grant,
            "purpose": wanted.purpose,
            "operation": "plaintext_copy",
            "columns": list(wanted.columns),
        }
        result = self.owner.submit("data.record_access", args, [wanted.requester]).result
        if result["outcome"] != "served":
            return {"status": "refused", "reason": result["reason"], "use": result["use"]}
        names = self.owner.store.names_by_id(wanted.dataset, version["version"])
        copy = extract(table, [names[column_id] for column_id in wanted.columns])
        copy.update(dataset=wanted.dataset, version=version["version"], use=result["use"])
        envelope = seal(
            copy,
            {wanted.requester: self.owner.public_key(wanted.requester)},
            purpose=f"{COPY_PURPOSE}:{wanted.dataset}",
        )
        return {"status": "served", "envelope": envelope, "use": result["use"]}


def fetch(
    requester: DataClient,
    service: OwnerService,
    dataset: str,
    *,
    grant: str | None,
    purpose: str,
    columns: list[str] | None = None,
    out: Path | None = None,
) -> Table:
    """The grantee's side: ask the owner's node for a copy, open it, check it against the chain.

    ``columns`` (names or ids; the grant's columns by default). A refusal raises its reason code's class
    (the attempt is on the chain); the copy is written to ``out`` as CSV when given.
    """
    if columns is None:
        record = requester.peer.get(keys.grant(grant)) if grant else None
        columns = list(record["columns"]) if record else []
    request = FetchRequest(requester.org, dataset, grant, purpose, requester.column_ids(dataset, columns))
    answer = service.serve(asdict(request))
    if answer["status"] != "served":
        raise_refused_use({"outcome": "refused", "reason": answer["reason"]})
    member = requester.alliance.member(requester.org)
    copy = open_envelope(answer["envelope"], requester.org, member.encryption_private_key)
    version = requester.peer.get(keys.version(dataset, copy["version"]))
    table = check_copy(copy, version["content_hash"])
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_csv(table), encoding="utf-8")
    return table
