"""Alliance identities: the root, member certificates, key files.

The alliance root is an Ed25519 key with a self-signed X.509 certificate. It issues every member
organisation (and the orderer) a certificate whose subject common name is the organisation id and which
carries two private extensions: the organisation's roles (sorted, canonical JSON) and its X25519
encryption public key (so the key that sealed envelopes are wrapped to is bound to the identity by the
root, not only by a state entry). The extensions live under the ``2.25`` arc (UUID-derived OIDs, usable
without registration).

Certificates are X.509 through ``cryptography``; signing and verifying on the hot path go through libsodium
(PyNaCl), which verifies Ed25519 about twice as fast (see ``pledgenet.crypto.signing``). The roles in a
certificate are those at issuance; the member record on chain (``gov/member/<org>``) is authoritative for
roles after that, because governance changes roles by vote without reissuing certificates.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings as sodium
from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import NameOID

from pledgenet.errors import ConfigError, IdentityError

#: roles a member organisation may hold (the registrar's words), plus "governing" for voting members
MEMBER_ROLES = frozenset(
    {
        "registrar",
        "broker",
        "bank",
        "trust",
        "insurer",
        "court",
        "regulator",
        "exchange",
        "listed_company",
        "governing",
        "coordinator",
    }
)
#: the role a federated-learning job's coordinator (hetero LR's randomness dealer) must be certified with
COORDINATOR = "coordinator"
GOVERNING = "governing"
#: the role in the orderer's certificate (not a member role: the orderer signs blocks, never transactions)
ORDERER_ROLE = "orderer"

OID_ROLES = x509.ObjectIdentifier("2.25.195959469219611365488771395177081089830.1")
OID_ENCRYPTION_KEY = x509.ObjectIdentifier("2.25.195959469219611365488771395177081089830.2")

ORG_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DEFAULT_VALIDITY_DAYS = 3650


def check_org_id(org: str) -> None:
    if not isinstance(org, str) or not ORG_ID.match(org):
        raise IdentityError(
            f"organisation id {org!r} is not valid (lowercase letters, digits, '-', '_'; at most 63)",
            code="bad_org_id",
        )


def check_roles(roles: list[str] | tuple[str, ...] | frozenset[str], *, allowed: frozenset[str]) -> list[str]:
    unknown = sorted(set(roles) - allowed)
    if unknown:
        raise IdentityError(f"unknown role(s) {unknown}; known: {sorted(allowed)}", code="unknown_role")
    return sorted(set(roles))


class SigningKey:
    """An Ed25519 signing key; signs through libsodium (fast), exports through ``cryptography``."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise IdentityError("an Ed25519 seed is 32 bytes", code="bad_seed")
        self._seed = seed
        self.public_bytes, self._secret = sodium.crypto_sign_seed_keypair(seed)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(os.urandom(32))

    def sign(self, message: bytes) -> bytes:
        return sodium.crypto_sign(message, self._secret)[:64]

    def to_cryptography(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._seed)

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_bytes)


@dataclass(frozen=True)
class CertifiedIdentity:
    """What a valid certificate says: who, which roles at issuance, which keys, how long."""

    org: str
    roles: tuple[str, ...]
    signing_public: bytes
    encryption_public: bytes | None
    serial: int
    not_before_ms: int
    not_after_ms: int


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def issue_root(alliance_id: str, *, now_ms: int, days: int = DEFAULT_VALIDITY_DAYS) -> tuple[SigningKey, str]:
    """A new alliance root: its key and its self-signed certificate (PEM)."""
    key = SigningKey.generate()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"pledgenet alliance {alliance_id}"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{alliance_id} root"),
        ]
    )
    start = _at(now_ms) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key.to_cryptography(), None)
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def issue_certificate(
    root_key: SigningKey,
    root_certificate_pem: str,
    *,
    org: str,
    roles: list[str],
    signing_public: bytes,
    encryption_public: bytes | None,
    now_ms: int,
    days: int = DEFAULT_VALIDITY_DAYS,
    not_before_ms: int | None = None,
) -> str:
    """A member (or orderer) certificate under the alliance root, as PEM."""
    check_org_id(org)
    root = load_certificate(root_certificate_pem)
    start = _at(not_before_ms) if not_before_ms is not None else _at(now_ms) - dt.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, org)]))
        .issuer_name(root.subject)
        .public_key(Ed25519PublicKey.from_public_bytes(signing_public))
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.UnrecognizedExtension(OID_ROLES, json.dumps(sorted(set(roles))).encode()), critical=False
        )
    )
    if encryption_public is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(OID_ENCRYPTION_KEY, encryption_public), critical=False
        )
    cert = builder.sign(root_key.to_cryptography(), None)
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def load_certificate(pem: str | bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError):
        raise IdentityError("not a PEM X.509 certificate", code="malformed_certificate") from None


def check_certificate(
    pem: str,
    root_certificate_pem: str,
    *,
    at_ms: int | None,
    revoked_serials: frozenset[int] = frozenset(),
) -> CertifiedIdentity:
    """Validate a certificate against the alliance root at time ``at_ms``; raise ``IdentityError`` if not.

    ``at_ms=None`` checks issuer and signature only; the caller then checks the validity window itself
    (the peer does, against each block's time).
    """
    cert = load_certificate(pem)
    root = load_certificate(root_certificate_pem)
    if cert.issuer != root.subject:
        raise IdentityError("certificate was not issued by this alliance's root", code="unknown_issuer")
    root_key = root.public_key()
    if not isinstance(root_key, Ed25519PublicKey):
        raise IdentityError("alliance root key is not Ed25519", code="bad_root")
    try:
        root_key.verify(cert.signature, cert.tbs_certificate_bytes)
    except CryptoInvalidSignature:
        raise IdentityError(
            "certificate signature does not verify under the root", code="forged_certificate"
        ) from None
    subject_key = cert.public_key()
    if not isinstance(subject_key, Ed25519PublicKey):
        raise IdentityError("certificate key is not Ed25519", code="malformed_certificate")
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        raise IdentityError("certificate has no single common name", code="malformed_certificate")
    org = str(names[0].value)
    not_before, not_after = _ms(cert.not_valid_before_utc), _ms(cert.not_valid_after_utc)
    if at_ms is not None and at_ms < not_before:
        raise IdentityError(f"certificate of {org!r} is not valid yet", code="certificate_not_yet_valid")
    if at_ms is not None and at_ms > not_after:
        raise IdentityError(f"certificate of {org!r} has expired", code="certificate_expired")
    if at_ms is not None:
        _check_root_window(root, at_ms)
    if cert.serial_number in revoked_serials:
        raise IdentityError(f"certificate of {org!r} was revoked", code="certificate_revoked")
    roles: tuple[str, ...] = ()
    encryption_public: bytes | None = None
    for extension in cert.extensions:
        value = extension.value
        if extension.oid == OID_ROLES and isinstance(value, x509.UnrecognizedExtension):
            roles = _roles_of(org, value.value)
        elif extension.oid == OID_ENCRYPTION_KEY and isinstance(value, x509.UnrecognizedExtension):
            encryption_public = bytes(value.value)
            if len(encryption_public) != 32:
                raise IdentityError(
                    f"certificate of {org!r}: the encryption key is not 32 bytes",
                    code="malformed_certificate",
                )
    return CertifiedIdentity(
        org=org,
        roles=roles,
        signing_public=subject_key.public_bytes_raw(),
        encryption_public=encryption_public,
        serial=cert.serial_number,
        not_before_ms=not_before,
        not_after_ms=not_after,
    )


def _check_root_window(root: x509.Certificate, at_ms: int) -> None:
    """The alliance root's own validity window covers ``at_ms``."""
    if at_ms < _ms(root.not_valid_before_utc):
        raise IdentityError("the alliance root certificate is not valid yet", code="root_not_yet_valid")
    if at_ms > _ms(root.not_valid_after_utc):
        raise IdentityError("the alliance root certificate has expired", code="root_expired")


def _roles_of(org: str, raw: bytes) -> tuple[str, ...]:
    """The roles extension: a JSON list of role names (strings), nothing else."""
    try:
        roles = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        roles = None
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise IdentityError(
            f"certificate of {org!r}: the roles extension is not a list of role names",
            code="malformed_certificate",
        )
    return tuple(roles)


# ---------------------------------------------------------------- key files (0600)


def write_secret(path: Path, data: bytes) -> None:
    """Write a private key file readable only by its owner (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def save_signing_key(path: Path, key: SigningKey) -> None:
    pem = key.to_cryptography().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_secret(path, pem)


def load_signing_key(path: Path) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return SigningKey(key.private_bytes_raw())


def save_encryption_key(path: Path, key: X25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_secret(path, pem)


def load_encryption_key(path: Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read encryption key {path}: {exc}") from None
    if not isinstance(key, X25519PrivateKey):
        raise ConfigError(f"{path} is not an X25519 key")
    return key


def encryption_public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()
