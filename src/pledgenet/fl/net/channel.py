"""The channel between federated-learning parties: one interface, two transports, one transcript.

Protocol code (alignment, binning, hetero LR, SecureBoost) talks only to :class:`Channel`: ``send`` a tagged
payload to a named peer, ``recv`` the next payload from a peer and check its tag. Two transports implement
it and run the same protocol code:

* :class:`MemoryChannel` (from :class:`MemoryHub`): parties are threads of one process; used for
  simulation and tests. Payloads still go through the wire encoding, so what a test sees is what the network
  would carry.
* :class:`pledgenet.fl.net.tcp.NetworkChannel`: parties are processes (or machines) joined by TCP, each
  link authenticated by both organisations' Ed25519 keys and encrypted.

Every message can be recorded to a :class:`Transcript` (sender, receiver, tag, decoded payload, size), which
the privacy tests inspect to prove what crosses between parties.

Failure propagation: a party that fails mid-protocol calls :meth:`Channel.abort` (``job.run_party`` does it
for every failure). Every peer's pending or next ``recv`` then raises :class:`~pledgenet.errors.PeerAborted`
naming the failed party and its reason, whichever peer it was waiting on, so no party waits out the receive
timeout for a protocol that can no longer finish. A network link that drops without the peer's goodbye
(a killed process) has the same effect.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pledgenet.errors import PeerAborted, ProtocolError
from pledgenet.fl.net import wire

DEFAULT_TIMEOUT_S = 600.0
ABORT_TAG = "channel.abort"
"""Reserved tag of the abort notice (``{"party": name, "reason": text}``); protocols never use it."""


def abort_body(party: str, reason: str) -> bytes:
    """The encoded abort notice of ``party`` (what :meth:`Channel.abort` puts on every link)."""
    return wire.encode({"tag": ABORT_TAG, "body": {"party": party, "reason": reason[:500]}})


def raise_if_abort(message: Any) -> None:
    """Raise ``PeerAborted`` if a decoded message is an abort notice."""
    if isinstance(message, dict) and message.get("tag") == ABORT_TAG:
        body = message.get("body") or {}
        raise PeerAborted(f"{body.get('party')!s} aborted the protocol: {body.get('reason')!s}")


@dataclass(frozen=True)
class Message:
    sender: str
    receiver: str
    tag: str
    payload: Any
    size: int


@dataclass
class Transcript:
    """Every message a channel sent or received, in order (thread-safe)."""

    messages: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, message: Message) -> None:
        with self._lock:
            self.messages.append(message)

    def between(self, sender: str, receiver: str) -> list[Message]:
        return [m for m in self.messages if m.sender == sender and m.receiver == receiver]

    def total_bytes(self) -> int:
        return sum(m.size for m in self.messages)


class Channel(ABC):
    """One party's end of the links to its peers."""

    def __init__(self, party: str, peers: list[str], transcript: Transcript | None = None) -> None:
        if party in peers:
            raise ProtocolError(f"party {party!r} cannot be its own peer")
        self.party = party
        self.peers = list(peers)
        self.transcript = transcript
        self.bytes_sent = 0

    def send(self, to: str, tag: str, payload: Any) -> None:
        """Send ``payload`` under ``tag`` to peer ``to``."""
        self._check_peer(to)
        body = wire.encode({"tag": tag, "body": payload})
        self.bytes_sent += len(body)
        if self.transcript is not None:
            self.transcript.record(Message(self.party, to, tag, payload, len(body)))
        self._send_bytes(to, body)

    def recv(self, frm: str, tag: str, timeout: float | None = DEFAULT_TIMEOUT_S) -> Any:
        """The next payload from ``frm``; raises ``ProtocolError`` if it carries another tag."""
        self._check_peer(frm)
        body = self._recv_bytes(frm, timeout)
        message = wire.decode(body)
        raise_if_abort(message)
        if not isinstance(message, dict) or message.get("tag") != tag:
            got = message.get("tag") if isinstance(message, dict) else None
            raise ProtocolError(f"{self.party} expected {tag!r} from {frm}, got {got!r}")
        return message["body"]

    def broadcast(self, peers: list[str], tag: str, payload: Any) -> None:
        for peer in peers:
            self.send(peer, tag, payload)

    def abort(self, reason: str) -> None:
        """Tell every peer this party stopped (best effort, never raises): their ``recv`` raise at once."""
        body = abort_body(self.party, reason)
        if self.transcript is not None:
            for peer in self.peers:
                self.transcript.record(Message(self.party, peer, ABORT_TAG, {"reason": reason}, len(body)))
        # the party is already failing: its own error is what matters, not a dead link's
        with contextlib.suppress(Exception):
            self._send_abort(body)

    @contextlib.contextmanager
    def aborting_on_failure(self) -> Iterator[Channel]:
        """``with channel.aborting_on_failure():`` runs a party's protocol; any failure aborts the peers.

        The notice names only the error's class and code, never its message: messages may quote data (an
        ID, a column) that must not leave the party. The party's own exception keeps the full message.
        """
        try:
            yield self
        except BaseException as exc:
            code = getattr(exc, "code", None)
            self.abort(type(exc).__name__ + (f" ({code})" if isinstance(code, str) else ""))
            raise

    @abstractmethod
    def _send_abort(self, body: bytes) -> None:
        """Deliver an abort notice so that every peer's pending ``recv`` wakes, whatever it waits on."""

    def _check_peer(self, peer: str) -> None:
        if peer not in self.peers:
            raise ProtocolError(f"{peer!r} is not a peer of {self.party!r}")

    @abstractmethod
    def _send_bytes(self, to: str, body: bytes) -> None: ...

    @abstractmethod
    def _recv_bytes(self, frm: str, timeout: float | None) -> bytes: ...

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release the transport's resources."""


class MemoryHub:
    """In-process links between named parties (threads). ``hub.channel(name)`` gives each its end."""

    def __init__(self, parties: list[str], transcript: Transcript | None = None) -> None:
        if len(set(parties)) != len(parties) or len(parties) < 2:
            raise ProtocolError("a hub needs at least two distinct parties")
        self.parties = list(parties)
        self.transcript = transcript
        self._queues: dict[tuple[str, str], queue.Queue[bytes]] = {
            (a, b): queue.Queue() for a in parties for b in parties if a != b
        }

    def channel(self, party: str) -> MemoryChannel:
        if party not in self.parties:
            raise ProtocolError(f"{party!r} is not on this hub")
        return MemoryChannel(self, party)


class MemoryChannel(Channel):
    def __init__(self, hub: MemoryHub, party: str) -> None:
        super().__init__(party, [p for p in hub.parties if p != party], hub.transcript)
        self._hub = hub

    def _send_bytes(self, to: str, body: bytes) -> None:
        self._hub._queues[(self.party, to)].put(body)

    def _send_abort(self, body: bytes) -> None:
        # into every queue a peer may be reading, whichever sender it waits on
        for (sender, receiver), inbox in self._hub._queues.items():
            if receiver != self.party and sender != receiver:
                inbox.put(body)

    def _recv_bytes(self, frm: str, timeout: float | None) -> bytes:
        try:
            return self._hub._queues[(frm, self.party)].get(timeout=timeout)
        except queue.Empty:
            raise ProtocolError(f"{self.party} timed out waiting for {frm}") from None
