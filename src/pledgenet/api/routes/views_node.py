"""What the JSON views and the dashboard need from a member's node: its org, its peer to read, a register
client to act (embedded: over the alliance object, which holds every member's keys), its keys, and
(embedded) its alliance directory.

``NodeView`` is that interface, structurally; ``api.backend.EmbeddedMember`` (what ``pledgenet serve``
runs) provides it. The directory holds the registrar's endorsement inbox (``views_inbox``); the register
client's alliance lets the registrar's node order an endorsed registration with its co-signers' keys, as
every command of an embedded alliance does.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pledgenet.crypto.keystore import Member
    from pledgenet.ledger.peer import Peer
    from pledgenet.register.client import RegisterClient


class NodeView(Protocol):
    org: str
    directory: Path

    def read(self) -> AbstractContextManager[Peer]: ...

    def register(self) -> AbstractContextManager[RegisterClient]: ...

    def member(self) -> Member: ...
