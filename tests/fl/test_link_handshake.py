"""The network link's handshake (issue 15 item 10): bound to the job, frames capped until the peer is
authenticated, and strangers on the listening port ignored instead of aborting the job's setup."""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pledgenet.errors import ProtocolError
from pledgenet.fl.net import tcp, wire
from pledgenet.fl.net.tcp import NetworkChannel, PartyAddress


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _parties() -> tuple[dict[str, Ed25519PrivateKey], dict[str, PartyAddress]]:
    keys = {"a": Ed25519PrivateKey.generate(), "b": Ed25519PrivateKey.generate()}
    return keys, {n: PartyAddress("127.0.0.1", _free_port(), k.public_key()) for n, k in keys.items()}


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _connect(port: int) -> socket.socket:
    for _ in range(200):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the listener never came up")


def _closed_by_peer(sock: socket.socket, within: float = 5.0) -> bool:
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_strangers_on_the_port_are_ignored_and_the_job_still_links(monkeypatch: pytest.MonkeyPatch) -> None:
    # Prepare: b (the acceptor) waits for a; strangers reach its port first
    monkeypatch.setattr(tcp, "HANDSHAKE_TIMEOUT_S", 1.0)
    keys, directory = _parties()
    b_thread, b = _in_thread(lambda: NetworkChannel("b", keys["b"], directory, connect_timeout=20, job="j"))
    port = directory["b"].port
    huge = _connect(port)
    huge.sendall(struct.pack(">Q", 2**31 - 1))  # announces a 2 GiB frame before any authentication
    big = _connect(port)
    big.sendall(struct.pack(">Q", 65 * 1024) + b"\0" * 1024)  # just over the 64 KiB cap
    garbage = _connect(port)
    garbage.sendall(struct.pack(">Q", 5) + b"hello")
    silent = _connect(port)  # connects and says nothing
    # Execute: a stranger from another job with a (wrong) key, then the real peer
    other_job = _in_thread(
        lambda: NetworkChannel("a", keys["a"], directory, connect_timeout=5, job="another job")
    )
    other_job[0].join(timeout=15)
    a_thread, a = _in_thread(lambda: NetworkChannel("a", keys["a"], directory, connect_timeout=20, job="j"))
    a_thread.join(timeout=30)
    b_thread.join(timeout=30)
    # Assert: each stranger was cut off; the job's own link came up and carries messages
    assert all(_closed_by_peer(s) for s in (huge, big, garbage, silent))
    assert isinstance(other_job[1].get("error"), ProtocolError)
    assert "another job" in str(other_job[1]["error"])
    assert "error" not in a and "error" not in b, (a.get("error"), b.get("error"))
    a["value"].send("b", "ping", {"n": 1})
    assert b["value"].recv("a", "ping", timeout=10) == {"n": 1}
    a["value"].close()
    b["value"].close()


def test_parties_of_different_jobs_never_link() -> None:
    # Prepare
    keys, directory = _parties()
    # Execute
    b_thread, b = _in_thread(
        lambda: NetworkChannel("b", keys["b"], directory, connect_timeout=3, job="job-2")
    )
    a_thread, a = _in_thread(
        lambda: NetworkChannel("a", keys["a"], directory, connect_timeout=3, job="job-1")
    )
    a_thread.join(timeout=20)
    b_thread.join(timeout=20)
    # Assert: the dialer is told; the acceptor ignores it and times out waiting for its own peer
    assert isinstance(a.get("error"), ProtocolError) and "another job" in str(a["error"])
    assert isinstance(b.get("error"), ProtocolError) and "timed out" in str(b["error"])


def test_a_handshake_frame_over_the_cap_is_refused_without_reading_it() -> None:
    # Prepare: a socket pair standing in for a link before authentication
    ours, theirs = socket.socketpair()
    theirs.sendall(struct.pack(">Q", tcp.HANDSHAKE_MAX_FRAME + 1))
    # Execute / Assert
    with pytest.raises(ProtocolError, match="over the limit of 65536"):
        tcp._recv_frame(ours, tcp.HANDSHAKE_MAX_FRAME)
    theirs.sendall(struct.pack(">Q", 3) + wire.encode(1)[:3])
    assert len(tcp._recv_frame(ours, tcp.HANDSHAKE_MAX_FRAME)) == 3
    ours.close()
    theirs.close()
