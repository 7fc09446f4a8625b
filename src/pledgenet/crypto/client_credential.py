"""Client credentials: keys a member organisation issues to its own people, for its node's API.

A client credential is an Ed25519 key and an X.509 certificate for it, signed by the member's own signing
key (the key its alliance certificate certifies). The certificate's issuer is the member certificate's
subject (``CN=<org>``), its subject ``CN=<client name>``, and a private extension marks it as a client of
that organisation. It is not a general X.509 chain (a member certificate is not a CA); only pledgenet
nodes check it, with ``check_client_certificate``: issuer signature under the member's key, the validity
window, the node's revocation list.

A request to a node is signed with the client key over ``request_message``: the node it is meant for, the
method, path and query, a timestamp, a fresh nonce and the body's SHA-256. The node checks the timestamp
against its clock (a window of a minute by default) and remembers nonces for the window, so a captured
request cannot be replayed, replayed at another node, or have its body swapped.

The credential file holds the private key (PKCS#8 PEM) then the certificate (PEM), and is written 0600.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

from pledgenet.crypto.identity import SigningKey, load_certificate, write_secret
from pledgenet.errors import ConfigError, IdentityError

#: marks a client certificate; its value is the issuing organisation id
OID_CLIENT_OF = x509.ObjectIdentifier("2.25.195959469219611365488771395177081089830.3")
CLIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,62}$")
DEFAULT_CLIENT_DAYS = 365
REQUEST_DOMAIN = "pledgenet-api-request/v1"


@dataclass(frozen=True)
class ClientIdentity:
    """What a valid client certificate says: which organisation's client, who, which key, how long."""

    org: str
    name: str
    public: bytes
    serial: int
    not_before_ms: int
    not_after_ms: int


def _at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def check_client_name(name: str) -> None:
    if not isinstance(name, str) or not CLIENT_NAME.match(name):
        raise IdentityError(
            f"client name {name!r} is not valid (letters, digits, '.', '@', '-', '_'; at most 63)",
            code="bad_client_name",
        )


def issue_client_certificate(
    member_key: SigningKey,
    member_certificate_pem: str,
    *,
    name: str,
    public: bytes,
    now_ms: int,
    days: int = DEFAULT_CLIENT_DAYS,
) -> str:
    """A client certificate (PEM) signed by the member's key; ``public`` is the client's Ed25519 key."""
    check_client_name(name)
    if days <= 0:
        raise ConfigError("a client certificate must be valid for at least one day")
    member = load_certificate(member_certificate_pem)
    member_public = member.public_key()
    if not isinstance(member_public, Ed25519PublicKey) or member_public.public_bytes_raw() != (
        member_key.public_bytes
    ):
        raise IdentityError(
            "the signing key does not belong to the member certificate", code="client_issuer_key_mismatch"
        )
    org = str(member.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    start = _at(now_ms) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(member.subject)
        .public_key(Ed25519PublicKey.from_public_bytes(public))
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.UnrecognizedExtension(OID_CLIENT_OF, org.encode()), critical=False)
        .sign(member_key.to_cryptography(), None)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def claimed_org(certificate: x509.Certificate) -> str:
    """The organisation a client certificate says issued it (not yet checked: see below)."""
    try:
        extension = certificate.extensions.get_extension_for_oid(OID_CLIENT_OF).value
    except x509.ExtensionNotFound:
        raise IdentityError("not a pledgenet client certificate", code="not_a_client_certificate") from None
    if not isinstance(extension, x509.UnrecognizedExtension):
        raise IdentityError("not a pledgenet client certificate", code="not_a_client_certificate")
    return extension.value.decode(errors="replace")


def check_client_certificate(
    certificate: x509.Certificate,
    member_certificate_pem: str,
    *,
    at_ms: int,
    revoked_serials: frozenset[int] = frozenset(),
) -> ClientIdentity:
    """Validate a client certificate against its member's certificate at ``at_ms``; raise if not valid."""
    member = load_certificate(member_certificate_pem)
    org = claimed_org(certificate)
    if certificate.issuer != member.subject:
        raise IdentityError(
            f"client certificate was not issued by {org!r}", code="client_certificate_unknown_issuer"
        )
    member_key = member.public_key()
    if not isinstance(member_key, Ed25519PublicKey):
        raise IdentityError("member key is not Ed25519", code="client_certificate_bad_issuer_key")
    try:
        member_key.verify(certificate.signature, certificate.tbs_certificate_bytes)
    except CryptoInvalidSignature:
        raise IdentityError(
            f"client certificate signature does not verify under {org}'s key",
            code="client_certificate_forged",
        ) from None
    subject_key = certificate.public_key()
    if not isinstance(subject_key, Ed25519PublicKey):
        raise IdentityError("client certificate key is not Ed25519", code="client_certificate_malformed")
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = str(names[0].value) if len(names) == 1 else ""
    not_before, not_after = _ms(certificate.not_valid_before_utc), _ms(certificate.not_valid_after_utc)
    if at_ms < not_before:
        raise IdentityError(
            f"client certificate of {name!r} is not valid yet", code="client_certificate_not_yet_valid"
        )
    if at_ms > not_after:
        raise IdentityError(f"client certificate of {name!r} has expired", code="client_certificate_expired")
    if certificate.serial_number in revoked_serials:
        raise IdentityError(f"client certificate of {name!r} was revoked", code="client_certificate_revoked")
    return ClientIdentity(
        org, name, subject_key.public_bytes_raw(), certificate.serial_number, not_before, not_after
    )


def request_message(
    *, node: str, method: str, target: str, timestamp_ms: int, nonce: str, body: bytes
) -> bytes:
    """The bytes a client signs for one request (``target``: the path with its query string)."""
    digest = hashlib.sha256(body).hexdigest()
    lines = [REQUEST_DOMAIN, node, method.upper(), target, str(timestamp_ms), nonce, digest]
    return "\n".join(lines).encode()


def certificate_header(pem: str) -> str:
    """A certificate as one header value (base64 of its DER)."""
    der = load_certificate(pem).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()


def certificate_from_header(value: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(base64.b64decode(value, validate=True))
    except (ValueError, TypeError):
        raise IdentityError(
            "the client certificate header is not a base64 DER certificate",
            code="client_certificate_malformed",
        ) from None


@dataclass(frozen=True)
class ClientCredential:
    """A client's key and certificate, as kept in its credential file."""

    key: SigningKey
    certificate_pem: str

    @property
    def identity(self) -> tuple[str, str]:
        """(organisation, client name) the certificate claims."""
        certificate = load_certificate(self.certificate_pem)
        name = str(certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        return claimed_org(certificate), name

    def save(self, path: Path) -> None:
        key_pem = self.key.to_cryptography().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_secret(path, key_pem + self.certificate_pem.encode())

    @classmethod
    def load(cls, path: Path | str) -> ClientCredential:
        try:
            data = Path(path).read_text()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read client credential {path}: {exc}") from None
        return cls.from_text(data, source=str(path))

    @classmethod
    def from_text(cls, text: str, *, source: str = "the credential") -> ClientCredential:
        """A credential from its file's text (private key PEM, then certificate PEM)."""
        data = text.encode()
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{source} holds no readable private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(f"{source} does not hold an Ed25519 client key")
        start = data.find(b"-----BEGIN CERTIFICATE-----")
        if start < 0:
            raise ConfigError(f"{source} holds no client certificate")
        pem = data[start:].decode()
        try:
            load_certificate(pem)
        except IdentityError:
            raise ConfigError(f"{source} holds no readable certificate") from None
        return cls(SigningKey(key.private_bytes_raw()), pem)


def issue_client_credential(
    member_key: SigningKey, member_certificate_pem: str, *, name: str, now_ms: int, days: int
) -> ClientCredential:
    """A fresh client key and its certificate from the member."""
    key = SigningKey.generate()
    pem = issue_client_certificate(
        member_key, member_certificate_pem, name=name, public=key.public_bytes, now_ms=now_ms, days=days
    )
    return ClientCredential(key, pem)
