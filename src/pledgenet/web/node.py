"""What the pages need from a member's node: its org, its peer to read, a register client to act, its keys.

``NodeView`` is the small interface the web layer and its JSON routes depend on; ``SharedAlliance`` serves
several members of one embedded alliance from one process (the browser tests run one node per member
over the same alliance object), ``SharedAlliance.node(org)`` giving each member's ``NodeView``. Access is
serialised by one lock, so pages served from several threads never interleave blocks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pledgenet.errors import NotFound

if TYPE_CHECKING:
    from pledgenet.contracts.registry.client import RegisterClient
    from pledgenet.crypto.keystore import Member
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer


class NodeView(Protocol):
    org: str

    @property
    def directory(self) -> Path: ...

    @property
    def alliance(self) -> Alliance: ...

    def read(self) -> AbstractContextManager[Peer]: ...

    def register(self) -> AbstractContextManager[RegisterClient]: ...

    def member(self) -> Member: ...


class SharedAlliance:
    """One embedded alliance opened once and shared by the nodes of several of its members."""

    def __init__(self, alliance: Alliance, directory: Path) -> None:
        self._alliance = alliance
        self.directory = Path(directory)
        self.lock = threading.RLock()

    def node(self, org: str) -> EmbeddedNode:
        if org not in self._alliance.orgs:
            raise NotFound(
                f"no member {org!r} in {self.directory}; members: {', '.join(self._alliance.orgs)}"
            )
        return EmbeddedNode(self, org)

    @property
    def alliance(self) -> Alliance:
        return self._alliance


class EmbeddedNode:
    """One member's node over a ``SharedAlliance``."""

    def __init__(self, shared: SharedAlliance, org: str) -> None:
        self._shared = shared
        self.org = org

    @property
    def directory(self) -> Path:
        return self._shared.directory

    @property
    def alliance(self) -> Alliance:
        return self._shared.alliance

    @contextmanager
    def read(self) -> Iterator[Peer]:
        with self._shared.lock:
            yield self._shared.alliance.peer(self.org)

    @contextmanager
    def register(self) -> Iterator[RegisterClient]:
        from pledgenet.contracts.registry.client import RegisterClient

        with self._shared.lock:
            yield RegisterClient(self._shared.alliance, self.org)

    def member(self) -> Member:
        return self._shared.alliance.member(self.org)
