"""Sample alignment of a vertical job by private set intersection (KKRT OPRF-PSI of pledgenet.crypto.psi).

The guest is the PSI receiver with each host (the host learns only the size of the guest's cuckoo table,
not its items nor their exact count); the guest
learns the intersection and tells each host the common IDs, in an order fixed by a hash salted with a
random contribution from every party, so neither side controls (or can encode anything in) the order.
Both sides then reorder their rows to that order. An empty intersection is a ``DataError`` before any
training cryptography starts.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

from pledgenet.crypto import psi
from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import Channel


def _order(ids: list[str], salt: bytes) -> list[str]:
    return sorted(ids, key=lambda item: hashlib.sha256(salt + item.encode()).digest())


def _local_index(data: PartyData) -> dict[str, int]:
    normalised = psi.normalise_identifiers([str(i) for i in data.ids])
    index: dict[str, int] = {}
    for position, item in enumerate(normalised):
        if item in index:
            raise DataError(f"two IDs normalise to the same identifier {item!r}")
        index[item] = position
    return index


def align_guest(channel: Channel, data: PartyData, hosts: list[str]) -> PartyData:
    """Run PSI with every host; return the guest's rows of the common IDs in the agreed order."""
    common = set(_local_index(data))
    for host in hosts:
        receiver = psi.KkrtReceiver([str(i) for i in data.ids])
        channel.send(host, "align.setup", {"setup": receiver.setup()})
        choices = bytes(channel.recv(host, "align.choices")["choices"])
        channel.send(host, "align.corrections", {"corrections": list(receiver.corrections(choices))})
        for message in channel.recv(host, "align.values")["values"]:
            receiver.receive_values(bytes(message))
        found = receiver.result().intersection or []
        common &= set(found)
    salt = secrets.token_bytes(16)
    for host in hosts:
        salt += bytes(channel.recv(host, "align.salt")["salt"])
    ordered = _order(sorted(common), salt)
    for host in hosts:
        channel.send(host, "align.result", {"ids": ordered, "salt": salt})
    if not ordered:
        raise DataError("the parties have no sample in common (empty intersection)")
    index = _local_index(data)
    return data.take(np.array([index[i] for i in ordered], dtype=np.int64))


def align_host(channel: Channel, data: PartyData, guest: str) -> PartyData:
    """Answer the guest's PSI; return this host's rows of the common IDs in the agreed order."""
    index = _local_index(data)
    sender = psi.KkrtSender([str(i) for i in data.ids])
    setup = bytes(channel.recv(guest, "align.setup")["setup"])
    channel.send(guest, "align.choices", {"choices": sender.choices(setup)})
    sender.receive_corrections(bytes(m) for m in channel.recv(guest, "align.corrections")["corrections"])
    channel.send(guest, "align.values", {"values": list(sender.value_messages())})
    my_salt = secrets.token_bytes(16)
    channel.send(guest, "align.salt", {"salt": my_salt})
    result = channel.recv(guest, "align.result")
    ordered = [str(i) for i in result["ids"]]
    if my_salt not in bytes(result["salt"]) or ordered != _order(ordered, bytes(result["salt"])):
        raise ProtocolError("the guest did not order the intersection by the joint salt")
    if not ordered:
        raise DataError("the parties have no sample in common (empty intersection)")
    missing = [i for i in ordered if i not in index]
    if missing:
        raise ProtocolError("the guest named IDs this host does not hold")
    return data.take(np.array([index[i] for i in ordered], dtype=np.int64))
