"""What a member's node serves from: one organisation's view of its alliance.

The HTTP API depends on this small interface only, so the same routes serve an embedded alliance
(``EmbeddedMember``, below: an alliance directory opened by one process, acting as one org) and, later, a
node process whose peer is fed by the etcd ordering service. A backend gives

* ``org``, ``alliance_id``, ``genesis_hash``: who this node is;
* ``read()``: a context manager yielding the member's own peer (``PeerQueries``: ``get``, ``range``,
  ``history``, ``tx``, ``proof``, ``header(s)``, ``block``, ``receipts_at``, ``events``, ``height``), held
  steady (no block applied) while the ``with`` block runs;
* ``height``: the member peer's committed height, cheap enough to poll;
* ``submit(envelopes)``: hand signed envelopes to ordering; returns once they are durable (acknowledged),
  with their transaction ids, in order. It may return before they commit;
* ``receipt(tx_id)``: the committed receipt, or None while it is not committed;
* ``member()``: the organisation's own keys (signing, encryption) for opening sealed records;
* ``register()``: a context manager yielding a ``RegisterClient``-shaped object that builds, seals,
  co-signs and submits register operations as this member (the embedded alliance holds every signer's
  key; a node backend collects the co-signatures from the other members' endorsement services);
* ``close()``.

Waiting (for a receipt, for the next block) is done by the API by polling ``height`` and ``receipt``, so a
backend needs no callback machinery.
"""

from __future__ import annotations

import fcntl
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pledgenet.contracts.catalog import open_alliance
from pledgenet.errors import ConfigError, MalformedTransaction, NotFound
from pledgenet.ledger.records import TxReceipt
from pledgenet.ledger.transaction import parse_envelope
from pledgenet.register.client import RegisterClient

if TYPE_CHECKING:
    from pledgenet.crypto.keystore import Member
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer

LOCK_FILE = ".writer.lock"


class MemberBackend(ABC):
    """One member organisation's view of its alliance: its own peer for reads, a path to ordering."""

    org: str
    alliance_id: str
    genesis_hash: str

    @property
    @abstractmethod
    def height(self) -> int:
        """Committed height of the member's peer (-1 before genesis)."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Peer]:
        """``with backend.read() as peer:`` the member's peer, steady while the block runs."""

    @abstractmethod
    def submit(self, envelopes: list[bytes]) -> list[str]:
        """Order signed envelopes; return their transaction ids once acknowledged (durable)."""

    @abstractmethod
    def receipt(self, tx_id: str) -> TxReceipt | None:
        """The committed receipt of ``tx_id`` on this member's peer, or None while not committed."""

    @abstractmethod
    def member(self) -> Member:
        """The organisation's own keys."""

    @abstractmethod
    def register(self) -> AbstractContextManager[RegisterClient]:
        """``with backend.register() as client:`` register operations and views as this member."""

    def check_envelope(self, envelope: bytes) -> str:
        """Guard before ordering: the envelope decodes, is for this alliance and is this member's own.

        Returns the transaction id. A member's node relays only its own organisation's transactions; a
        malformed or foreign one is refused here (400) and never reaches the chain.
        """
        tx = parse_envelope(envelope)
        if tx.alliance != self.alliance_id:
            raise MalformedTransaction(
                f"transaction is for alliance {tx.alliance!r}; this node is in {self.alliance_id!r}",
                code="wrong_alliance",
            )
        if tx.submitter != self.org:
            raise MalformedTransaction(
                f"transaction is submitted by {tx.submitter!r}; this is {self.org}'s node, which relays "
                f"only {self.org}'s transactions",
                code="foreign_submitter",
            )
        return tx.tx_id

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the backend holds."""


class EmbeddedMember(MemberBackend):
    """One organisation of an embedded alliance directory, served by this process.

    The directory's alliance is opened once and kept; every other process that writes the same directory
    (another ``pledgenet serve``, a CLI command) is noticed before each read or write (the producer peer's
    stored height moved) and the alliance is reopened, so the lagging peers catch up. Writers on one
    directory take an exclusive lock file (``.writer.lock``) around each submission, so two servers never
    cut two different blocks at the same height. Inside the process one lock serialises all access.
    """

    def __init__(self, directory: Path | str, org: str) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()
        with self._writer_lock():  # opening catches lagging peers up: a write
            self._alliance: Alliance = open_alliance(self.directory)
        if org not in self._alliance.orgs:
            members = ", ".join(self._alliance.orgs)
            self._alliance.close()
            raise NotFound(f"no member {org!r} in {self.directory}; members: {members}")
        self.org = org
        self.alliance_id = self._alliance.alliance_id
        self.genesis_hash = self._alliance.config.genesis_hash
        self._height = self._alliance.peer(org).height

    # ------------------------------------------------------------------ freshness

    def _fresh(self, *, writer_locked: bool = False) -> Alliance:
        """The alliance, reopened when another process has committed blocks since we last looked.

        Reopening catches lagging peers up (it writes), so it happens under the directory's writer lock:
        never while another process is still delivering a block to the peers.
        """
        if self._stale():
            if writer_locked:
                self._reopen()
            else:
                with self._writer_lock():
                    if self._stale():
                        self._reopen()
        self._height = self._alliance.peer(self.org).height
        return self._alliance

    def _stale(self) -> bool:
        producer = self._alliance.producer_peer
        tip = producer.store.tip()
        return tip is not None and tip[0] != producer.height

    def _reopen(self) -> None:
        self._alliance.close()
        self._alliance = open_alliance(self.directory)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """The directory's writer lock (``flock``): across processes, and across backends of one process."""
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    @property
    def height(self) -> int:
        """The member peer's height, after catching up with blocks other processes committed."""
        with self._lock:
            self._fresh()
            return self._height

    @contextmanager
    def read(self) -> Iterator[Peer]:
        with self._lock:
            yield self._fresh().peer(self.org)

    @contextmanager
    def _writing(self) -> Iterator[Alliance]:
        """The alliance, under this process's lock and the directory's writer lock."""
        with self._lock, self._writer_lock():
            try:
                yield self._fresh(writer_locked=True)
            finally:
                self._height = self._alliance.peer(self.org).height

    def submit(self, envelopes: list[bytes]) -> list[str]:
        ids = [self.check_envelope(envelope) for envelope in envelopes]
        with self._writing() as alliance:
            alliance.submit_envelopes(envelopes)
        return ids

    def receipt(self, tx_id: str) -> TxReceipt | None:
        with self.read() as peer:
            try:
                return peer.tx(tx_id).receipt
            except NotFound:
                return None

    def member(self) -> Member:
        with self._lock:
            return self._alliance.member(self.org)

    @contextmanager
    def register(self) -> Iterator[RegisterClient]:
        """A ``RegisterClient`` for this org, under the writer lock (its submissions commit here)."""

        with self._writing() as alliance:
            yield RegisterClient(alliance, self.org)

    def close(self) -> None:
        with self._lock:
            self._alliance.close()


def open_embedded(directory: Path | str, org: str) -> EmbeddedMember:
    """``EmbeddedMember`` with a clear error when ``directory`` is not an alliance."""
    from pledgenet.ledger.alliance import is_alliance_dir

    if not is_alliance_dir(Path(directory)):
        raise ConfigError(f"{directory} is not a pledgenet alliance directory (no valid alliance.json)")
    return EmbeddedMember(directory, org)
