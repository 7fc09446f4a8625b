"""Documents as evidence (存证): a member anchors a document's hash to a record; anyone holding the file
checks it against the chain.

``anchor_document`` records the SHA-256 of the file, its type, who signed it (a name as printed on it),
the member that anchored it, the block time and height, and the record it belongs to: a pledge
registration or a freeze of the register, a dataset or a federated job of this contract. The file itself
never goes on the chain. A document is anchored once (its hash is its key); the index
``data/doc_of/<kind>/<record>/`` lists a record's documents.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.data import common, keys
from pledgenet.contracts.data.contract import contract
from pledgenet.contracts.register import keys as register_keys
from pledgenet.errors import DuplicateDataRecord, UnknownDataRecord
from pledgenet.ledger.contract_api import TxContext


def record_key(kind: str, record_id: str) -> str:
    """The state key of the record a document belongs to."""
    if kind == "registration":
        return register_keys.pledge(record_id)
    if kind == "freeze":
        return register_keys.freeze(record_id)
    if kind == "dataset":
        return keys.dataset(record_id)
    return keys.job(record_id)


@contract.operation("anchor_document")
def anchor_document(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Any member: anchor a document's hash, type and signer to a register record, dataset or job."""
    digest = common.digest(args, "hash")
    doc_type = common.choice(args, "type", keys.DOC_TYPES)
    signer = common.text(args, "signer")
    kind = common.choice(args, "record_kind", keys.DOC_RECORD_KINDS)
    record_id = common.identifier(args, "record")
    title = common.text(args, "title", default=doc_type)
    if ctx.get(record_key(kind, record_id)) is None:
        raise UnknownDataRecord(f"no {kind} {record_id!r} to anchor a document to", code="unknown_document")
    existing = ctx.get(keys.doc(digest))
    if existing is not None:
        raise DuplicateDataRecord(
            f"this document is already anchored by {existing['anchored_by']} at height {existing['height']}"
        )
    record = {
        "hash": digest,
        "type": doc_type,
        "title": title,
        "signer": signer,
        "record_kind": kind,
        "record": record_id,
        "anchored_by": ctx.submitter,
        "at": ctx.block_time,
        "height": ctx.block_height,
        "tx": ctx.tx_id,
    }
    ctx.put(keys.doc(digest), record)
    ctx.put(keys.doc_of(kind, record_id, digest), {"hash": digest, "type": doc_type})
    ctx.emit("data.document_anchored", {"hash": digest, "record_kind": kind, "record": record_id})
    return {"hash": digest, "height": ctx.block_height}
