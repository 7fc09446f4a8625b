"""Committed pledge-register operations per second on a book of 100,000 holdings, beside the bare ledger.

The book: 10,000 securities accounts at three brokers, 1,000 listed stocks, each held by 100 accounts
(100,000 holdings). The timed mix, the shape of a registrar's day: 60% initial pledges (to brokers, banks
and a trust; three signatures each: custody broker, pledgee, registrar), 25% full or partial releases of
earlier pledges (two signatures), 10% top-ups (three signatures) and 5% judicial freezes (one signature).
Every pledge carries freshly sealed terms (five X25519 key wraps) and the registrar's verdict on them (it
opens the envelope, recomputes every wrap from the members' keys and checks the 2018 rules over the context
it derives, ``register.review``), both done with the signing before the timed window, as clients and the
registrar's endorsement service do on their own machines.

Baseline in the same run, by the same code path as ``bench/ledger_tps.py``: pre-signed two-signature
``bench.transfer`` transactions through the solo orderer into the same peer on disk. Register and bare runs
alternate (``--rounds``, so both see the same machine, which other work may share), and each run's time
includes the background WAL checkpoint of what it wrote.
``ratio`` = register ops/s over bare tx/s (1.0 would mean the register's rules cost nothing).

"The contract should cost less than the signatures" is measured two ways, each against
``signature_verify_us_per_op`` (the op's signatures at the single-core Ed25519 CPU cost measured in this
run, the median of five batches): ``contract_us_per_op`` is the CPU time inside contract handlers per
register op (the peer's thread CPU time around its handler runs), giving ``contract_over_signatures``;
``register_extra_cpu_us_per_op`` is everything a register op costs this process beyond a bare transaction
(this process's CPU time per op, all threads: handlers, the larger envelope's decoding and hashing, the
state writes, their SQLite commit and WAL checkpoint, minus the same per bare transaction), giving
``extra_over_signatures``. Both below 1 means the register's rules and records cost less than verifying
who signed.

Usage: ``python bench/register_tps.py [--quick]``; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_tps import bench_contract
from pledgenet.contracts.catalog import all_contracts
from pledgenet.contracts.register import keys, verdicts
from pledgenet.contracts.register.params import DEFAULT_PARAMS
from pledgenet.contracts.register.terms import make_terms, make_verdict, review_in_context
from pledgenet.crypto.envelope import open_and_verify, seal
from pledgenet.crypto.identity import load_signing_key
from pledgenet.crypto.keystore import Member
from pledgenet.crypto.signing import TX_DOMAIN, pack, shared_verifier, verify_packed
from pledgenet.ledger.alliance import ORDERER_ID, Alliance, MemberSpec
from pledgenet.ledger.ordering.base import BatchLimits
from pledgenet.ledger.ordering.solo import SoloOrderer
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.transaction import (
    body_digest,
    encode_envelope,
    make_body,
    parse_envelope,
    signing_message,
)

REGISTRAR, REGULATOR, COURT = "csdc", "csrc", "sh-court"
BROKERS = ["citic-sec", "huatai-sec", "gtja-sec"]
PLEDGEES = ["citic-sec", "huatai-sec", "icbc", "cmb", "ctrust"]
ROLES = {
    REGISTRAR: ["registrar", "governing"],
    REGULATOR: ["regulator"],
    COURT: ["court"],
    "citic-sec": ["broker"],
    "huatai-sec": ["broker"],
    "gtja-sec": ["broker"],
    "icbc": ["bank"],
    "cmb": ["bank"],
    "ctrust": ["trust"],
}
STOCKS, ACCOUNTS, HOLDERS_PER_STOCK = 1_000, 10_000, 100
#: previous close of every stock, fen (CNY 200: 100,000 pledged shares back the CNY 5m minimum at 25%)
PRICE_FEN = 20_000
SHARES_PER_HOLDING = 1_000_000


class Signer:
    """Signs envelopes with members' keys and per-submitter nonces, as clients do."""

    def __init__(self, alliance_id: str, members: dict[str, Member]) -> None:
        self.alliance_id = alliance_id
        self.members = members
        self.nonces: dict[str, int] = {}

    def sign(self, tx_type: str, args: dict[str, Any], signers: list[str]) -> bytes:
        signers = list(dict.fromkeys(signers))  # a broker pledgee of its own client signs once
        self.nonces[signers[0]] = self.nonces.get(signers[0], 0) + 1
        body = make_body(self.alliance_id, tx_type, args, signers, self.nonces[signers[0]])
        message = signing_message(body_digest(body))
        return encode_envelope(body, [self.members[org].sign(message) for org in signers])


def context_of(operation: str, contract_no: str, n: int, code: str, quantity: int) -> dict[str, Any]:
    """The verdict's context of the ``n``-th registration of a contract (no close published in the bench,
    genesis rules), as ``verdicts.derive`` finds it once the earlier registrations are on chain."""
    return verdicts.make_context(
        operation,
        contract_no=contract_no,
        binding=f"{contract_no}/{n}",
        code=code,
        quantity=quantity,
        exempt=False,
        in_default=False,
        elapsed_days=0,
        close=None,
        rules={name: DEFAULT_PARAMS[name] for name in verdicts.RULE_PARAMS},
    )


def reviewed(
    registrar: Member, envelope: dict[str, Any], context: dict[str, Any], public_keys: dict[str, str]
) -> dict[str, str]:
    """The registrar's endorsement step: open the sealed terms, verify every wrap, check them over the
    context, state the verdict."""
    terms, unreadable = open_and_verify(
        envelope, registrar.org, registrar.encryption_private_key, public_keys
    )
    outcome = "terms_unreadable" if unreadable else review_in_context(terms, context)
    return make_verdict(registrar.org, envelope["hash"], verdicts.context_hash(context), outcome)


class HandlerClock:
    """Adds up the CPU time the peer's thread spends inside contract handlers while ``counting`` (thread
    CPU time, so time the thread sat preempted by other work on the machine is not counted; its own
    overhead: two ``thread_time`` calls per transaction)."""

    def __init__(self, peer: Peer) -> None:
        self.seconds = 0.0
        self.counting = False
        run_handler = peer._run_handler

        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.counting:
                return run_handler(*args, **kwargs)
            start = time.thread_time()
            try:
                return run_handler(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - start

        peer._run_handler = timed  # type: ignore[method-assign]


class Run:
    """Wall seconds, this process's CPU seconds (every thread: the peer, the orderer, the WAL checkpoint;
    not the signature pool's worker processes) and valid transactions, summed over commits."""

    def __init__(self) -> None:
        self.seconds = self.cpu_seconds = 0.0
        self.valid = 0


def verify_cpu_seconds(rounds: int = 5, count: int = 2_000) -> float:
    """CPU seconds of one Ed25519 verification on this thread (libsodium, as the pool workers run it): the
    median of ``rounds`` batches, so one preempted or frequency-shifted batch does not move the yardstick."""
    from pledgenet.crypto.identity import SigningKey

    key = SigningKey.generate()
    digest = os.urandom(32)
    blob = pack(key.public_bytes, key.sign(TX_DOMAIN + digest), digest) * count
    samples = []
    for _ in range(rounds):
        start = time.thread_time()
        verdicts = verify_packed(blob, TX_DOMAIN)
        samples.append((time.thread_time() - start) / count)
        assert all(verdicts), "baseline signatures must verify"
    return statistics.median(samples)


def commit(orderer: SoloOrderer, peer: Peer, envelopes: list[bytes], run: Run) -> None:
    """Commit ``envelopes``; the times include the background WAL checkpoint of what they wrote."""
    start, cpu_start = time.perf_counter(), time.process_time()
    blocks = orderer.broadcast_many(envelopes) + orderer.flush()
    if peer.store.checkpointer is not None:
        peer.store.checkpointer.drain()
    run.seconds += time.perf_counter() - start
    run.cpu_seconds += time.process_time() - cpu_start
    run.valid += sum(1 for block in blocks for receipt in peer.receipts_at(block.height) if receipt.valid)


def book_envelopes(signer: Signer) -> list[bytes]:
    """Open 10,000 accounts and list 1,000 stocks of 100 holders each (100,000 holdings)."""
    envelopes = []
    for start in range(0, ACCOUNTS, 500):
        accounts = [
            {
                "account": f"A{n:06d}",
                "holder_name": f"Holder {n}",
                "holder_type": "1" if n % 4 else "0",
                "custody_broker": BROKERS[n % 3],
            }
            for n in range(start, start + 500)
        ]
        envelopes.append(signer.sign("register.open_accounts", {"accounts": accounts}, [REGISTRAR]))
    for s in range(STOCKS):
        holders = [(s * 37 + k * 101) % ACCOUNTS for k in range(HOLDERS_PER_STOCK)]
        placements = [{"account": f"A{n:06d}", "unrestricted": SHARES_PER_HOLDING} for n in holders]
        args = {
            "code": f"{600000 + s}",
            "short_name": f"S{s}",
            "board": "main",
            "total_shares": SHARES_PER_HOLDING * HOLDERS_PER_STOCK,
            "holdings": placements,
        }
        envelopes.append(signer.sign("register.list_security", args, [REGISTRAR]))
    return envelopes


def mix_envelopes(signer: Signer, public_keys: dict[str, str], operations: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    readers = {REGISTRAR, REGULATOR}
    open_pledges: list[tuple[str, str, str, str, int]] = []  # registration, contract, broker, pledgee, qty
    registrations: dict[str, int] = {}  # contract -> registrations so far (the next one's ordinal)
    codes: dict[str, str] = {}
    envelopes: list[bytes] = []
    used: set[tuple[int, int]] = set()
    for n in range(operations):
        draw = rng.random()
        if draw < 0.25 and open_pledges:
            registration_no, _contract, broker, pledgee, quantity = open_pledges.pop(
                rng.randrange(len(open_pledges))
            )
            args: dict[str, Any] = {"registration_no": registration_no}
            if rng.random() < 0.3:
                args["quantity"] = quantity // 2
            envelopes.append(signer.sign("register.release", args, [broker, pledgee]))
            continue
        if draw < 0.35 and open_pledges:
            _reg, contract_no, broker, pledgee, _quantity = rng.choice(open_pledges)
            context = context_of(
                "top_up", contract_no, registrations[contract_no], codes[contract_no], 10_000
            )
            registrations[contract_no] += 1
            terms = seal(
                make_terms(
                    business_type="financing_top_up",
                    amount_fen=0,
                    start_price_fen=PRICE_FEN,
                ),
                {o: public_keys[o] for o in readers | {broker, pledgee}},
                purpose="pledge_terms",
                binding=context["binding"],
            )
            verdict = reviewed(signer.members[REGISTRAR], terms, context, public_keys)
            args = {"contract_no": contract_no, "quantity": 10_000, "terms": terms, "terms_verdict": verdict}
            envelopes.append(signer.sign("register.top_up", args, [broker, pledgee, REGISTRAR]))
            continue
        stock, holder_index = rng.randrange(STOCKS), rng.randrange(HOLDERS_PER_STOCK)
        account_no = (stock * 37 + holder_index * 101) % ACCOUNTS
        code, account = f"{600000 + stock}", f"A{account_no:06d}"
        broker = BROKERS[account_no % 3]
        if draw > 0.95:
            args = {"code": code, "account": account, "quantity": 50_000, "case_no": f"(2024)Hu{n}"}
            envelopes.append(signer.sign("register.freeze", args, [COURT]))
            continue
        if (stock, holder_index) in used:
            continue
        used.add((stock, holder_index))
        pledgee = rng.choice(PLEDGEES)
        quantity = rng.randrange(100_000, 400_000)
        contract_no = f"K{n:08d}"
        context = context_of("pledge", contract_no, 0, code, quantity)
        registrations[contract_no], codes[contract_no] = 1, code
        terms = seal(
            make_terms(
                amount_fen=quantity * PRICE_FEN // 2,  # a 50% pledge rate
                start_price_fen=PRICE_FEN,
            ),
            {o: public_keys[o] for o in readers | {broker, pledgee}},
            purpose="pledge_terms",
            binding=context["binding"],
        )
        args = {
            "contract_no": f"K{n:08d}",
            "account": account,
            "code": code,
            "quantity": quantity,
            "pledgee": pledgee,
            "pledgee_name": pledgee.upper(),
            "pledgee_id_number": f"USCC-{pledgee}",
            "terms": terms,
            "terms_verdict": reviewed(signer.members[REGISTRAR], terms, context, public_keys),
        }
        envelope = signer.sign("register.pledge", args, [broker, pledgee, REGISTRAR])
        envelopes.append(envelope)
        registration_no = keys.registration_no(parse_envelope(envelope).tx_id)
        open_pledges.append((registration_no, f"K{n:08d}", broker, pledgee, quantity))
    return envelopes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run under a minute")
    parser.add_argument("--ops", type=int, default=0)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="register / bare alternations")
    options = parser.parse_args()
    operations = options.ops or (5_000 if options.quick else 30_000)
    contracts = [*all_contracts(), bench_contract]
    with tempfile.TemporaryDirectory(prefix="pledgenet-register-bench-") as tmp:
        directory = Path(tmp) / "alliance"
        Alliance.init(
            directory, [MemberSpec(org, roles) for org, roles in ROLES.items()], contracts=contracts
        ).close()
        config = json.loads((directory / "alliance.json").read_text())
        members = {org: Member.load(org, directory / "orgs" / org) for org in ROLES}
        public_keys = {org: member.encryption_key_hex for org, member in members.items()}
        peer = Peer(
            directory / "orgs" / REGISTRAR / "peer.db",
            contracts=contracts,
            org=REGISTRAR,
            genesis_hash=config["genesis_hash"],
        )
        orderer = SoloOrderer(
            alliance=config["alliance"],
            producer=ORDERER_ID,
            key=load_signing_key(directory / ORDERER_ID / "signing.key"),
            source=peer,
            deliver_to=peer.apply_block,
            limits=BatchLimits(max_txs=options.block_size, timeout_ms=10_000),
        )
        shared_verifier().start(b"".join([bytes(128)] * 400)).result()
        signer = Signer(config["alliance"], members)

        setup = book_envelopes(signer)
        setup_run = Run()
        commit(orderer, peer, setup, setup_run)
        holdings = len(peer.range(keys.HOLDING))

        sign_start = time.perf_counter()
        mix = mix_envelopes(signer, public_keys, operations, seed=7)
        sign_seconds = time.perf_counter() - sign_start
        bare = [
            signer.sign(
                "bench.transfer",
                {"ref": f"t{n:08d}", "to": "cmb", "amount": 500_000 + n},
                ["icbc", "cmb"],  # banks never submit in the mix, so the two nonce sequences stay apart
            )
            for n in range(len(mix))
        ]
        # register and bare runs alternate, so a change in the machine's load hits both alike; each run's
        # time includes checkpointing what it wrote, so neither pays for the other's background work
        handler_clock = HandlerClock(peer)
        register, baseline = Run(), Run()
        step = -(-len(mix) // max(1, options.rounds))
        for start in range(0, len(mix), step):
            handler_clock.counting = True
            commit(orderer, peer, mix[start : start + step], register)
            handler_clock.counting = False
            commit(orderer, peer, bare[start : start + step], baseline)
        peer.close()
    counts: dict[str, int] = {}
    signatures = 0
    for envelope in mix:
        parsed = parse_envelope(envelope)
        counts[parsed.tx_type] = counts.get(parsed.tx_type, 0) + 1
        signatures += len(parsed.signatures)
    # the yardstick, "the contract should cost less than the signatures", read two ways, each
    # against verifying the op's signatures at the single-core rate measured in this run:
    # (1) the contract handlers' own time per op;
    # (2) everything a register op costs this process beyond a bare transaction (handlers, its larger
    #     envelope, its state writes, their SQLite commit and checkpoint): CPU per op minus CPU per bare tx
    verify_rate = 1 / verify_cpu_seconds()
    contract_us = handler_clock.seconds / len(mix) * 1e6
    signatures_us = signatures / len(mix) / verify_rate * 1e6
    register_cpu_us = register.cpu_seconds / len(mix) * 1e6
    bare_cpu_us = baseline.cpu_seconds / len(bare) * 1e6
    extra_us = register_cpu_us - bare_cpu_us
    ops_rate = len(mix) / register.seconds
    bare_rate = len(bare) / baseline.seconds
    setup_valid, register_valid, bare_valid = setup_run.valid, register.valid, baseline.valid
    result = {
        "bench": "register_tps",
        "holdings": holdings,
        "setup_txs": len(setup),
        "setup_valid": setup_valid,
        "setup_seconds": round(setup_run.seconds, 2),
        "ops": len(mix),
        "ops_valid": register_valid,
        "mix": counts,
        "client_seal_and_sign_ops_per_s": round(len(mix) / sign_seconds, 1),
        "ops_per_s": round(ops_rate, 1),
        "bare_txs": len(bare),
        "bare_valid": bare_valid,
        "bare_tx_per_s": round(bare_rate, 1),
        "ratio": round(ops_rate / bare_rate, 3),
        "signatures_per_op": round(signatures / len(mix), 2),
        "verify_per_cpu_s": round(verify_rate, 1),
        "contract_us_per_op": round(contract_us, 1),
        "signature_verify_us_per_op": round(signatures_us, 1),
        "contract_over_signatures": round(contract_us / signatures_us, 3),
        "register_cpu_us_per_op": round(register_cpu_us, 1),
        "bare_cpu_us_per_tx": round(bare_cpu_us, 1),
        "register_extra_cpu_us_per_op": round(extra_us, 1),
        "extra_over_signatures": round(extra_us / signatures_us, 3),
        "cores": os.cpu_count(),
        "all_valid": (setup_valid, register_valid, bare_valid) == (len(setup), len(mix), len(bare)),
    }
    print(json.dumps(result))
    if not result["all_valid"]:
        # the mix is built to be valid: a refused operation means the figures measure refusals, not work
        sys.exit("some setup, register or bare transactions were refused; the rates above are not comparable")


if __name__ == "__main__":
    main()
