"""Networked jobs: one party of a job file per process, over the authenticated network transport.

Each party's entry in the job file says where it listens and which organisation key it proves it holds:

* ``address: "host:port"`` (or ``host:`` and ``port:``);
* its Ed25519 public key, as ``certificate:`` (the member's X.509 certificate from the alliance, see
  :mod:`pledgenet.crypto.identity`; checked against ``alliance_root:`` when the job names one, and its
  common name must equal the party's ``org:`` when given) or ``public_key:`` (a PEM public key file, or the
  raw key as 64 hex digits);
* for the party running here, ``key:``: its Ed25519 signing key (PKCS#8 PEM, e.g. a member's
  ``signing.key`` from :mod:`pledgenet.crypto.keystore`, or the member's key directory). Only the running
  party's own key file is read; the others' entries need no key.

Everything is checked before a socket opens (``ConfigError`` names the party and the field).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pledgenet.crypto.identity import check_certificate, load_certificate, load_signing_key
from pledgenet.crypto.keystore import SIGNING_FILE
from pledgenet.errors import ConfigError, IdentityError
from pledgenet.fl.job import Job, Progress, run_party
from pledgenet.fl.net.tcp import NetworkChannel, PartyAddress


def _address(party: str, spec: dict[str, Any]) -> tuple[str, int]:
    if "address" in spec:
        host, _, port = str(spec["address"]).rpartition(":")
    else:
        host, port = str(spec.get("host", "")), str(spec.get("port", ""))
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"party {party!r} needs an address 'host:port' for a networked run")
    return host, int(port)


def _public_key(job: Job, party: str, spec: dict[str, Any]) -> Ed25519PublicKey:
    if "certificate" in spec:
        path = job.path(str(spec["certificate"]))
        try:
            pem = path.read_text()
        except OSError as exc:
            raise ConfigError(f"party {party!r}: cannot read certificate {path}: {exc}") from None
        root = job.settings.get("alliance_root")
        try:
            if root is not None:
                identity = check_certificate(
                    pem, job.path(str(root)).read_text(), at_ms=int(time.time() * 1000)
                )
                if "org" in spec and identity.org != str(spec["org"]):
                    raise ConfigError(f"party {party!r}: the certificate is {identity.org!r}'s")
                return Ed25519PublicKey.from_public_bytes(identity.signing_public)
            certified = load_certificate(pem).public_key()
        except (IdentityError, OSError) as exc:
            raise ConfigError(f"party {party!r}: certificate refused: {exc}") from None
        if not isinstance(certified, Ed25519PublicKey):
            raise ConfigError(f"party {party!r}: the certificate's key is not Ed25519")
        return certified
    if "public_key" in spec:
        value = str(spec["public_key"])
        try:
            if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
                return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))
            key = serialization.load_pem_public_key(job.path(value).read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"party {party!r}: cannot read public key {value}: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigError(f"party {party!r}: public key {value} is not Ed25519")
        return key
    raise ConfigError(f"party {party!r} needs a 'certificate' or 'public_key' for a networked run")


def directory_for(job: Job) -> dict[str, PartyAddress]:
    """Every party's address and pinned organisation key, from the job file."""
    directory = {}
    for party, spec in job.parties.items():
        host, port = _address(party, spec)
        directory[party] = PartyAddress(host, port, _public_key(job, party, spec))
    return directory


def signing_key_for(job: Job, party: str) -> Ed25519PrivateKey:
    """The running party's own signing key (its ``key:`` file, or ``signing.key`` in a key directory)."""
    value = job.parties[party].get("key")
    if value is None:
        raise ConfigError(f"party {party!r} needs 'key' (its Ed25519 signing key file) to run here")
    path = job.path(str(value))
    if path.is_dir():
        path = path / SIGNING_FILE
    return load_signing_key(Path(path)).to_cryptography()


def run_networked(
    job: Job, party: str, progress: Progress | None = None, connect_timeout: float | None = None
) -> dict[str, Any]:
    """Run ``party`` of ``job`` here, linked to the others over TCP; the guest returns the metrics."""
    if party not in job.parties:
        raise ConfigError(f"the job has no party {party!r} (parties: {sorted(job.parties)})")
    if job.parties[party]["role"] != "coordinator":
        job.load(party)  # this party's data is checked before any key is read or socket opened
    directory = directory_for(job)
    key = signing_key_for(job, party)
    timeout = float(connect_timeout or job.settings.get("connect_timeout", 120))
    channel = NetworkChannel(party, key, directory, connect_timeout=timeout)
    try:
        return run_party(job, party, channel, progress)
    finally:
        channel.close()
