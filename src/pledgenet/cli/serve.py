"""``pledgenet serve``: one member's node API over an embedded alliance; ``pledgenet client-key``: the
member's client credentials for it (issue, revoke)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from pledgenet.cli.app import app
from pledgenet.cli.deps import AsOpt, DirOpt
from pledgenet.errors import ConfigError

client_key_app = typer.Typer(
    help="Client credentials a member issues to its own people.", no_args_is_help=True
)
app.add_typer(client_key_app, name="client-key")


@app.command("serve")
def serve(
    directory: DirOpt,
    org: AsOpt,
    host: Annotated[str | None, typer.Option(help="address to listen on [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port, 0 for any free one [default: 8760]")] = None,
) -> None:
    """Serve one member's API and dashboard over an embedded alliance (its own clients only; see
    docs/api.md, docs/web.md)."""
    from pledgenet.api import clients
    from pledgenet.api.backend import open_embedded
    from pledgenet.api.core.config import ApiSettings
    from pledgenet.api.server import bind, serve_forever, url_of
    from pledgenet.web.app import create_app

    # what is not given on the command line comes from PLEDGENET_API_* or the defaults
    given = {name: value for name, value in (("host", host), ("port", port)) if value is not None}
    try:
        settings = ApiSettings.model_validate(given)
    except ValidationError as error:  # --port out of range, or a bad PLEDGENET_API_* variable
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"API settings refused: {problems}") from None
    backend = open_embedded(directory, org)
    try:
        application = create_app(backend, settings, revoked=lambda: clients.revoked_serials(directory, org))
        sock = bind(settings.host, settings.port)
        url = url_of(sock)
        # plain lines, never wrapped: a supervisor or a test reads the URL from them
        typer.echo(f"{org}'s node of alliance {backend.alliance_id} at height {backend.height}")
        typer.echo(f"API:  {url}/api/v1   (OpenAPI: {url}/docs, {url}/openapi.json)")
        typer.echo(f"Dashboard: {url}/   (sign in with a client credential of {org})")
        typer.echo(
            f"Every request needs a client credential of {org}; issue one with:\n"
            f"  pledgenet client-key issue --dir {directory} --as {org} --name NAME --out NAME.credential\n"
            f"then, from Python: NodeClient({url!r}, 'NAME.credential')",
        )
        serve_forever(application, sock)
    finally:
        backend.close()


@client_key_app.command("issue")
def issue(
    directory: DirOpt,
    org: AsOpt,
    out: Annotated[
        Path, typer.Option("--out", help="where to write the credential (0600; never overwritten)")
    ],
    name: Annotated[str, typer.Option(help="who the credential is for")] = "",
    days: Annotated[int, typer.Option(help="validity in days")] = 365,
) -> None:
    """Issue a client credential (key + certificate signed by the member's key) for the member's node."""
    from pledgenet.api import clients
    from pledgenet.crypto.identity import load_certificate
    from pledgenet.ledger.alliance import now_ms, read_config

    read_config(directory)
    credential = clients.issue(
        directory, org, name=name or f"{org}-client", now_ms=now_ms(), days=days, out=out
    )
    serial = load_certificate(credential.certificate_pem).serial_number
    client_org, client_name = credential.identity
    typer.echo(f"credential of {client_name} ({client_org}) written to {out}; serial {serial}, {days} days")


@client_key_app.command("revoke")
def revoke(directory: DirOpt, org: AsOpt, serial: int) -> None:
    """Revoke a client credential: the member's node refuses it from the next request on."""
    from pledgenet.api import clients
    from pledgenet.ledger.alliance import read_config

    read_config(directory)
    clients.revoke(directory, org, serial)
    typer.echo(f"client certificate {serial} of {org} revoked")
