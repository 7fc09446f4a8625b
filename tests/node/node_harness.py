"""The node tests' harness: a local alliance of real processes, signed probe notes, store tips."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pledgenet.client import NodeClient
from pledgenet.crypto.keystore import Member
from pledgenet.ledger.store import open_store
from pledgenet.ledger.transaction import body_digest, encode_envelope, make_body, signing_message
from pledgenet.node.cluster import LocalAlliance

HERE = Path(__file__).parent
PROBE = "probe_contract:probe_contract"


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.1)


class Notes:
    """Signed ``probe.note`` envelopes of one member, with its nonces in order."""

    def __init__(self, local: LocalAlliance, org: str) -> None:
        self.org = org
        self.alliance = local.state["alliance"]
        self.member = Member.load(org, local.alliance_dir / "orgs" / org)
        self.nonce = 0

    def next(self, text: str = "note") -> bytes:
        self.nonce += 1
        body = make_body(
            self.alliance, "probe.note", {"ref": f"n{self.nonce}", "text": text}, [self.org], self.nonce
        )
        return encode_envelope(body, [self.member.sign(signing_message(body_digest(body)))])


def client(local: LocalAlliance, org: str) -> NodeClient:
    return NodeClient(local.url(org), local.credential(org), timeout=30.0)


def tip(location: str) -> tuple[int, bytes]:
    """(height, state root after the tip) of a peer's store, read-only."""
    store = open_store(location, read_only=True)
    try:
        found = store.tip()
        assert found is not None, f"{location} holds no block"
        return found[0], found[2]
    finally:
        store.close()


def tips(local: LocalAlliance, orgs: list[str]) -> dict[str, tuple[int, bytes]]:
    return {org: tip(local.node_store(org)) for org in orgs}


def settled(local: LocalAlliance, orgs: list[str]) -> bool:
    """Every one of ``orgs``' peers is at etcd's top."""
    top, _leader = local.chain()
    return all(tip(local.node_store(org))[0] == top for org in orgs)
