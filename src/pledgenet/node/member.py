"""A member node's backend: its own peer fed by the etcd ordering service, behind the member's API.

``NodeMember`` is the second implementation of ``api.backend.MemberBackend`` (the first, ``EmbeddedMember``,
serves an alliance directory in one process):

* reads come from the member's own peer (its store: SQLite or PostgreSQL), held steady under one lock
  that block intake also takes while it applies a block;
* ``submit`` checks each envelope (this alliance's, this member's own), then puts it in etcd's queue
  (``EtcdSubmitter``): the call returns only once a quorum of etcd members has it on disk, so an
  acknowledged transaction survives any orderer and any minority of etcd. With etcd unreachable or
  without quorum it raises ``OrderingUnavailable`` (503) and nothing is acknowledged;
* ``receipt`` is the receipt the member's own peer recorded when it applied the block holding the
  transaction (so a client that waits for its receipt knows its own node has the effects);
* events are read from the locally applied blocks (the API polls ``height``);
* ``register()`` builds register operations as this member (``NodeAlliance`` below). Operations that
  need another member's co-signature find that member's keys only where this node's alliance directory
  holds them (a local alliance made by ``pledgenet cluster up``); elsewhere they fail with a clear
  ``NotFound`` naming the missing co-signer, and views and single-signer operations work.

``follow`` runs block intake until stopped; a block the peer cannot agree with (``StateDivergence``, a bad
signature, a broken link) stops it and is kept in ``halted`` for the process to report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from pledgenet.api.backend import MemberBackend
from pledgenet.crypto.keystore import Member
from pledgenet.errors import LedgerError, NotFound, OrderingUnavailable, PledgenetError
from pledgenet.ledger.alliance import read_config
from pledgenet.ledger.ordering.etcd import EtcdLayout, EtcdSubmitter
from pledgenet.ledger.ordering.etcd_client import EtcdClient
from pledgenet.ledger.ordering.intake import BlockIntake, StoreBlockSource
from pledgenet.ledger.ordering.solo import wall_clock_ms
from pledgenet.ledger.peer import NONCE_PREFIX, Peer
from pledgenet.ledger.records import TxReceipt
from pledgenet.ledger.transaction import body_digest, encode_envelope, make_body, signing_message
from pledgenet.node.settings import NodeSettings
from pledgenet.register.client import RegisterClient

if TYPE_CHECKING:
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.contract_api import Contract

#: how long a register operation made through the node waits for its receipt, seconds
OPERATION_WAIT_S = 30.0


class NodeMember(MemberBackend):
    """One member's node: its peer, the etcd submit path, and block intake."""

    def __init__(self, settings: NodeSettings, *, contracts: list[Contract]) -> None:
        config = read_config(settings.alliance_dir)
        self.settings = settings
        self.org = settings.org
        self.alliance_id = config.alliance
        self.genesis_hash = config.genesis_hash
        self._lock = threading.RLock()
        self._member = Member.load(settings.org, settings.alliance_dir / "orgs" / settings.org)
        self.peer = Peer(
            settings.store, contracts=contracts, org=settings.org, genesis_hash=config.genesis_hash
        )
        self._submit_client = EtcdClient(settings.etcd)
        self._intake_client = EtcdClient(settings.etcd)
        self.submitter = EtcdSubmitter(self._submit_client, EtcdLayout(self.alliance_id))
        sources: list[Any] = [StoreBlockSource(location) for location in settings.catch_up]
        self.intake = BlockIntake(self._intake_client, self.alliance_id, self.peer, sources, lock=self._lock)
        #: why block intake stopped for good (a divergence, a block that does not verify), or None
        self.halted: str | None = None
        self.halted_code = ""
        self._nonces: dict[str, int] = {}
        self._nonce_lock = threading.Lock()

    # ------------------------------------------------------------------ MemberBackend

    @property
    def height(self) -> int:
        return self.peer.height

    @contextmanager
    def read(self) -> Iterator[Peer]:
        with self._lock:
            yield self.peer

    def submit(self, envelopes: list[bytes]) -> list[str]:
        """Durable in etcd's queue before this returns (``OrderingUnavailable`` otherwise: resubmit)."""
        ids = [self.check_envelope(envelope) for envelope in envelopes]
        try:
            self.submitter.broadcast_many(envelopes)
        except OrderingUnavailable as error:
            raise OrderingUnavailable(
                f"{self.org}'s node could not queue the transaction: the ordering service (etcd) is "
                f"unreachable or has no quorum ({error.message}). Nothing is acknowledged; it may still "
                "be ordered once etcd recovers, so resubmit the same envelope (its nonce makes a second "
                "commit impossible)"
            ) from None
        return ids

    def receipt(self, tx_id: str) -> TxReceipt | None:
        with self.read() as peer:
            try:
                return peer.tx(tx_id).receipt
            except NotFound:
                return None

    def member(self) -> Member:
        return self._member

    @contextmanager
    def register(self) -> Iterator[RegisterClient]:
        # no lock held here: an operation waits for intake to apply its block
        yield RegisterClient(cast("Alliance", NodeAlliance(self)), self.org)

    def close(self) -> None:
        self._submit_client.close()
        self._intake_client.close()
        with self._lock:
            self.peer.close()

    # ------------------------------------------------------------------ intake

    def follow(self, stop: threading.Event, on_halt: Callable[[], None] | None = None) -> None:
        """Apply blocks from etcd (catching up from other members' stores) until ``stop`` or a halt."""
        while not stop.is_set():
            try:
                self.intake.poll(self.settings.watch_s)
            except OrderingUnavailable:
                stop.wait(self.settings.watch_s)
            except LedgerError as error:
                self.halted, self.halted_code = error.message, error.code
                if on_halt is not None:
                    on_halt()
                return

    # ------------------------------------------------------------------ signing as this member

    def next_nonce(self, org: str) -> int:
        with self._nonce_lock:
            if org not in self._nonces:
                with self.read() as peer:
                    self._nonces[org] = int(peer.get(NONCE_PREFIX + org) or 0)
            self._nonces[org] += 1
            return self._nonces[org]

    def wait_receipts(self, ids: list[str], timeout_s: float = OPERATION_WAIT_S) -> list[TxReceipt]:
        deadline = time.monotonic() + timeout_s
        receipts: list[TxReceipt] = []
        for tx_id in ids:
            while (receipt := self.receipt(tx_id)) is None:
                if self.halted:
                    raise LedgerError(f"{self.org}'s node is halted: {self.halted}")
                if time.monotonic() > deadline:
                    raise OrderingUnavailable(
                        f"transaction {tx_id} is queued but not committed after {timeout_s:.0f} s: is an "
                        "orderer running?"
                    )
                time.sleep(self.settings.poll_s)
            receipts.append(receipt)
        return receipts


class NodeAlliance:
    """What ``RegisterClient`` needs of an alliance, over a node: keys, the own peer, sign-and-submit."""

    def __init__(self, node: NodeMember) -> None:
        self.node = node
        self.alliance_id = node.alliance_id
        self.clock = wall_clock_ms

    def member(self, org: str) -> Member:
        if org == self.node.org:
            return self.node.member()
        folder = self.node.settings.alliance_dir / "orgs" / org
        if not (folder / "signing.key").is_file():
            raise NotFound(
                f"this operation needs {org}'s signature and {self.node.org}'s node does not hold {org}'s "
                "keys: collect the co-signature from that member, then submit the signed envelope"
            )
        return Member.load(org, folder)

    def peer(self, org: str) -> Peer:
        return self.node.peer

    def sign(self, tx_type: str, args: dict[str, Any], signers: list[str]) -> bytes:
        keys = [self.member(org) for org in signers]
        nonce = self.node.next_nonce(signers[0]) if signers else 0
        body = make_body(self.alliance_id, tx_type, args, signers, nonce)
        message = signing_message(body_digest(body))
        return encode_envelope(body, [member.sign(message) for member in keys])

    def submit(self, tx_type: str, args: dict[str, Any], signers: list[str]) -> TxReceipt:
        return self.submit_many([(tx_type, args, signers)])[0]

    def submit_many(self, items: list[tuple[str, dict[str, Any], list[str]]]) -> list[TxReceipt]:
        envelopes = [self.sign(tx_type, args, signers) for tx_type, args, signers in items]
        try:
            ids = self.node.submit(envelopes)
        except PledgenetError:
            with self.node._nonce_lock:  # nothing was queued: the next operation re-reads the nonce
                self.node._nonces.clear()
            raise
        return self.node.wait_receipts(ids)
