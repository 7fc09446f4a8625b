"""Pairwise key agreement for secure aggregation: X25519 (RFC 7748) then HKDF-SHA256 (RFC 5869).

Every party publishes one X25519 public key; any two parties derive the same 32-byte seed for their
pairwise mask without talking to each other again. The HKDF ``info`` binds the seed to a context (the
federated job and round) and to the two party identifiers in sorted order, so a seed is never reused
across jobs or pairs. Both primitives come from ``cryptography`` (OpenSSL).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pledgenet.errors import ProtocolError

PUBLIC_KEY_BYTES = 32


def hkdf_sha256(key_material: bytes, *, salt: bytes | None, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 extract-and-expand."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key_material)


@dataclass(frozen=True)
class AgreementKey:
    """One party's X25519 key pair for pairwise seeds."""

    private_key: X25519PrivateKey

    @classmethod
    def generate(cls) -> AgreementKey:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, data: bytes) -> AgreementKey:
        if len(data) != 32:
            raise ProtocolError("an X25519 private key is 32 bytes")
        return cls(X25519PrivateKey.from_private_bytes(data))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def shared_secret(self, peer_public: bytes) -> bytes:
        """Raw X25519 shared secret; refuses malformed or small-order peer keys."""
        if len(peer_public) != PUBLIC_KEY_BYTES:
            raise ProtocolError(f"peer public key must be {PUBLIC_KEY_BYTES} bytes")
        try:
            return self.private_key.exchange(X25519PublicKey.from_public_bytes(peer_public))
        except (ValueError, UnsupportedAlgorithm):
            raise ProtocolError("peer public key is invalid (small-order point)") from None

    def pairwise_seed(self, peer_public: bytes, *, context: bytes, own_id: str, peer_id: str) -> bytes:
        """The 32-byte seed this party shares with ``peer_id`` for ``context`` (same on both sides)."""
        if own_id == peer_id:
            raise ProtocolError("a party has no pairwise seed with itself")
        first, second = sorted((own_id, peer_id))
        info = b"pledgenet-pairwise-seed|" + context + b"|" + first.encode() + b"|" + second.encode()
        return hkdf_sha256(self.shared_secret(peer_public), salt=None, info=info)
