"""``pledgenet attest``: verify attestation evidence offline (the same check every peer runs on chain)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pledgenet.cli.app import app
from pledgenet.errors import ConfigError

attest_app = typer.Typer(
    help="Trusted execution: verify SGX / TDX attestation evidence.", no_args_is_help=True
)
app.add_typer(attest_app, name="attest")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the {what} {path}: {error.strerror}") from None


@attest_app.command("verify")
def verify_quote(
    quote: Annotated[Path, typer.Argument(help="the raw quote (binary)")],
    collateral: Annotated[
        Path, typer.Option("--collateral", help="its collateral (JSON, as dcap-qvl reads)")
    ],
    at: Annotated[int, typer.Option("--at", help="verification time, Unix seconds (a block's time)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Verify one SGX or TDX quote against its collateral as at --at; exit 0 only if it verifies."""
    from pledgenet.crypto.attestation.evidence import verify

    verified = verify(_read(quote, "quote"), _read(collateral, "collateral"), at)
    if as_json:
        typer.echo(json.dumps(verified.as_dict(), indent=2))
        return
    measurement = verified.measurement
    typer.echo(f"{verified.label}: quote v{verified.quote_version}, TCB status {verified.tcb_status}")
    typer.echo(f"advisories: {', '.join(verified.advisories) or 'none'}")
    for name, value in measurement.items():
        if name == "rtmrs":
            for index, rtmr in enumerate(value):
                typer.echo(f"rtmr{index}: {rtmr}")
        elif name != "type":
            typer.echo(f"{name}: {value}")
    typer.echo(f"report data: {verified.report_data}")
    typer.echo(f"collateral valid until {verified.valid_until} (Unix time)")
