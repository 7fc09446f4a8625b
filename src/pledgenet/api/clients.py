"""A member's client credentials in an embedded alliance directory: issue, list, revoke.

The member issues each of its people (or programs) a credential with its own signing key
(``crypto.client_credential``); the node keeps the issued certificates and the revoked serials beside the
member's keys::

    orgs/<org>/clients/issued/<serial>.pem    every certificate issued (for the record)
    orgs/<org>/clients/revoked.json           serials the node refuses, read on every request
"""

from __future__ import annotations

import json
from pathlib import Path

from pledgenet.crypto.client_credential import ClientCredential, issue_client_credential
from pledgenet.crypto.identity import load_certificate
from pledgenet.crypto.keystore import Member
from pledgenet.errors import ConfigError, NotFound

REVOKED_FILE = "revoked.json"


def clients_dir(directory: Path, org: str) -> Path:
    return Path(directory) / "orgs" / org / "clients"


def issue(
    directory: Path, org: str, *, name: str, now_ms: int, days: int = 365, out: Path | None = None
) -> ClientCredential:
    """Issue ``name`` a credential from ``org``'s keys in ``directory``; write it to ``out`` (0600)."""
    member_dir = Path(directory) / "orgs" / org
    if not (member_dir / "signing.key").exists():
        raise NotFound(f"no keys of member {org!r} in {directory}")
    member = Member.load(org, member_dir)
    credential = issue_client_credential(
        member.signing, member.certificate_pem, name=name, now_ms=now_ms, days=days
    )
    serial = load_certificate(credential.certificate_pem).serial_number
    issued = clients_dir(directory, org) / "issued"
    issued.mkdir(parents=True, exist_ok=True)
    (issued / f"{serial}.pem").write_text(credential.certificate_pem)
    if out is not None:
        if out.exists():
            raise ConfigError(f"{out} exists; a credential is never overwritten")
        credential.save(out)
    return credential


def revoked_serials(directory: Path, org: str) -> frozenset[int]:
    path = clients_dir(directory, org) / REVOKED_FILE
    try:
        return frozenset(int(serial) for serial in json.loads(path.read_text()))
    except FileNotFoundError:
        return frozenset()
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None


def revoke(directory: Path, org: str, serial: int) -> None:
    """Add ``serial`` to the member's revocation list (a node refuses it from the next request on)."""
    if not (clients_dir(directory, org) / "issued" / f"{serial}.pem").exists():
        raise NotFound(f"{org} never issued a client certificate with serial {serial}")
    path = clients_dir(directory, org) / REVOKED_FILE
    serials = sorted(revoked_serials(directory, org) | {serial})
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([str(value) for value in serials]))
    tmp.replace(path)
