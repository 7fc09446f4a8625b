"""Secure aggregation over a :class:`~pledgenet.fl.net.channel.Channel`: the server's and a client's loops.

Every client message goes to the server under the tag ``secagg`` as ``{"context", "stage", ...}``; the
server answers under ``secagg.server``. Clients never talk to each other directly: shares travel sealed
through the server (the star topology of Bonawitz et al.). A client drops out either by going silent (the
server stops waiting at the stage's deadline) or by saying so (``{"leave": true}``, what a client that shuts
down does); either way the round carries on if enough clients remain, and the late client is told it is
out. Messages of another round (a late answer) are discarded by their context.

``secure_sum`` returns the ring sum and the survivors; ``contribute`` returns whether this client's input
made it into the sum. A refusal below threshold reaches every waiting client as ``BelowThreshold``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pledgenet.crypto.secagg.client import SecAggClient
from pledgenet.crypto.secagg.params import SecAggParams
from pledgenet.crypto.secagg.server import SecAggServer
from pledgenet.errors import BelowThreshold, PeerAborted, ProtocolError, ShareError

CLIENT_TAG = "secagg"
SERVER_TAG = "secagg.server"
STAGES = ("advertise", "share", "masked", "unmask")


@dataclass(frozen=True)
class SecureSum:
    total: np.ndarray
    survivors: list[str]
    dropped: dict[str, int]


def _collect(
    channel: Any, params: SecAggParams, clients: list[str], stage: int, deadline_s: float, left: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """The stage's messages from ``clients``; those silent past the deadline are returned apart, those
    that said they leave are added to ``left`` (they are sent nothing more this round)."""
    arrived: dict[str, Any] = {}
    silent: list[str] = []
    until = time.monotonic() + deadline_s
    for client in clients:
        while True:
            remaining = until - time.monotonic()
            try:
                message = channel.recv(client, CLIENT_TAG, timeout=max(remaining, 0.001))
            except PeerAborted:
                raise
            except ProtocolError as exc:
                if "timed out" not in str(exc):
                    raise
                silent.append(client)
                break
            if not isinstance(message, dict) or message.get("context") != params.context_digest:
                continue  # a late message of another round
            if message.get("leave"):
                left.add(client)
                break
            if message.get("stage") != stage:
                raise ProtocolError(f"{client} sent stage {message.get('stage')!r} during stage {stage}")
            arrived[client] = message.get("body")
            break
    return arrived, silent


def secure_sum(channel: Any, params: SecAggParams, *, deadline_s: float = 60.0) -> SecureSum:
    """Run the server's side of one round with ``params.clients``; return the ring sum of the survivors."""
    server = SecAggServer(params)
    live = list(params.clients)
    left: set[str] = set()

    def tell(clients: list[str], body: dict[str, Any]) -> None:
        for client in clients:
            if client not in left:
                channel.send(client, SERVER_TAG, {"context": params.context_digest, **body})

    try:
        arrived, silent = _collect(channel, params, live, 0, deadline_s, left)
        tell(silent, {"dropped": True})
        keys = server.collect_keys(arrived)
        live = sorted(arrived)
        tell(live, {"stage": 0, "keys": keys})
        arrived, silent = _collect(channel, params, live, 1, deadline_s, left)
        tell(silent, {"dropped": True})
        relayed = server.collect_shares(arrived)
        live = sorted(arrived)
        for client in live:
            tell([client], {"stage": 1, "shares": relayed[client], "survivors": live})
        arrived, silent = _collect(channel, params, live, 2, deadline_s, left)
        tell(silent, {"dropped": True})
        survivors = server.collect_masked(arrived)
        live = survivors
        tell(live, {"stage": 2, "survivors": survivors})
        arrived, silent = _collect(channel, params, live, 3, deadline_s, left)
        total = server.finish(arrived)
        tell(live, {"stage": 3, "done": True})
    except ShareError as exc:
        tell(live, {"refused": str(exc)})
        raise
    except ProtocolError as exc:
        tell(live, {"refused": f"{type(exc).__name__}: the round failed at the server"})
        raise ProtocolError(f"secure aggregation failed: {exc}") from None
    return SecureSum(total, survivors, dict(server.dropped))


def contribute(
    channel: Any,
    server: str,
    params: SecAggParams,
    vector: np.ndarray | Callable[[], np.ndarray],
    *,
    leave_at: int | None = None,
    timeout: float = 600.0,
) -> bool:
    """Run this client's side of one round; ``True`` if its input is in the sum.

    ``vector`` may be a callable, evaluated only when the masked input is due (local training can run
    while the others exchange keys). ``leave_at`` (0 to 3) makes the client leave before that stage: how
    tests and benchmarks simulate dropouts.
    """
    client = SecAggClient(params, channel.party)

    def send(stage: int, body: Any) -> None:
        if leave_at is not None and stage >= leave_at:
            channel.send(server, CLIENT_TAG, {"context": params.context_digest, "leave": True})
            raise _Left
        channel.send(server, CLIENT_TAG, {"context": params.context_digest, "stage": stage, "body": body})

    def receive(stage: int) -> dict[str, Any] | None:
        while True:
            message = channel.recv(server, SERVER_TAG, timeout=timeout)
            if isinstance(message, dict) and message.get("context") == params.context_digest:
                break
        if "refused" in message:
            raise BelowThreshold(f"the server refused the round: {message['refused']}")
        if message.get("dropped"):
            return None
        if message.get("stage") != stage:
            raise ProtocolError(f"the server answered stage {message.get('stage')!r}, expected {stage}")
        return message

    try:
        send(0, client.advertise())
        reply = receive(0)
        if reply is None:
            return False
        send(1, client.share_keys(reply["keys"]))
        reply = receive(1)
        if reply is None:
            return False
        values = vector() if callable(vector) else vector
        send(2, client.masked_input(reply["shares"], reply["survivors"], values))
        reply = receive(2)
        if reply is None:
            return False
        send(3, client.unmask(reply["survivors"]))
        return receive(3) is not None
    except _Left:
        return False
    except (KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed message from the server: {exc}") from None


class _Left(Exception):
    """This client left the round on purpose (simulated dropout)."""
