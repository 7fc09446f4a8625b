"""The demo's last word: client credentials for the dashboard and the one command that serves it."""

from __future__ import annotations

from pathlib import Path

from pledgenet.api import clients
from pledgenet.ledger.alliance import now_ms

#: the members a new user walks through in the browser
WALKTHROUGH = ("regulator", "registrar", "bank-01", "court-01", "exchange")
DEFAULT_PORT = 8760


def issue_credentials(directory: Path, orgs: tuple[str, ...] = WALKTHROUGH) -> dict[str, Path]:
    """A client credential per member in ``<directory>/credentials/<org>.credential`` (0600)."""
    folder = directory / "credentials"
    folder.mkdir(parents=True, exist_ok=True)
    issued = {}
    for org in orgs:
        path = folder / f"{org}.credential"
        if not path.exists():
            clients.issue(directory, org, name=f"{org}-demo", now_ms=now_ms(), out=path)
        issued[org] = path
    return issued


def serve_instructions(directory: Path) -> list[str]:
    """What the demo prints at its end: the command, the URL, the file to sign in with."""
    credentials = issue_credentials(directory)
    others = ", ".join(org for org in WALKTHROUGH[1:])
    return [
        "The dashboard, as the regulator:",
        f"  pledgenet serve --dir {directory} --as regulator",
        f"then open http://127.0.0.1:{DEFAULT_PORT}/ and sign in with {credentials['regulator']}",
        f"(every member has its own node: --as {others} with --port {DEFAULT_PORT + 1} and its own "
        f"file in {directory / 'credentials'})",
    ]
