"""The end-to-end demo: an embedded alliance founded, governed, attacked a little, proven and verified.

``run_demo`` runs ``STEPS`` in order; each step is a small function of a ``DemoRun``. Other areas (the
pledge register, risk) append their own steps to ``STEPS`` (or insert them before the final "verify").
The demo owns its directory: it deletes and recreates it on each run, refusing to delete anything that is
not a pledgenet alliance directory.

The members are the demo set of ``pledgenet.demo.members`` (registrar, regulator, exchange,
court-01, broker-01..03, bank-01..02, trust-01; insurer-01 is admitted by vote). The demo runs on a simulated
calendar, the trading week of Monday 2024-12-02 (the week of the registrar's published figures), so that
the risk steps can publish a week of closes day by day; every block carries that calendar's time, which
lies in the past, so the alliance left behind keeps working with the real clock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from pledgenet.contracts.catalog import init_alliance, open_alliance, verify_alliance
from pledgenet.contracts.governance import MEMBER_PREFIX, param_key
from pledgenet.demo import register_steps, risk_steps
from pledgenet.demo.members import (
    BROKERS,
    EXCHANGE,
    INSURER,
    MEMBERS,
    REGISTRAR,
    REGULATOR,
    TRUST,
)
from pledgenet.errors import IntegrityError
from pledgenet.ledger.alliance import Alliance, remove_alliance_dir
from pledgenet.ledger.proofs import check_tx_proof, verify_header_chain

FOUNDERS = list(MEMBERS)
_SHANGHAI = dt.timezone(dt.timedelta(hours=8))
#: the simulated calendar starts on Monday 2024-12-02, 09:00 in Shanghai
DEMO_START = dt.datetime(2024, 12, 2, 9, 0, tzinfo=_SHANGHAI)


class DemoClock:
    """Milliseconds on the demo's calendar: real elapsed time from ``start``, jumping forward on request
    (so the orderer's batch timeout behaves as with the wall clock)."""

    def __init__(self, start: dt.datetime = DEMO_START) -> None:
        self._offset = int(start.timestamp() * 1000) - self._elapsed()
        self._last = 0

    @staticmethod
    def _elapsed() -> int:
        return time.monotonic_ns() // 1_000_000

    @property
    def now(self) -> int:
        return max(self._last, self._offset + self._elapsed())

    def __call__(self) -> int:
        self._last = self.now
        return self._last

    def at(self, day: str, hh_mm: str) -> None:
        """Move to ``hh_mm`` (Shanghai time) on ``day`` (YYYY-MM-DD); never backwards."""
        moment = dt.datetime.fromisoformat(f"{day}T{hh_mm}:00").replace(tzinfo=_SHANGHAI)
        target = int(moment.timestamp() * 1000)
        if target > self.now:
            self._offset += target - self.now

    def today(self) -> str:
        return dt.datetime.fromtimestamp(self.now / 1000, _SHANGHAI).date().isoformat()


@dataclass
class DemoRun:
    directory: Path
    quick: bool
    console: Console
    clock: DemoClock = field(default_factory=DemoClock)
    alliance: Alliance | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger(self) -> Alliance:
        assert self.alliance is not None, "the alliance is founded in the first step"
        return self.alliance


Step = Callable[[DemoRun], None]


def _proposal(result: dict[str, Any]) -> str:
    votes = f"{result['approvals']} of {result['required']} votes"
    return f"proposal {result['id'][:12]}… {result['status']} ({votes})"


def found_alliance(run: DemoRun) -> None:
    run.alliance = init_alliance(run.directory, FOUNDERS, clock=run.clock)
    peer = run.ledger.producer_peer
    run.console.print(
        f"alliance {run.ledger.alliance_id}: {len(run.ledger.orgs)} members, each with its own peer "
        f"(simulated calendar: {run.clock.today()})"
    )
    for _key, record in peer.range(MEMBER_PREFIX):
        run.console.print(f"  {record['org']:<11} {', '.join(record['roles']):<22} {record['name']}")


def admit_member(run: DemoRun) -> None:
    action = run.ledger.issue_member(INSURER, ["insurer"], name="Insurer 01")
    proposal = run.ledger.submit("gov.propose", {"action": action}, [REGISTRAR])
    run.console.print(f"{REGISTRAR} proposes admitting {INSURER}: {_proposal(proposal.result)}")
    vote = run.ledger.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, [REGULATOR])
    run.console.print(f"{REGULATOR} approves: {_proposal(vote.result)}")
    run.console.print(
        f"{INSURER}'s new peer replayed the chain to height {run.ledger.peer(INSURER).height}; "
        f"members now: {', '.join(run.ledger.orgs)}"
    )


def change_parameter(run: DemoRun) -> None:
    action = {"kind": "set_param", "name": "gov.proposal_ttl_ms", "value": 3 * 24 * 3600 * 1000}
    proposal = run.ledger.submit("gov.propose", {"action": action}, [EXCHANGE])
    run.ledger.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, [REGISTRAR])
    value = run.ledger.peer(TRUST).get(param_key("gov.proposal_ttl_ms"))
    run.console.print(
        f"{EXCHANGE} proposes, {REGISTRAR} approves (2 of the 3 governing members): "
        f"gov.proposal_ttl_ms is now {value:,} ms (3 days) on every peer"
    )


def refused_transactions(run: DemoRun) -> None:
    ledger = run.ledger
    action = {"kind": "set_param", "name": "gov.vote_threshold_bp", "value": 5000}
    forged = bytearray(ledger.sign("gov.propose", {"action": action}, [REGULATOR]))
    at = forged.index(b'"signatures":["') + 15
    forged[at] = ord("0") if forged[at] != ord("0") else ord("1")
    replay = ledger.sign("gov.propose", {"action": action}, [REGISTRAR])
    receipts = ledger.submit_envelopes([bytes(forged), replay, replay, b'{"body": 1}'])
    receipts.append(ledger.submit("gov.propose", {"action": action}, [BROKERS[0]]))
    for label, receipt in zip(
        [
            "forged signature",
            "first copy",
            "replayed copy",
            "malformed bytes",
            f"{BROKERS[0]} (not governing)",
        ],
        receipts,
        strict=True,
    ):
        verdict = "valid" if receipt.valid else escape(f"INVALID [{receipt.code}] {receipt.message}")
        run.console.print(f"  {label:<26} height {receipt.height} #{receipt.index}: {verdict}")
    run.notes["proposal_tx"] = receipts[1].tx_id


def batch_of_transactions(run: DemoRun) -> None:
    count = 300 if run.quick else 3000
    items = [
        (
            "gov.propose",
            {"action": {"kind": "set_param", "name": "gov.proposal_ttl_ms", "value": 86_400_000 + n}},
            [(REGISTRAR, REGULATOR, EXCHANGE)[n % 3]],
        )
        for n in range(count)
    ]
    start = time.perf_counter()
    receipts = run.ledger.submit_many(items)
    elapsed = time.perf_counter() - start
    valid = sum(receipt.valid for receipt in receipts)
    peers = len(run.ledger.orgs)
    run.console.print(
        f"{count} signed proposals committed in {elapsed:.2f} s ({valid} valid), each block applied by all"
        f" {peers} peers; tip height {run.ledger.producer_peer.height}"
    )


def prove_with_headers(run: DemoRun) -> None:
    peer = run.ledger.peer(REGULATOR)
    headers = peer.headers()
    orderer_key = run.ledger.orderer.key.public_bytes
    verify_header_chain(
        headers, genesis_hash=run.ledger.config.genesis_hash, producer_keys={"orderer": orderer_key}
    )
    proof = peer.proof(run.notes["proposal_tx"])
    proven = check_tx_proof(proof, {signed.height: signed for signed in headers})
    run.console.print(
        f"regulator proves tx {proof.tx_id[:16]}… is in block {proof.height} and was"
        f" {'valid' if proof.valid else 'invalid'} using only {len(headers)} headers: {proven}"
    )


def verify_everything(run: DemoRun) -> None:

    run.ledger.close()
    reports = verify_alliance(run.directory)
    for report in reports:
        run.console.print(
            f"  {'ok ' if report.ok else 'BAD'} {Path(report.path).parent.name}: 0..{report.height}"
        )
    if not all(report.ok for report in reports):
        raise IntegrityError("the demo alliance does not verify")
    run.alliance = open_alliance(run.directory, clock=run.clock)


STEPS: list[tuple[str, Step]] = [
    ("Found the alliance", found_alliance),
    ("Admit a member by vote", admit_member),
    ("Change a governed parameter by vote", change_parameter),
    ("Refused transactions stay in the block, flagged", refused_transactions),
    ("A batch of signed transactions", batch_of_transactions),
    ("Proofs a client checks with headers only", prove_with_headers),
    ("Register: a book of pledges across brokers, banks and trusts", register_steps.register_book),
    ("Register: a court freeze, a queued freeze, a release", register_steps.freeze_and_release),
    ("Register: the registrar's weekly statistics", register_steps.weekly_statistics),
    (
        "Risk: more pledges, a week of closes signed by the exchange, a bonus issue",
        risk_steps.prices_on_chain,
    ),
    ("Risk: a price shock, alerts and their recipients, entitled views", risk_steps.price_shock),
    ("Risk: penetrating views, stress, a fire-sale cascade, reports", risk_steps.views_and_stress),
    ("pledgenet verify: every hash, signature, Merkle root and state re-derived", verify_everything),
]


def run_demo(directory: Path, quick: bool, console: Console) -> None:
    """Run every step in ``STEPS`` in a fresh alliance at ``directory`` and leave it there."""
    remove_alliance_dir(directory)
    run = DemoRun(directory=directory, quick=quick, console=console)
    try:
        for title, step in STEPS:
            console.rule(title)
            step(run)
    finally:
        if run.alliance is not None:
            run.alliance.close()
    console.print(f"\nThe alliance is left in {directory}; try: pledgenet verify --dir {directory}")
