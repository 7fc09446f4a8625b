"""Checking what a node says against the chain itself, trusting only the genesis hash.

``proven_tx`` fetches a transaction with its Merkle proof and every signed header up to the block after
it, and checks: header 0 is the genesis the caller trusts; the genesis transaction is in it (its Merkle
path to header 0's ``tx_root``), and from it the orderers' certificates under the alliance root give the
block producers' keys; every header links to the previous one and is signed by a producer; the
transaction's envelope and outcome are in its block (``ledger.proofs.check_tx_proof``). A node that
altered a block, an outcome or an envelope is caught here; nothing the node says is taken on trust but
the genesis hash the caller brings (from its own alliance configuration).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pledgenet.crypto.identity import check_certificate
from pledgenet.errors import IntegrityError
from pledgenet.ledger.block import BlockHeader
from pledgenet.ledger.proofs import TxProof, check_tx_proof, verify_header_chain
from pledgenet.ledger.records import SignedHeader
from pledgenet.ledger.transaction import parse_envelope

if TYPE_CHECKING:
    from pledgenet.client.node import NodeClient

PAGE = 1000


def signed_header(row: dict[str, Any]) -> SignedHeader:
    """A header row of the API as the ledger's ``SignedHeader`` (its hash recomputed, not taken)."""
    fields = {name: row[name] for name in BlockHeader.__dataclass_fields__}
    signed = SignedHeader(BlockHeader(**fields), bytes.fromhex(row["signature"]))
    if signed.hash != row["hash"]:
        raise IntegrityError(f"header {row['height']}: the node's hash is not the header's")
    return signed


def verified_headers(node: NodeClient, *, genesis_hash: str, upto: int) -> dict[int, SignedHeader]:
    """Headers 0..``upto``, checked from the trusted genesis on."""
    headers: list[SignedHeader] = []
    while len(headers) <= upto:
        rows = node.blocks(start=len(headers), limit=min(PAGE, upto + 1 - len(headers)))
        if not rows:
            raise IntegrityError(f"the node has no header {len(headers)}")
        headers += [signed_header(row) for row in rows]
    if headers[0].hash != genesis_hash:
        raise IntegrityError("header 0 is not the trusted genesis")
    genesis = node.tx(node.block(0)["txs"][0]["tx_id"])
    check_tx_proof(TxProof.from_dict(genesis["proof"]), {0: headers[0]})
    args = parse_envelope(genesis["envelope"].encode()).args
    root = str(args["root_certificate"])
    producers = {
        org: check_certificate(pem, root, at_ms=None).signing_public for org, pem in args["orderers"].items()
    }
    verify_header_chain(headers, genesis_hash=genesis_hash, producer_keys=producers)
    return {signed.height: signed for signed in headers}


def proven_tx(node: NodeClient, tx_id: str, *, genesis_hash: str) -> dict[str, Any]:
    """The transaction record, with ``proven``: True when inclusion and outcome are proven, False when
    only inclusion is (no next block yet). Raises ``IntegrityError`` when anything does not check out."""
    record = node.tx(tx_id)
    height = int(record["height"])
    tip = int(node.node()["height"])
    headers = verified_headers(node, genesis_hash=genesis_hash, upto=min(height + 1, tip))
    proof = TxProof.from_dict(record["proof"])
    if (proof.tx_id, proof.height, proof.valid, proof.code) != (
        tx_id,
        height,
        record["valid"],
        record["code"],
    ):
        raise IntegrityError("the proof is not of the transaction and outcome the node reports")
    if proof.envelope.decode() != record["envelope"]:
        raise IntegrityError("the proof's envelope is not the one the node reports")
    return {**record, "proven": check_tx_proof(proof, headers)}
