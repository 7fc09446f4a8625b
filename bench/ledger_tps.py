"""Committed transactions per second through solo ordering into one peer on disk.

Each transaction carries two Ed25519 signatures (the submitter's and a counterparty's endorsement) and
writes one key. Clients sign before the timed window (in a deployment they sign on their own machines);
the timed window covers ordering (batching, Merkle root, block signature), and at the peer: decoding,
batch signature verification over the process pool, nonce and identity checks, contract execution, the
state root, and the one SQLite transaction per block.

Baseline measured in the same run: the single-core Ed25519 verification rate through libsodium. The
verification bound is ``verify_per_s / 2`` transactions per second (two signatures each, one core);
``ratio_to_bound`` is the committed rate over that bound.

Usage: ``python bench/ledger_tps.py [--quick] [--txs N] [--block-size N]``; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pledgenet.contracts.catalog import all_contracts
from pledgenet.crypto.keystore import Member
from pledgenet.crypto.signing import TX_DOMAIN, pack, shared_verifier, verify_packed
from pledgenet.ledger.alliance import ORDERER_ID, Alliance, MemberSpec
from pledgenet.ledger.contract_api import Contract, TxContext
from pledgenet.ledger.ordering.base import BatchLimits
from pledgenet.ledger.ordering.solo import SoloOrderer
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.transaction import body_digest, encode_envelope, make_body, signing_message

bench_contract = Contract(name="bench")


@bench_contract.operation("transfer")
def transfer(ctx: TxContext, args: dict[str, Any]) -> Any:
    """Record a transfer between two members; the receiver must endorse it."""
    ctx.require_signed_by(args["to"])
    ctx.put(
        f"bench/transfer/{args['ref']}", {"from": ctx.submitter, "to": args["to"], "amount": args["amount"]}
    )
    return None


def single_core_verify_rate(count: int) -> float:
    from pledgenet.crypto.identity import SigningKey

    key = SigningKey.generate()
    digest = os.urandom(32)
    record = pack(key.public_bytes, key.sign(TX_DOMAIN + digest), digest)
    blob = record * count
    start = time.perf_counter()
    verdicts = verify_packed(blob, TX_DOMAIN)
    elapsed = time.perf_counter() - start
    assert all(verdicts), "baseline signatures must verify"
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run under a minute")
    parser.add_argument("--txs", type=int, default=0)
    parser.add_argument("--block-size", type=int, default=1000)
    options = parser.parse_args()
    total = options.txs or (20_000 if options.quick else 100_000)
    contracts = [*all_contracts(), bench_contract]
    with tempfile.TemporaryDirectory(prefix="pledgenet-bench-") as tmp:
        directory = Path(tmp) / "alliance"
        founders = [MemberSpec("broker-a", ["broker", "governing"]), MemberSpec("bank-b", ["bank"])]
        Alliance.init(directory, founders, contracts=contracts).close()
        config = json.loads((directory / "alliance.json").read_text())
        broker = Member.load("broker-a", directory / "orgs" / "broker-a")
        bank = Member.load("bank-b", directory / "orgs" / "bank-b")
        peer = Peer(
            directory / "orgs" / "broker-a" / "peer.db",
            contracts=contracts,
            org="broker-a",
            genesis_hash=config["genesis_hash"],
        )
        from pledgenet.crypto.identity import load_signing_key

        orderer = SoloOrderer(
            alliance=config["alliance"],
            producer=ORDERER_ID,
            key=load_signing_key(directory / ORDERER_ID / "signing.key"),
            source=peer,
            deliver_to=peer.apply_block,
            limits=BatchLimits(max_txs=options.block_size, timeout_ms=10_000),
        )
        shared_verifier().start(b"".join([bytes(128)] * 400)).result()  # start the pool outside the window

        sign_start = time.perf_counter()
        envelopes = []
        for n in range(total):
            body = make_body(
                config["alliance"],
                "bench.transfer",
                {"ref": f"t{n:08d}", "to": "bank-b", "amount": 500_000 + n},
                ["broker-a", "bank-b"],
                n + 1,
            )
            message = signing_message(body_digest(body))
            envelopes.append(encode_envelope(body, [broker.sign(message), bank.sign(message)]))
        sign_seconds = time.perf_counter() - sign_start

        commit_start = time.perf_counter()
        blocks = orderer.broadcast_many(envelopes) + orderer.flush()
        commit_seconds = time.perf_counter() - commit_start
        valid = sum(1 for block in blocks for receipt in peer.receipts_at(block.height) if receipt.valid)
        peer.close()
    verify_rate = single_core_verify_rate(4000 if options.quick else 20000)
    committed_rate = total / commit_seconds
    bound = verify_rate / 2
    result = {
        "bench": "ledger_tps",
        "txs": total,
        "valid": valid,
        "blocks": len(blocks),
        "block_size": options.block_size,
        "signatures_per_tx": 2,
        "cores": os.cpu_count(),
        "committed_tx_per_s": round(committed_rate, 1),
        "verify_per_s": round(verify_rate, 1),
        "verification_bound_tx_per_s": round(bound, 1),
        "ratio_to_bound": round(committed_rate / bound, 3),
        "client_signing_tx_per_s": round(total / sign_seconds, 1),
        "target_tx_per_s": 3500,
    }
    if valid != total:
        print(f"only {valid} of {total} transactions were valid", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
