"""Networked jobs: one party of a job file per process, over the authenticated network transport.

Each party's entry in the job file says where it listens and which organisation key it proves it holds:

* ``address: "host:port"`` (or ``host:`` and ``port:``);
* its Ed25519 public key, as ``certificate:`` (the member's X.509 certificate from the alliance, see
  :mod:`pledgenet.crypto.identity`; checked against the job's ``alliance_root:`` now, validity windows of
  the certificate and the root included, refused if its serial is in ``revoked_serials:`` (a list, or a
  JSON file of one), and its common name must equal the party's ``org:``) or ``public_key:`` (a PEM
  public key file, or the raw key as 64 hex digits);
* the coordinator (hetero LR's randomness dealer, who would learn every party's features if it colluded
  with one) must hold a certificate with the ``coordinator`` role, of an organisation and a key that are
  no data party's;
* for the party running here, ``key:``: its Ed25519 signing key (PKCS#8 PEM, e.g. a member's
  ``signing.key`` from :mod:`pledgenet.crypto.keystore`, or the member's key directory). Only the running
  party's own key file is read; the others' entries need no key.

Everything is checked before a socket opens (``ConfigError`` names the party and the field).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pledgenet.crypto.identity import COORDINATOR, CertifiedIdentity, check_certificate, load_signing_key
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


def _revoked(job: Job) -> frozenset[int]:
    """``revoked_serials``: serials inline, or the path of a JSON file holding a list of them."""
    value = job.settings.get("revoked_serials", [])
    if isinstance(value, str):
        try:
            value = json.loads(job.path(value).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"revoked_serials: cannot read {value}: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ConfigError("revoked_serials must be a list of certificate serial numbers")
    return frozenset(value)


def _certified(job: Job, party: str, spec: dict[str, Any]) -> CertifiedIdentity:
    path = job.path(str(spec["certificate"]))
    root = job.settings.get("alliance_root")
    if root is None:
        raise ConfigError(
            f"party {party!r}: a certificate is checked against the job's alliance_root; name one"
        )
    if "org" not in spec:
        raise ConfigError(f"party {party!r}: a certificate needs 'org' (the organisation it must name)")
    try:
        pem, root_pem = path.read_text(), job.path(str(root)).read_text()
    except OSError as exc:
        raise ConfigError(
            f"party {party!r}: cannot read its certificate or the alliance root: {exc}"
        ) from None
    try:
        identity = check_certificate(
            pem, root_pem, at_ms=int(time.time() * 1000), revoked_serials=_revoked(job)
        )
    except IdentityError as exc:
        raise ConfigError(f"party {party!r}: certificate refused: {exc}") from None
    if identity.org != str(spec["org"]):
        raise ConfigError(f"party {party!r}: the certificate names {identity.org!r}, not {spec['org']!r}")
    return identity


def _public_key(job: Job, party: str, spec: dict[str, Any]) -> Ed25519PublicKey:
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


def _check_coordinator(job: Job, keys: dict[str, bytes], identities: dict[str, CertifiedIdentity]) -> None:
    """The coordinator is an independent organisation the alliance certified for the role."""
    coordinator = job.coordinator
    if coordinator is None:
        return
    identity = identities.get(coordinator)
    if identity is None:
        raise ConfigError(
            f"party {coordinator!r}: the coordinator needs an alliance 'certificate' (a bare public key "
            "cannot show it is an independent organisation)"
        )
    if COORDINATOR not in identity.roles:
        raise ConfigError(
            f"party {coordinator!r}: {identity.org!r} is not certified with the coordinator role"
        )
    for party, spec in job.parties.items():
        if party == coordinator:
            continue
        orgs = {str(spec.get("org", ""))} | ({identities[party].org} if party in identities else set())
        if identity.org in orgs or keys[party] == keys[coordinator]:
            raise ConfigError(
                f"party {coordinator!r}: the coordinator is the same organisation or key as data party "
                f"{party!r}; it must be independent of every data party"
            )


def directory_for(job: Job) -> dict[str, PartyAddress]:
    """Every party's address and pinned organisation key, from the job file (certificates checked)."""
    directory, keys, identities = {}, {}, {}
    for party, spec in job.parties.items():
        host, port = _address(party, spec)
        if "certificate" in spec:
            identities[party] = _certified(job, party, spec)
            key = Ed25519PublicKey.from_public_bytes(identities[party].signing_public)
        elif "public_key" in spec:
            key = _public_key(job, party, spec)
        else:
            raise ConfigError(f"party {party!r} needs a 'certificate' or 'public_key' for a networked run")
        keys[party] = key.public_bytes_raw()
        directory[party] = PartyAddress(host, port, key)
    _check_coordinator(job, keys, identities)
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


def _refuse_simulated_only(job: Job) -> None:
    from pledgenet.fl.components import COMPONENTS

    for name in job.components:
        component = COMPONENTS.get(name)
        if component is not None and component.simulated_only:
            raise ConfigError(
                f"components.{name}: gathers every party's data in one place, so it runs only in a "
                "simulated job (pledgenet fl run JOB --simulate); remove it from a networked job"
            )


def run_networked(
    job: Job, party: str, progress: Progress | None = None, connect_timeout: float | None = None
) -> dict[str, Any]:
    """Run ``party`` of ``job`` here, linked to the others over TCP; the guest returns the metrics."""
    if party not in job.parties:
        raise ConfigError(f"the job has no party {party!r} (parties: {sorted(job.parties)})")
    _refuse_simulated_only(job)
    if job.parties[party]["role"] != "coordinator":
        job.load(party)  # this party's data is checked before any key is read or socket opened
    directory = directory_for(job)
    key = signing_key_for(job, party)
    timeout = float(connect_timeout or job.settings.get("connect_timeout", 120))
    channel = NetworkChannel(party, key, directory, connect_timeout=timeout, job=job.fingerprint())
    try:
        return run_party(job, party, channel, progress)
    finally:
        channel.close()
