"""Sealed envelopes: a record encrypted once, readable only by the members entitled to it.

A pledge registration's nine non-public elements and a pledgor's identity data travel on the chain as an
envelope. The record is encrypted once with a fresh AES-256-GCM data key; the data key is wrapped for each
entitled member (the pledgor's custody broker, the pledgee, the registrar, the regulator) with that member's
X25519 public key from its on-chain member record:

    ephemeral-static X25519  ->  HKDF-SHA256 (salt = ephemeral || recipient key, info names the org)
                             ->  key-encryption key  ->  AES key wrap (RFC 3394) of the data key

One ephemeral key pair serves all recipients of one envelope (each recipient's key-encryption key differs
because its static key and org id enter the derivation). The recipients' org ids and the envelope's
purpose are bound into the AES-GCM associated data, so a recipient list cannot be edited after sealing.

The envelope is a canonical JSON value (hex strings and integers, no floats) so it can sit in transaction
arguments and in world state. ``hash`` is the SHA-256 of the ciphertext: every member can check what was
registered without being able to read it. All primitives come from ``cryptography``; only the composition
is ours.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pledgenet.encoding import canonical, decode, sha256_hex
from pledgenet.errors import AccessDenied, EnvelopeError, MalformedTransaction

VERSION = 1
ALGORITHM = "X25519-HKDF-SHA256-AESKW+AES256GCM"
_INFO = b"pledgenet envelope v1 key wrap for "

PublicKeyLike = X25519PublicKey | bytes | str


def public_key_hex(key: X25519PublicKey | X25519PrivateKey) -> str:
    """The raw 32-byte X25519 public key as lowercase hex (the form kept in member records)."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _public_key(key: PublicKeyLike) -> X25519PublicKey:
    if isinstance(key, X25519PublicKey):
        return key
    raw = bytes.fromhex(key) if isinstance(key, str) else key
    try:
        return X25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise EnvelopeError("an X25519 public key must be 32 bytes") from None


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes, org: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO + org.encode()
    ).derive(shared)


def _associated_data(purpose: str, orgs: list[str]) -> bytes:
    return canonical({"v": VERSION, "purpose": purpose, "recipients": sorted(orgs)})


def seal(record: Any, recipients: Mapping[str, PublicKeyLike], *, purpose: str = "record") -> dict[str, Any]:
    """Encrypt ``record`` (a canonical JSON value) once and wrap its key for each org in ``recipients``."""
    if not recipients:
        raise EnvelopeError("an envelope needs at least one recipient")
    plaintext = canonical(record)
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    orgs = sorted(recipients)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _associated_data(purpose, orgs))
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    wrapped: dict[str, str] = {}
    for org in orgs:
        static = _public_key(recipients[org])
        static_raw = static.public_bytes(Encoding.Raw, PublicFormat.Raw)
        kek = _kek(ephemeral.exchange(static), ephemeral_raw, static_raw, org)
        wrapped[org] = aes_key_wrap(kek, data_key).hex()
    return {
        "v": VERSION,
        "alg": ALGORITHM,
        "purpose": purpose,
        "epk": ephemeral_raw.hex(),
        "nonce": nonce.hex(),
        "ciphertext": ciphertext.hex(),
        "hash": sha256_hex(ciphertext),
        "recipients": wrapped,
    }


_TEXT_FIELDS = ("alg", "purpose", "epk", "nonce", "ciphertext", "hash")


def check_shape(envelope: Any) -> None:
    """Raise ``MalformedTransaction`` unless ``envelope`` has the shape of a sealed envelope.

    Pure and deterministic (no cryptography), so contracts can run it on every peer.
    """
    if type(envelope) is not dict:
        raise MalformedTransaction("a sealed envelope must be an object")
    get = envelope.get
    for name in _TEXT_FIELDS:
        if type(get(name)) is not str:
            raise MalformedTransaction(f"sealed envelope field {name!r} is missing or not a string")
    if envelope.get("v") != VERSION:
        raise MalformedTransaction(f"sealed envelope version must be {VERSION}")
    recipients = envelope.get("recipients")
    if type(recipients) is not dict or not recipients:
        raise MalformedTransaction("sealed envelope has no recipients")
    if any(type(value) is not str for value in recipients.values()):
        raise MalformedTransaction("sealed envelope recipients must map org ids to hex strings")
    try:
        ciphertext = bytes.fromhex(envelope["ciphertext"])
    except ValueError:
        raise MalformedTransaction("sealed envelope ciphertext is not hex") from None
    if sha256_hex(ciphertext) != envelope["hash"]:
        raise MalformedTransaction("sealed envelope hash does not match its ciphertext")


def recipients_of(envelope: Mapping[str, Any]) -> frozenset[str]:
    """The org ids an envelope was sealed for (public: anyone can see who may read it)."""
    recipients = envelope.get("recipients")
    return frozenset(recipients) if isinstance(recipients, dict) else frozenset()


def open_envelope(envelope: Mapping[str, Any], org: str, private_key: X25519PrivateKey) -> Any:
    """Decrypt ``envelope`` as member ``org`` with its X25519 private key.

    Raises ``AccessDenied`` when ``org`` is not a recipient, ``EnvelopeError`` when the key does not fit
    or the envelope was altered.
    """
    check_shape(dict(envelope))
    wrapped = envelope["recipients"].get(org)
    if wrapped is None:
        raise AccessDenied(f"{org} is not entitled to read this {envelope['purpose']} envelope")
    try:
        ephemeral_raw = bytes.fromhex(envelope["epk"])
        static_raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        shared = private_key.exchange(_public_key(ephemeral_raw))
        data_key = aes_key_unwrap(_kek(shared, ephemeral_raw, static_raw, org), bytes.fromhex(wrapped))
        plaintext = AESGCM(data_key).decrypt(
            bytes.fromhex(envelope["nonce"]),
            bytes.fromhex(envelope["ciphertext"]),
            _associated_data(envelope["purpose"], list(envelope["recipients"])),
        )
    except (InvalidUnwrap, ValueError):
        raise EnvelopeError(f"the key of {org} does not open this envelope") from None
    except InvalidTag:
        raise EnvelopeError("the envelope was altered after sealing") from None
    return decode(plaintext)


# ``open`` reads naturally at call sites (``envelope.open(...)``); keep the builtin-shadowing name local.
open = open_envelope
