"""Signing in to a member's node in a browser.

A node serves one member organisation. A person signs in by presenting that member's credential: its
Ed25519 signing key (the ``signing.key`` file of ``orgs/<org>/``). The node checks the key against the
member's certificate as it stands on the chain (``gov/member/<org>``) and, when it matches, sets a session
cookie: ``org|expiry|hmac`` under a secret of this process (HttpOnly, SameSite=Strict), so a browser
session acts as that one member and no other. The key itself is neither stored nor echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pledgenet.errors import AccessDenied

COOKIE = "pledgenet_session"
LANG_COOKIE = "pledgenet_lang"
#: a browser session lasts a working day
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    org: str
    roles: tuple[str, ...]


class SessionKeeper:
    """Issues and checks this node's session cookies."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def _mac(self, message: str) -> str:
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    def issue(self, org: str, now: float | None = None) -> str:
        expiry = int((now or time.time()) + SESSION_SECONDS)
        message = f"{org}|{expiry}"
        return f"{message}|{self._mac(message)}"

    def org_of(self, cookie: str | None, now: float | None = None) -> str | None:
        """The org a cookie was issued to, or None when it is missing, forged or expired."""
        if not cookie or cookie.count("|") != 2:
            return None
        org, expiry, mac = cookie.split("|")
        if not hmac.compare_digest(mac, self._mac(f"{org}|{expiry}")):
            return None
        if not expiry.isdigit() or int(expiry) < (now or time.time()):
            return None
        return org


def check_credential(credential: bytes, certificate_pem: str, org: str) -> None:
    """Raise ``AccessDenied`` unless ``credential`` is the Ed25519 key the member's certificate names."""
    try:
        key = serialization.load_pem_private_key(credential, password=None)
    except (ValueError, TypeError):
        raise AccessDenied(
            "the credential is not a PEM private key (use the member's signing.key)", code="bad_credential"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AccessDenied("the credential is not an Ed25519 signing key", code="bad_credential")
    public = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    if not isinstance(public, Ed25519PublicKey) or public.public_bytes_raw() != (
        key.public_key().public_bytes_raw()
    ):
        raise AccessDenied(f"the credential is not {org}'s signing key", code="bad_credential")
