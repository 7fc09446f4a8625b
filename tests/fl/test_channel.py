from __future__ import annotations

import socket

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pledgenet.errors import PeerAborted, ProtocolError
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.net.tcp import NetworkChannel, PartyAddress
from pledgenet.fl.net.wire import IntVector


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _directory(keys: dict[str, Ed25519PrivateKey]) -> dict[str, PartyAddress]:
    return {name: PartyAddress("127.0.0.1", _free_port(), key.public_key()) for name, key in keys.items()}


def _ping_pong(run, guest_channel, host_channel) -> dict:  # type: ignore[no-untyped-def]
    payload = {"rows": np.arange(5), "cts": IntVector.of([2**2000 + 7, 3], 256), "big": 2**90, "x": 0.25}

    def guest() -> dict:  # type: ignore[type-arg]
        guest_channel.send("host", "ping", payload)
        return guest_channel.recv("host", "pong")  # type: ignore[no-any-return]

    def host() -> None:
        got = host_channel.recv("guest", "ping")
        host_channel.send("guest", "pong", got)

    return run({"guest": guest, "host": host})["guest"]  # type: ignore[no-any-return]


def test_memory_and_network_transports_carry_the_same_payloads_and_record_them(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    keys = {"guest": Ed25519PrivateKey.generate(), "host": Ed25519PrivateKey.generate()}
    directory = _directory(keys)
    memory_transcript, network_transcript = Transcript(), Transcript()
    hub = MemoryHub(["guest", "host"], memory_transcript)
    channels = run(
        {
            name: (lambda name=name: NetworkChannel(name, keys[name], directory, network_transcript, job="t"))
            for name in keys
        }
    )
    # Execute
    over_memory = _ping_pong(run, hub.channel("guest"), hub.channel("host"))
    over_network = _ping_pong(run, channels["guest"], channels["host"])
    for channel in channels.values():
        channel.close()
    # Assert
    for echoed in (over_memory, over_network):
        assert echoed["rows"].tolist() == [0, 1, 2, 3, 4]
        assert [int(v) for v in echoed["cts"].values] == [2**2000 + 7, 3]
        assert echoed["big"] == 2**90 and echoed["x"] == 0.25
    assert [m.tag for m in memory_transcript.messages] == ["ping", "pong"]
    assert [m.tag for m in network_transcript.messages] == ["ping", "pong"]


def test_a_party_with_the_wrong_organisation_key_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the host's directory entry pins one key, an impostor presents another
    keys = {"guest": Ed25519PrivateKey.generate(), "host": Ed25519PrivateKey.generate()}
    directory = _directory(keys)
    impostor = Ed25519PrivateKey.generate()
    impostor_directory = dict(directory)
    impostor_directory["host"] = PartyAddress("127.0.0.1", directory["host"].port, impostor.public_key())
    # Execute / Assert
    with pytest.raises(ProtocolError):
        run(
            {
                "guest": lambda: NetworkChannel(
                    "guest", keys["guest"], directory, connect_timeout=2, job="t"
                ),
                "host": lambda: NetworkChannel(
                    "host", impostor, impostor_directory, connect_timeout=2, job="t"
                ),
            }
        )


def test_an_unexpected_tag_is_a_protocol_error() -> None:
    hub = MemoryHub(["guest", "host"])
    hub.channel("guest").send("host", "hello", {})
    with pytest.raises(ProtocolError, match="expected 'other'"):
        hub.channel("host").recv("guest", "other", timeout=1)


def test_an_abort_wakes_a_peer_waiting_on_another_party() -> None:
    # Prepare: the guest waits for the coordinator while the host fails
    hub = MemoryHub(["guest", "host", "coordinator"])
    guest = hub.channel("guest")
    # Execute
    hub.channel("host").abort("RuntimeError: disk full")
    # Assert: the guest stops at once, told who failed and why (not after the receive timeout)
    with pytest.raises(PeerAborted, match="host aborted the protocol: RuntimeError: disk full"):
        guest.recv("coordinator", "sslr.triples", timeout=30)


def test_over_the_network_an_abort_or_a_lost_link_stops_the_peer(run) -> None:  # type: ignore[no-untyped-def]
    # Prepare: two separate runs of three parties
    names = ("coordinator", "guest", "host")
    runs = []
    for _ in range(2):
        keys = {name: Ed25519PrivateKey.generate() for name in names}
        directory = _directory(keys)
        runs.append(
            run({n: (lambda n=n, k=keys, d=directory: NetworkChannel(n, k[n], d, job="t")) for n in names})
        )
    first, second = runs
    # Execute / Assert: in the first run the host fails while the guest waits for the coordinator
    first["host"].abort("ValueError: bad bins")
    with pytest.raises(PeerAborted, match="host aborted the protocol: ValueError: bad bins"):
        first["guest"].recv("coordinator", "anything", timeout=30)
    # in the second the coordinator's process vanishes: its link drops without close()'s goodbye
    second["coordinator"]._links["guest"].close(goodbye=False)
    with pytest.raises(PeerAborted, match="link to coordinator was lost"):
        second["guest"].recv("host", "anything", timeout=30)
    # a peer that finished and closed properly only ends its own link
    second["host"].close()
    with pytest.raises(ProtocolError, match="host closed the link"):
        second["coordinator"].recv("host", "x", timeout=30)
    for channels in runs:
        for channel in channels.values():
            channel.close()
