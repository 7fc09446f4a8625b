"""Member nodes of one alliance directory served over real HTTP (uvicorn in a thread on a free loopback
port), started on first use, and client credentials for them: the API tests' harness."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from pledgenet.api import clients
from pledgenet.api.app import create_app
from pledgenet.api.backend import EmbeddedMember, open_embedded
from pledgenet.api.server import ServerThread
from pledgenet.client import NodeClient
from pledgenet.ledger.alliance import now_ms, read_config
from pledgenet.ledger.store import BlockStore

#: the trade date whose closes the exchange publishes in every module's alliance
TRADE_DATE = str(dt.date.today() - dt.timedelta(days=60))


class Nodes:
    """Member nodes of one alliance directory, each served on its own port; credentials on demand."""

    def __init__(self, directory: Path, keys: Path) -> None:
        self.directory, self.keys = directory, keys
        self.backends: dict[str, EmbeddedMember] = {}
        self.servers: dict[str, ServerThread] = {}
        self.urls: dict[str, str] = {}
        self._names = itertools.count()

    def url(self, org: str) -> str:
        if org not in self.urls:
            backend = self.backends[org] = open_embedded(self.directory, org)
            app = create_app(backend, revoked=lambda: clients.revoked_serials(self.directory, org))
            server = self.servers[org] = ServerThread(app)
            self.urls[org] = server.__enter__()
        return self.urls[org]

    def backend(self, org: str) -> EmbeddedMember:
        self.url(org)
        return self.backends[org]

    def credential(self, org: str, *, days: int = 30, issued_ms: int | None = None) -> Path:
        """A fresh credential file of a client of ``org``."""
        name = f"client-{next(self._names)}"
        out = self.keys / f"{org}-{name}.credential"
        clients.issue(self.directory, org, name=name, now_ms=issued_ms or now_ms(), days=days, out=out)
        return out

    def client(self, org: str) -> NodeClient:
        return NodeClient(self.url(org), self.credential(org))

    def height(self) -> int:
        """The chain's height as the producer peer's database holds it (read-only: writes nothing)."""
        producer = read_config(self.directory).orgs[0]
        store = BlockStore(self.directory / "orgs" / producer / "peer.db", read_only=True)
        try:
            tip = store.tip()
        finally:
            store.close()
        assert tip is not None
        return tip[0]

    def close(self) -> None:
        for server in self.servers.values():
            server.__exit__(None, None, None)
        for backend in self.backends.values():
            backend.close()
