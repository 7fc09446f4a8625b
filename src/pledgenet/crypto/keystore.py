"""A member organisation's key directory: signing key, encryption key, certificate.

Layout of one directory (private files 0600)::

    signing.key       Ed25519 private key, PKCS#8 PEM
    encryption.key    X25519 private key, PKCS#8 PEM (opens sealed envelopes wrapped to this member)
    certificate.pem   X.509 certificate issued by the alliance root
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pledgenet.crypto.identity import (
    SigningKey,
    encryption_public_bytes,
    issue_certificate,
    load_certificate,
    load_encryption_key,
    load_signing_key,
    save_encryption_key,
    save_signing_key,
)
from pledgenet.errors import ConfigError

SIGNING_FILE = "signing.key"
ENCRYPTION_FILE = "encryption.key"
CERTIFICATE_FILE = "certificate.pem"


@dataclass
class Member:
    """One organisation's own keys (what only that organisation holds) and its certificate."""

    org: str
    signing: SigningKey
    encryption_private_key: X25519PrivateKey
    certificate_pem: str

    @cached_property
    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_pem)

    @property
    def encryption_public_key(self) -> bytes:
        return encryption_public_bytes(self.encryption_private_key)

    @property
    def encryption_key_hex(self) -> str:
        return self.encryption_public_key.hex()

    def sign(self, message: bytes) -> bytes:
        return self.signing.sign(message)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        save_signing_key(directory / SIGNING_FILE, self.signing)
        save_encryption_key(directory / ENCRYPTION_FILE, self.encryption_private_key)
        (directory / CERTIFICATE_FILE).write_text(self.certificate_pem)

    @classmethod
    def load(cls, org: str, directory: Path) -> Member:
        if not directory.is_dir():
            raise ConfigError(f"no key directory for {org!r} at {directory}")
        return cls(
            org=org,
            signing=load_signing_key(directory / SIGNING_FILE),
            encryption_private_key=load_encryption_key(directory / ENCRYPTION_FILE),
            certificate_pem=(directory / CERTIFICATE_FILE).read_text(),
        )


def new_member(
    org: str,
    roles: list[str],
    *,
    root_key: SigningKey,
    root_certificate_pem: str,
    now_ms: int,
    days: int = 3650,
    not_before_ms: int | None = None,
) -> Member:
    """Fresh keys for ``org`` and a certificate for them under the alliance root."""
    signing = SigningKey.generate()
    encryption = X25519PrivateKey.generate()
    pem = issue_certificate(
        root_key,
        root_certificate_pem,
        org=org,
        roles=roles,
        signing_public=signing.public_bytes,
        encryption_public=encryption_public_bytes(encryption),
        now_ms=now_ms,
        days=days,
        not_before_ms=not_before_ms,
    )
    return Member(org=org, signing=signing, encryption_private_key=encryption, certificate_pem=pem)
