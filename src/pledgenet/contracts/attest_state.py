"""The attestation state both the ``attest`` and the ``data`` contracts read: a worker's registration and
its status at a block, judged by the governed policy.

It lives apart from ``contracts.attest`` so that the data contract (which checks an attested-compute use's
worker) and the attest contract (which checks a key release's ``data`` grant) can each read the other's
state without importing each other.
"""

from __future__ import annotations

from pledgenet.crypto.attestation.policy import Policy
from pledgenet.crypto.attestation.status import WorkerStatus, worker_status
from pledgenet.ledger.contract_api import TxContext

WORKER = "attest/worker/"


def policy(ctx: TxContext) -> Policy:
    return Policy.from_params(ctx.param)


def status_of(ctx: TxContext, worker: str) -> WorkerStatus:
    return worker_status(worker, ctx.get(WORKER + worker), policy(ctx), ctx.block_time)
