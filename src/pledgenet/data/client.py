"""The Python client of the data contract: one call per operation, and the views a member reads.

A ``DataClient`` acts for one member of an embedded ``Alliance`` (which holds every member's keys, so it
can collect the co-signatures an operation needs). It computes content commitments from files, keeps the
member's own files in its ``DataStore``, seals hidden column names for the entitled members with their
on-chain X25519 keys, and raises a refusal as exactly the class the contract raised (``errors.refusal``):
an invalid transaction for a malformed or forbidden call (nothing changed), or, for a use recorded as a
refused attempt, the ``GrantInvalid`` of its reason code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pledgenet.contracts.data import keys
from pledgenet.contracts.data import params as p
from pledgenet.contracts.data.catalog import column_level
from pledgenet.contracts.governance import member_key, members_with_role, param_key
from pledgenet.crypto.envelope import open_envelope, seal
from pledgenet.data.files import commitment, infer_type, read_table
from pledgenet.data.store import DataStore
from pledgenet.encoding import sha256_hex
from pledgenet.errors import (
    AccessDenied,
    BadDataArguments,
    ConfigError,
    EnvelopeError,
    NotFound,
    UnknownDataRecord,
    refusal,
)

if TYPE_CHECKING:
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer
    from pledgenet.ledger.records import TxReceipt

DAY_MS = 86_400_000


def raise_for(receipt: TxReceipt) -> TxReceipt:
    """A valid receipt; an invalid one raised as the class of its reason code."""
    if receipt.valid:
        return receipt
    raise refusal(receipt.code, f"{receipt.tx_type or 'transaction'} refused: {receipt.message}")


def raise_refused_use(result: Mapping[str, Any]) -> None:
    """Raise the refusal of a use the chain recorded as a refused attempt."""
    reason = result.get("reason")
    if result.get("outcome") == "refused" and isinstance(reason, str):
        from pledgenet.contracts.data.grants import USE_REASONS

        raise refusal(reason, f"refused and recorded as an attempt: {USE_REASONS.get(reason, reason)}")


class DataClient:
    """Data-contract calls made by member ``org`` of ``alliance``."""

    def __init__(self, alliance: Alliance, org: str) -> None:
        alliance.member(org)
        self.alliance = alliance
        self.org = org
        self.store = DataStore(alliance.directory / "orgs" / org / "datasets")

    # ------------------------------------------------------------------ plumbing

    @property
    def peer(self) -> Peer:
        return self.alliance.peer(self.org)

    def param(self, name: str) -> Any:
        return self.peer.get(param_key(name))

    def members_with(self, role: str) -> list[str]:
        return members_with_role(self.peer, role)

    def public_key(self, org: str) -> str:
        member = self.peer.get(member_key(org))
        if member is None:
            raise NotFound(f"{org} is not a member of the alliance")
        return str(member["encryption_key"])

    def seal_for(self, readers: Sequence[str], record: Any, purpose: str) -> dict[str, Any]:
        """Seal ``record`` for ``readers``, every registrar and every regulator."""
        orgs = sorted({*readers, *self.members_with("registrar"), *self.members_with("regulator")})
        return seal(record, {org: self.public_key(org) for org in orgs}, purpose=purpose)

    def submit(self, tx_type: str, args: dict[str, Any], co_signers: Sequence[str] = ()) -> TxReceipt:
        signers = [self.org, *[org for org in dict.fromkeys(co_signers) if org != self.org]]
        return raise_for(self.alliance.submit(tx_type, args, signers))

    def now(self) -> int:
        """The block time of the latest block on this member's peer (ms)."""
        return int(self.peer.block(self.peer.height).header.timestamp)

    # ------------------------------------------------------------------ the catalog

    def register(
        self,
        dataset: str,
        path: Path,
        *,
        title: str,
        description: str,
        level: int,
        pi: str | None = None,
        columns: Mapping[str, Mapping[str, Any]] | None = None,
        hide_names: bool = False,
    ) -> dict[str, Any]:
        """Register ``path`` as dataset ``dataset`` (or its next version). ``columns`` gives a column's
        ``level`` (default 1) and ``pi`` class; with ``hide_names`` the names of columns of level 3 and above
        are sealed for the owner, registrars and regulators. Returns the version record."""
        table = read_table(path)
        columns = dict(columns or {})
        unknown = sorted(set(columns) - set(table.names))
        if unknown:
            raise BadDataArguments(f"no column {unknown[0]!r} in {path}", code="unknown_column")
        head = self.peer.get(keys.dataset(dataset))
        ids = self._column_ids(dataset, head, table.names)
        pi_levels = self.param(p.PI_LEVELS)
        schema, hidden = [], {}
        for name, values in zip(table.names, table.columns, strict=True):
            spec = columns.get(name, {})
            entry = {
                "id": ids[name],
                "name": name,
                "type": spec.get("type", infer_type(values)),
                "level": spec.get("level", 1),
                "pi": spec.get("pi"),
            }
            if hide_names and column_level(entry, pi_levels) >= 3:
                hidden[ids[name]] = name
                entry["name"] = None
            schema.append(entry)
        sealed = self.seal_for([self.org], hidden, "column_names") if hidden else None
        args = {
            "dataset": dataset,
            "title": title,
            "description": description,
            "schema": schema,
            "level": level,
            "pi": pi,
            "rows": table.rows,
            "content_hash": commitment(table),
            "sealed_names": sealed,
        }
        receipt = self.submit("data.register_dataset", args)
        self.store.put(dataset, receipt.result["version"], table, ids)
        return self.dataset(dataset, receipt.result["version"])

    def _column_ids(self, dataset: str, head: Mapping[str, Any] | None, names: list[str]) -> dict[str, str]:
        """Stable column ids: the previous version's for names it had, new ones for the others."""
        previous: dict[str, str] = {}
        if head is not None:
            if head["owner"] != self.org:
                return {name: f"c{i + 1}" for i, name in enumerate(names)}  # the contract refuses it
            number = int(head["version"])
            if self.store.has(dataset, number):
                previous = {n: i for i, n in self.store.names_by_id(dataset, number).items()}
        used = {int(column_id[1:]) for column_id in previous.values()}
        ids, next_id = {}, max(used, default=0) + 1
        for name in names:
            if name in previous:
                ids[name] = previous[name]
            else:
                ids[name], next_id = f"c{next_id}", next_id + 1
        return ids

    def dataset(self, dataset: str, version: int | None = None) -> dict[str, Any]:
        """A version (the latest by default) as this member sees it: hidden names filled in where it is
        entitled (``names_visible``)."""
        head = self.peer.get(keys.dataset(dataset))
        if head is None:
            raise UnknownDataRecord(f"no dataset {dataset!r}", code="not_in_catalog")
        number = int(head["version"]) if version is None else version
        record = self.peer.get(keys.version(dataset, number))
        if record is None:
            raise UnknownDataRecord(f"dataset {dataset} has no version {number}", code="unknown_version")
        record = dict(record)
        names = self.visible_names(record)
        record["schema"] = [
            {**column, "name": column["name"] or names.get(column["id"])} for column in record["schema"]
        ]
        record["names_visible"] = all(column["name"] for column in record["schema"])
        return record

    def visible_names(self, version: Mapping[str, Any]) -> dict[str, str]:
        """Hidden column names this member may read: all (owner, registrar, regulator) or its grants'."""
        names: dict[str, str] = {}
        member = self.alliance.member(self.org)
        envelopes = [version.get("sealed_names")]
        envelopes += [
            grant.get("column_names")
            for grant in self.grants(version["dataset"])
            if grant["grantee"] == self.org
        ]
        for envelope in envelopes:
            if envelope is None:
                continue
            try:
                names.update(open_envelope(envelope, self.org, member.encryption_private_key))
            except (AccessDenied, EnvelopeError):
                continue
        return names

    def datasets(self) -> list[dict[str, Any]]:
        """The latest version of every dataset in the catalog."""
        return [
            self.dataset(str(head["dataset"]))
            for key, head in self.peer.range(keys.DATASET)
            if key.count("/") == 2
        ]

    def history(self, dataset: str) -> list[dict[str, Any]]:
        return [dict(value) for _, value in self.peer.range(f"{keys.DATASET}{dataset}/v/")]

    def column_ids(self, dataset: str, wanted: Sequence[str]) -> list[str]:
        """Column ids from names this member can see, or ids given as such."""
        schema = self.dataset(dataset)["schema"]
        by_name = {column["name"]: column["id"] for column in schema if column["name"]}
        ids = {column["id"] for column in schema}
        chosen = []
        for item in wanted:
            if item in by_name:
                chosen.append(by_name[item])
            elif item in ids:
                chosen.append(item)
            else:
                raise BadDataArguments(
                    f"{dataset} has no column {item!r} (that this member can see)", code="unknown_column"
                )
        return chosen

    # ------------------------------------------------------------------ grants

    def request(
        self,
        dataset: str,
        *,
        columns: Sequence[str],
        purpose: str,
        operations: Sequence[str],
        days: int = 90,
        max_uses: int = 10,
    ) -> str:
        """Request a grant; returns its id. A request the grading forbids raises ``GradingForbids``."""
        args = {
            "dataset": dataset,
            "columns": self.column_ids(dataset, columns),
            "purpose": purpose,
            "operations": list(operations),
            "expires_at": self.now() + days * DAY_MS,
            "max_uses": max_uses,
        }
        return str(self.submit("data.request_grant", args).result["grant"])

    def grant(self, grant_id: str) -> dict[str, Any]:
        record = self.peer.get(keys.grant(grant_id))
        if record is None:
            raise UnknownDataRecord(f"no grant {grant_id!r}", code="unknown_grant")
        return dict(record)

    def grants(self, dataset: str | None = None) -> list[dict[str, Any]]:
        return [dict(g) for _, g in self.peer.range(keys.GRANT) if dataset in (None, g["dataset"])]

    def approve(self, grant_id: str) -> dict[str, Any]:
        """Approve a grant; as the owner, seal the granted hidden column names for the grantee."""
        grant = self.grant(grant_id)
        args: dict[str, Any] = {"grant": grant_id}
        if grant["owner"] == self.org:
            version = self.peer.get(keys.version(grant["dataset"], grant["version"]))
            hidden = {c["id"] for c in version["schema"] if c["name"] is None} & set(grant["columns"])
            if hidden:
                names = self.store.names_by_id(grant["dataset"], grant["version"])
                granted = {column_id: names[column_id] for column_id in sorted(hidden)}
                args["column_names"] = self.seal_for([self.org, grant["grantee"]], granted, "column_names")
        return dict(self.submit("data.approve_grant", args).result)

    def refuse(self, grant_id: str, reason: str) -> dict[str, Any]:
        return dict(self.submit("data.refuse_grant", {"grant": grant_id, "reason": reason}).result)

    def revoke(self, grant_id: str, reason: str = "revoked") -> dict[str, Any]:
        return dict(self.submit("data.revoke_grant", {"grant": grant_id, "reason": reason}).result)

    # ------------------------------------------------------------------ uses and alerts

    def record_attested_use(
        self,
        dataset: str,
        *,
        grant: str,
        requester: str,
        worker: str,
        purpose: str,
        columns: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The owner's node records an attested-compute use of its dataset by ``requester`` on ``worker``
        (co-signed by the requester) before it releases the dataset key to that worker through the
        ``attest`` contract; a refusal (no valid grant, a worker without a valid attestation) raises its
        reason, recorded as an attempt."""
        chosen = list(columns) if columns is not None else list(self.grant(grant)["columns"])
        args = {
            "dataset": dataset,
            "requester": requester,
            "grant": grant,
            "purpose": purpose,
            "operation": "attested_compute",
            "worker": worker,
            "columns": chosen,
        }
        result = dict(self.submit("data.record_access", args, [requester]).result)
        raise_refused_use(result)
        return result

    def uses(
        self, dataset: str | None = None, *, user: str | None = None, purpose: str | None = None
    ) -> list[dict[str, Any]]:
        """Every recorded use (served or refused), filtered by dataset, user and purpose."""
        prefix = keys.USE if dataset is None else f"{keys.USE}{dataset}/"
        return [
            dict(use)
            for _, use in self.peer.range(prefix)
            if user in (None, use["user"]) and purpose in (None, use["purpose"])
        ]

    def alerts(self, dataset: str | None = None) -> list[dict[str, Any]]:
        return [use for use in self.uses(dataset) if use["alerts"]]

    def log(
        self, dataset: str | None = None, *, user: str | None = None, purpose: str | None = None
    ) -> list[dict[str, Any]]:
        """The uses this member is entitled to list: all of them for a regulator or registrar, those of
        its own datasets for an owner, its own uses for anyone else."""
        roles = set((self.peer.get(member_key(self.org)) or {}).get("roles", []))
        everything = bool(roles & {"regulator", "registrar"})
        return [
            use
            for use in self.uses(dataset, user=user, purpose=purpose)
            if everything or self.org in (use["owner"], use["user"])
        ]

    # ------------------------------------------------------------------ documents

    def anchor(
        self,
        path: Path,
        *,
        doc_type: str,
        signer: str,
        record_kind: str,
        record: str,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Anchor a document's hash to a register record, dataset or job; the file stays here."""
        args = {
            "hash": file_hash(path),
            "type": doc_type,
            "signer": signer,
            "record_kind": record_kind,
            "record": record,
            "title": title or path.name,
        }
        self.submit("data.anchor_document", args)
        return self.document(args["hash"])

    def document(self, digest: str) -> dict[str, Any]:
        record = self.peer.get(keys.doc(digest))
        if record is None:
            raise UnknownDataRecord(
                "no document with this hash is anchored on the chain", code="unknown_document"
            )
        return dict(record)

    def verify(self, path: Path) -> dict[str, Any]:
        """Who anchored ``path``, when, for which record; ``unknown_document`` if any byte changed."""
        return self.document(file_hash(path))

    def documents(self, record_kind: str | None = None, record: str | None = None) -> list[dict[str, Any]]:
        """Anchored documents: a record's (``record_kind`` and ``record``), of a kind, or all."""
        if record_kind is not None and record is not None:
            return documents_of(self.peer, record_kind, record)
        return [
            dict(doc) for _, doc in self.peer.range(keys.DOC) if record_kind in (None, doc["record_kind"])
        ]


def documents_of(peer: Peer, record_kind: str, record: str) -> list[dict[str, Any]]:
    """The documents anchored to one register record (``registration``, ``freeze``), dataset or job."""
    return [
        dict(peer.get(keys.doc(entry["hash"]))) for _, entry in peer.range(keys.doc_of(record_kind, record))
    ]


def file_hash(path: Path) -> str:
    try:
        return sha256_hex(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"file {path} does not exist") from None
