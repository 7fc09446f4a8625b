"""Where a ledger view command reads from: a peer in an alliance directory (``--dir``), or a member's node
over its HTTP API (``--node URL --credential FILE``). Both give the same records, so the commands print
the same tables and the same ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Protocol

import typer

from pledgenet.cli.deps import member_peer
from pledgenet.client import NodeClient
from pledgenet.errors import ConfigError
from pledgenet.ledger.peer import Peer

NodeOpt = Annotated[
    str | None,
    typer.Option(
        "--node", envvar="PLEDGENET_NODE", help="read from a member's node at this URL instead of --dir"
    ),
]
CredentialOpt = Annotated[
    Path | None,
    typer.Option(
        "--credential",
        envvar="PLEDGENET_CREDENTIAL",
        help="client credential for --node (pledgenet client-key)",
    ),
]
LedgerDirOpt = Annotated[Path | None, typer.Option("--dir", help="the alliance directory (or use --node)")]


class LedgerSource(Protocol):
    """The ledger records the view commands print, as plain dicts."""

    def headers(self, last: int) -> list[dict[str, Any]]: ...

    def block(self, height: int) -> dict[str, Any]: ...

    def tx(self, tx_id: str) -> dict[str, Any]: ...

    def range(self, prefix: str) -> list[tuple[str, Any]]: ...

    def history(self, key: str) -> list[dict[str, Any]]: ...


class PeerSource:
    """A member's peer in the alliance directory."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    def headers(self, last: int) -> list[dict[str, Any]]:
        return [signed.to_dict() for signed in self.peer.headers(max(0, self.peer.height + 1 - last))]

    def block(self, height: int) -> dict[str, Any]:
        receipts = self.peer.receipts_at(height)
        return {
            "header": self.peer.header(height).to_dict(),
            "txs": [receipt.to_dict() for receipt in receipts],
        }

    def tx(self, tx_id: str) -> dict[str, Any]:
        return {**self.peer.tx(tx_id).to_dict(), "proof": self.peer.proof(tx_id).to_dict()}

    def range(self, prefix: str) -> list[tuple[str, Any]]:
        return self.peer.range(prefix)

    def history(self, key: str) -> list[dict[str, Any]]:
        return [version.to_dict() for version in self.peer.history(key)]


class NodeSource:
    """A member's node, read through its API with a client credential of that member."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def headers(self, last: int) -> list[dict[str, Any]]:
        return self.node.blocks(limit=last)

    def block(self, height: int) -> dict[str, Any]:
        return self.node.block(height)

    def tx(self, tx_id: str) -> dict[str, Any]:
        record = self.node.tx(tx_id)
        record.pop("proven", None)  # the same record a peer gives (``proven`` is the API's addition)
        return record

    def range(self, prefix: str) -> list[tuple[str, Any]]:
        return self.node.range(prefix, limit=100_000)

    def history(self, key: str) -> list[dict[str, Any]]:
        return self.node.history(key)


def ledger_source(
    directory: Path | None, org: str, node: str | None, credential: Path | None
) -> LedgerSource:
    """The peer of ``org`` in ``directory``, or the node at ``node`` (exactly one of the two)."""
    if node is not None:
        if directory is not None or org:
            raise ConfigError("--node reads the node's own member: give it without --dir and --org")
        if credential is None:
            raise ConfigError("--node needs --credential FILE (a client credential of that node's member)")
        return NodeSource(NodeClient(node, credential))
    if directory is None:
        raise ConfigError(
            "give the alliance directory (--dir) or a member's node (--node URL --credential FILE)"
        )
    return PeerSource(member_peer(directory, org))
