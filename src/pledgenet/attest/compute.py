"""The two ends of attested compute, off chain: the data owner's node and the compute worker.

- ``SealedDataset``: a data owner encrypts a dataset once (AES-256-GCM, a fresh 32-byte key); the chain
  holds only the hash of its ciphertext, the ciphertext travels to the worker by any channel.
- ``DataOwner.release_pending``: for each pending key request on its datasets, the owner's node reads the
  worker's status from its own peer and, if the chain shows it valid now, seals the dataset key to the
  worker's X25519 key (``crypto.envelope``) and submits ``attest.release_key``; otherwise it submits the
  release without a key and the contract records the refusal with the chain's reason.
- ``Worker``: holds the X25519 key pair whose public half its evidence's report data commits to (first 32
  bytes: the key; last 32: free for the enclave), opens released keys, runs a job and records its result.
  On real hardware this object lives inside the enclave or TD and takes its quote from an adapter
  (``pledgenet.crypto.attestation.adapters``); without one it can only produce ``none`` evidence, never
a quote.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pledgenet.contracts.attest import DATASET, KEY_PURPOSE, RELEASE, REQUEST, WORKER
from pledgenet.crypto import envelope
from pledgenet.crypto.attestation.adapters import QuoteSource
from pledgenet.crypto.attestation.evidence import NONE, load_collateral
from pledgenet.encoding import canonical, decode, sha256_hex
from pledgenet.errors import EnvelopeError, WorkerNotAttested
from pledgenet.ledger.records import TxReceipt


class Submitter(Protocol):
    def submit(self, tx_type: str, args: dict[str, Any], signers: list[str]) -> TxReceipt: ...


@dataclass(frozen=True)
class SealedDataset:
    dataset: str
    key: bytes
    nonce: bytes
    ciphertext: bytes

    @property
    def data_hash(self) -> str:
        return sha256_hex(self.nonce + self.ciphertext)

    @classmethod
    def seal(cls, dataset: str, rows: list[dict[str, Any]]) -> SealedDataset:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        return cls(dataset, key, nonce, AESGCM(key).encrypt(nonce, canonical(rows), dataset.encode()))


def open_dataset(dataset: str, key: bytes, nonce: bytes, ciphertext: bytes) -> list[dict[str, Any]]:
    try:
        rows = decode(AESGCM(key).decrypt(nonce, ciphertext, dataset.encode()))
    except InvalidTag:
        raise EnvelopeError(f"dataset {dataset}: wrong key or altered ciphertext") from None
    if not isinstance(rows, list):
        raise EnvelopeError(f"dataset {dataset} is not a list of rows")
    return rows


class DataOwner:
    """A data owner's node: registers datasets and answers key requests as its own peer shows the chain."""

    def __init__(self, alliance: Any, org: str) -> None:
        self.alliance = alliance
        self.org = org
        self.keys: dict[str, bytes] = {}

    def register(self, sealed: SealedDataset, workers: list[str]) -> TxReceipt:
        self.keys[sealed.dataset] = sealed.key
        args = {"dataset": sealed.dataset, "data_hash": sealed.data_hash, "workers": workers}
        return self.alliance.submit("attest.register_dataset", args, [self.org])

    def release_pending(self) -> list[TxReceipt]:
        """Answer every pending request on this owner's datasets (release, or a recorded refusal)."""
        from pledgenet.attest.views import worker_status_now

        peer = self.alliance.peer(self.org)
        receipts = []
        for _key, request in peer.range(REQUEST):
            if request["status"] != "pending" or request["owner"] != self.org:
                continue
            args: dict[str, Any] = {"request": request["id"]}
            status = worker_status_now(peer, request["worker"])
            dataset = peer.get(DATASET + request["dataset"])
            if status.valid and request["worker"] in dataset["workers"] and request["dataset"] in self.keys:
                worker = peer.get(WORKER + request["worker"])
                record = {"dataset": request["dataset"], "key": self.keys[request["dataset"]].hex()}
                args["envelope"] = envelope.seal(
                    record, {request["worker"]: worker["public_key"]}, purpose=KEY_PURPOSE
                )
            receipts.append(self.alliance.submit("attest.release_key", args, [self.org]))
        return receipts


class Worker:
    """A compute worker: its key pair, its evidence, the keys released to it, its job records."""

    def __init__(self, worker: str, operator: str, private_key: X25519PrivateKey | None = None) -> None:
        self.worker = worker
        self.operator = operator
        self.private_key = private_key or X25519PrivateKey.generate()

    @property
    def public_key(self) -> str:
        return envelope.public_key_hex(self.private_key)

    def report_data(self, extra: bytes = b"\x00" * 32) -> bytes:
        """The 64 bytes a quote must carry: the worker's X25519 public key, then 32 bytes of its own."""
        if len(extra) != 32:
            raise EnvelopeError("the second half of the report data is 32 bytes")
        return bytes.fromhex(self.public_key) + extra

    def none_evidence(self) -> dict[str, Any]:
        """Development only: evidence of no hardware (the contract labels it 'not attested')."""
        return {"type": NONE, "report_data": self.report_data().hex()}

    def hardware_evidence(self, source: QuoteSource, collateral: Any) -> dict[str, Any]:
        """Evidence from the chip (``adapters``): a quote over this worker's report data, with the
        collateral the operator fetched from its PCCS for that quote."""
        quote = source.quote(self.report_data())
        return {"type": source.evidence_type, "quote": quote.hex(), "collateral": load_collateral(collateral)}

    def register(self, submitter: Submitter, evidence: dict[str, Any]) -> TxReceipt:
        args = {"worker": self.worker, "public_key": self.public_key, "evidence": evidence}
        return submitter.submit("attest.register_worker", args, [self.operator])

    def request_key(self, submitter: Submitter, dataset: str) -> TxReceipt:
        args = {"worker": self.worker, "dataset": dataset}
        return submitter.submit("attest.request_key", args, [self.operator])

    def dataset_key(self, peer: Any, request_id: str) -> bytes:
        """Open the key released for ``request_id`` (only this worker's private key can)."""
        release = peer.get(RELEASE + request_id)
        if release is None or release["worker"] != self.worker:
            raise WorkerNotAttested(f"no key was released to {self.worker} for request {request_id}")
        opened = envelope.open_envelope(release["envelope"], self.worker, self.private_key)
        return bytes.fromhex(opened["key"])

    def record_job(self, submitter: Submitter, job: str, datasets: list[str], result: Any) -> TxReceipt:
        args = {
            "job": job,
            "worker": self.worker,
            "datasets": datasets,
            "result_hash": sha256_hex(canonical(result)),
        }
        return submitter.submit("attest.record_job", args, [self.operator])


def joint_statistics(tables: dict[str, list[dict[str, Any]]], columns: list[str]) -> dict[str, Any]:
    """Pooled count, sum and floor mean of integer ``columns`` over several members' rows (no floats)."""
    rows = [row for name in sorted(tables) for row in tables[name]]
    sums = {column: sum(int(row[column]) for row in rows) for column in columns}
    return {
        "datasets": sorted(tables),
        "count": len(rows),
        "sum": sums,
        "mean_floor": {column: (sums[column] // len(rows) if rows else 0) for column in columns},
    }
