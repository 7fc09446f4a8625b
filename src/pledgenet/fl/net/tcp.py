"""The network transport of :class:`~pledgenet.fl.net.channel.Channel`: authenticated, encrypted TCP links.

Each pair of parties shares one TCP connection; the party whose name sorts first dials, the other accepts.
The handshake, written here because it is the product's own link protocol (a few lines over
``cryptography``'s primitives, no TLS certificates to provision between alliance members):

1. both send ``hello`` = (job id, party name, Ed25519 organisation public key, fresh X25519 public key,
   32-byte nonce);
2. each checks that the job id is its own and the public key is the one pinned for that party name in its
   directory, then signs ``SHA-256("pledgenet-fl-link-v2" || len(job) || job || hello_dialer ||
   hello_acceptor)`` with its organisation key and sends the signature; each verifies the other's (a wrong
   key, another job's party or a relayed hello fails here);
3. both derive two ChaCha20-Poly1305 keys (one per direction) with HKDF-SHA256 from the X25519 shared secret,
   salted with the transcript hash. Frames are ``length || AEAD(counter nonce, body)``, so a frame that is
   altered, dropped, replayed or reordered fails to decrypt and the link is closed with ``ProtocolError``.

Before a peer is authenticated its frames are capped at ``HANDSHAKE_MAX_FRAME`` (64 KiB) and, on the
accepting side, its handshake at ``HANDSHAKE_TIMEOUT_S``; a connection whose handshake fails (a stranger, a
port scanner, another job's party) is closed and ignored, and the acceptor keeps waiting for its real
peers until the connect timeout (handshakes are taken one at a time, so each silent stranger delays the
setup by up to ``HANDSHAKE_TIMEOUT_S``; a dialer waits for its handshake until the connect timeout).

A reader thread per link puts decrypted bodies into a queue; ``recv`` takes them in order. Each sealed body
starts with one byte: a protocol message, an abort notice (wakes every pending ``recv`` of this party with
``PeerAborted``), or the goodbye that ``close`` sends; a link that drops without a goodbye (the peer
process died) counts as an abort too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pledgenet.errors import PeerAborted, ProtocolError
from pledgenet.fl.net import wire
from pledgenet.fl.net.channel import DEFAULT_TIMEOUT_S, Channel, Transcript, raise_if_abort

_LABEL = b"pledgenet-fl-link-v2"
_MAX_FRAME = wire.MAX_MESSAGE_BYTES
HANDSHAKE_MAX_FRAME = 64 * 1024
HANDSHAKE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PartyAddress:
    """Where a party listens and which organisation key it must prove it holds."""

    host: str
    port: int
    public_key: Ed25519PublicKey


def _raw(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _send_frame(sock: socket.socket, body: bytes) -> None:
    sock.sendall(struct.pack(">Q", len(body)) + body)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise ProtocolError("link closed by the peer")
        chunks += chunk
    return bytes(chunks)


def _recv_frame(sock: socket.socket, limit: int = _MAX_FRAME) -> bytes:
    (size,) = struct.unpack(">Q", _recv_exact(sock, 8))
    if size > limit:
        raise ProtocolError(f"a frame of {size} bytes is over the limit of {limit}")
    return _recv_exact(sock, size)


_DATA, _ABORT, _BYE = b"D", b"A", b"B"
"""First byte of every sealed frame body: a protocol message, an abort notice, the closing goodbye."""


class _Link:
    """One authenticated, encrypted connection to a peer.

    ``on_abort`` is called (from the reader thread) with a ``PeerAborted`` when the peer sends an abort
    notice or the connection drops without its goodbye; the channel then wakes every pending ``recv``.
    """

    def __init__(
        self,
        sock: socket.socket,
        send_key: bytes,
        recv_key: bytes,
        peer: str,
        on_abort: Callable[[PeerAborted], None],
    ) -> None:
        self.sock = sock
        self.peer = peer
        self._on_abort = on_abort
        self._send_aead = ChaCha20Poly1305(send_key)
        self._recv_aead = ChaCha20Poly1305(recv_key)
        self._send_counter = 0
        self._recv_counter = 0
        self._send_lock = threading.Lock()
        self._closing = False
        self.inbox: queue.Queue[bytes | ProtocolError] = queue.Queue()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def send(self, body: bytes, kind: bytes = _DATA) -> None:
        with self._send_lock:
            nonce = self._send_counter.to_bytes(12, "big")
            self._send_counter += 1
            _send_frame(self.sock, self._send_aead.encrypt(nonce, kind + body, None))

    def _read_loop(self) -> None:
        try:
            while True:
                sealed = _recv_frame(self.sock)
                nonce = self._recv_counter.to_bytes(12, "big")
                self._recv_counter += 1
                try:
                    body = self._recv_aead.decrypt(nonce, sealed, None)
                except InvalidTag:
                    raise ProtocolError("a frame failed authentication (altered or replayed)") from None
                kind, body = body[:1], body[1:]
                if kind == _DATA:
                    self.inbox.put(body)
                elif kind == _ABORT:
                    try:
                        raise_if_abort(wire.decode(body))
                    except PeerAborted as notice:
                        self._on_abort(notice)
                    return
                else:  # goodbye: the peer finished; later receives from it fail at once
                    self.inbox.put(ProtocolError(f"{self.peer} closed the link"))
                    return
        except (ProtocolError, OSError) as exc:
            if self._closing:
                return
            self._on_abort(PeerAborted(f"the link to {self.peer} was lost mid-protocol ({exc})"))

    def close(self, goodbye: bool = True) -> None:
        self._closing = True
        if goodbye:
            with contextlib.suppress(OSError):
                self.send(b"", _BYE)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def _handshake(
    sock: socket.socket,
    me: str,
    my_key: Ed25519PrivateKey,
    directory: dict[str, PartyAddress],
    dialer: bool,
    expected_peer: str | None,
    job: str,
) -> tuple[str, bytes, bytes]:
    ephemeral = X25519PrivateKey.generate()
    mine = wire.encode(
        {
            "job": job,
            "party": me,
            "org_key": _raw(my_key.public_key()),
            "dh": _raw(ephemeral.public_key()),
            "nonce": os.urandom(32),
        }
    )
    _send_frame(sock, mine)
    theirs = _recv_frame(sock, HANDSHAKE_MAX_FRAME)
    hello = wire.decode(theirs)
    if not isinstance(hello, dict) or not isinstance(hello.get("dh"), bytes) or len(hello["dh"]) != 32:
        raise ProtocolError("bad hello")
    if hello.get("job") != job:
        raise ProtocolError("the peer is running another job")
    peer = str(hello.get("party"))
    if peer not in directory or peer == me or (expected_peer is not None and peer != expected_peer):
        raise ProtocolError(f"unexpected party {peer!r} on the link")
    if hello.get("org_key") != _raw(directory[peer].public_key):
        raise ProtocolError(f"{peer!r} did not present its pinned organisation key")
    first, second = (mine, theirs) if dialer else (theirs, mine)
    bound = job.encode()
    digest = hashlib.sha256(_LABEL + struct.pack(">I", len(bound)) + bound + first + second).digest()
    _send_frame(sock, my_key.sign(digest))
    try:
        directory[peer].public_key.verify(_recv_frame(sock, HANDSHAKE_MAX_FRAME), digest)
    except InvalidSignature:
        raise ProtocolError(f"{peer!r} failed to prove its organisation key") from None
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(hello["dh"]))
    keys = HKDF(algorithm=hashes.SHA256(), length=64, salt=digest, info=_LABEL).derive(shared)
    dial_key, accept_key = keys[:32], keys[32:]
    send_key, recv_key = (dial_key, accept_key) if dialer else (accept_key, dial_key)
    sock.settimeout(None)  # the link may idle for long phases of a protocol
    return peer, send_key, recv_key


class NetworkChannel(Channel):
    """A party's authenticated links to all its peers over TCP.

    ``directory`` maps every party (this one included) to its address and pinned organisation key;
    ``job`` is the job's id (every party of one run must give the same; see ``Job.fingerprint``). The
    constructor listens, dials and handshakes, and returns once every link is up (or raises
    ``ProtocolError`` after ``connect_timeout`` seconds). Connections that fail their handshake on the
    listening side are dropped and ignored.
    """

    def __init__(
        self,
        party: str,
        private_key: Ed25519PrivateKey,
        directory: dict[str, PartyAddress],
        transcript: Transcript | None = None,
        connect_timeout: float = 60.0,
        *,
        job: str,
    ) -> None:
        if party not in directory:
            raise ProtocolError(f"{party!r} is not in the directory")
        if _raw(private_key.public_key()) != _raw(directory[party].public_key):
            raise ProtocolError(f"the private key given to {party!r} does not match its directory entry")
        super().__init__(party, sorted(p for p in directory if p != party), transcript)
        self._links: dict[str, _Link] = {}
        self._aborted: PeerAborted | None = None
        deadline = time.monotonic() + connect_timeout
        to_accept = [p for p in self.peers if p < party]
        to_dial = [p for p in self.peers if p > party]
        listener = None
        if to_accept:
            listener = socket.create_server((directory[party].host, directory[party].port), reuse_port=False)
        try:
            for peer in to_dial:
                sock = self._dial(directory[peer], deadline)
                sock.settimeout(max(1.0, deadline - time.monotonic()))  # the acceptor may be busy a while
                try:
                    _, send_key, recv_key = _handshake(sock, party, private_key, directory, True, peer, job)
                except (OSError, ValueError) as exc:
                    sock.close()
                    raise ProtocolError(f"the handshake with {peer} failed: {exc}") from None
                self._links[peer] = _Link(sock, send_key, recv_key, peer, self._wake_all)
            while listener is not None and len(self._links) < len(self.peers):
                link = self._accept_one(listener, to_accept, deadline, private_key, directory, job)
                if link is not None:
                    self._links[link.peer] = link
        except BaseException:
            self.close()
            raise
        finally:
            if listener is not None:
                listener.close()

    def _accept_one(
        self,
        listener: socket.socket,
        to_accept: list[str],
        deadline: float,
        private_key: Ed25519PrivateKey,
        directory: dict[str, PartyAddress],
        job: str,
    ) -> _Link | None:
        """The next authenticated peer's link, or ``None`` when a connection failed its handshake."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProtocolError(f"{self.party} timed out waiting for its peers")
        listener.settimeout(remaining)
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            raise ProtocolError(f"{self.party} timed out waiting for its peers") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(max(0.1, min(HANDSHAKE_TIMEOUT_S, remaining)))
        try:
            peer, send_key, recv_key = _handshake(sock, self.party, private_key, directory, False, None, job)
            if peer in self._links or peer not in to_accept:
                raise ProtocolError(f"{peer!r} connected twice or should have been dialled")
        except (ProtocolError, OSError, ValueError):
            sock.close()  # a stranger, a scanner, another job's party: ignored
            return None
        return _Link(sock, send_key, recv_key, peer, self._wake_all)

    @staticmethod
    def _dial(address: PartyAddress, deadline: float) -> socket.socket:
        while True:
            try:
                sock = socket.create_connection((address.host, address.port), timeout=5.0)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(None)
                return sock
            except OSError:
                if time.monotonic() > deadline:
                    raise ProtocolError(f"cannot reach {address.host}:{address.port}") from None
                time.sleep(0.05)

    def _send_bytes(self, to: str, body: bytes) -> None:
        self._links[to].send(body)

    def _send_abort(self, body: bytes) -> None:
        for link in list(self._links.values()):
            with contextlib.suppress(OSError):
                link.send(body, _ABORT)

    def _wake_all(self, notice: PeerAborted) -> None:
        self._aborted = notice
        for link in list(self._links.values()):
            link.inbox.put(notice)

    def _recv_bytes(self, frm: str, timeout: float | None = DEFAULT_TIMEOUT_S) -> bytes:
        if self._aborted is not None:
            raise self._aborted
        link = self._links.get(frm)
        if link is None:
            raise ProtocolError(f"{self.party} has no open link to {frm}")
        try:
            item = link.inbox.get(timeout=timeout)
        except queue.Empty:
            raise ProtocolError(f"{self.party} timed out waiting for {frm}") from None
        if isinstance(item, ProtocolError):
            raise item
        return item

    def close(self) -> None:
        """Say goodbye on every link and close it (peers' later receives from this party fail at once)."""
        for link in self._links.values():
            link.close()
        self._links.clear()

    def abort(self, reason: str) -> None:
        super().abort(reason)
        for link in self._links.values():
            link.close(goodbye=False)
        self._links.clear()
