"""Sealed envelopes: a record encrypted once, readable only by the members entitled to it.

A pledge registration's nine non-public elements and a pledgor's identity data travel on the chain as an
envelope. The record is padded to a size class, encrypted once with a fresh AES-256-GCM data key, and the
data key is wrapped for each entitled member (the pledgor's custody broker, the pledgee, the registrar, the
regulator) with that member's X25519 public key from its on-chain member record:

    data key  ->  HKDF-SHA256 (salt = nonce)  ->  ephemeral X25519 key pair (one per envelope)
    ephemeral-static X25519  ->  HKDF-SHA256 (salt = ephemeral || recipient key, info names the org)
                             ->  key-encryption key  ->  AES key wrap (RFC 3394) of the data key

Because the ephemeral key is *derived from the data key* and AES key wrap is deterministic, anyone who
holds the data key (every recipient, the registrar among them) can recompute every other recipient's wrap
from the on-chain public keys and compare (``verify_wraps``): a submitter cannot wrap garbage for the
regulator and have the registrar endorse it. ``key_commitment`` (HKDF of the data key) commits the envelope
to one data key: an opener refuses a wrap that unwraps to any other key, so no two recipients can be handed
different plaintexts under one envelope.

What is bound, and where:

- the AES-GCM associated data holds the version, the purpose, the recipients' org ids and the ``binding``
  (the registration the envelope belongs to, e.g. ``pledge/<contract_no>/0``): a recipient list or a binding
  edited after sealing breaks decryption for everyone;
- ``hash`` is the SHA-256 of the canonical envelope without ``hash``: ciphertext, nonce, ephemeral key,
  binding, key commitment and every wrap. Every member checks it (``check_shape``) and so knows exactly
  what was registered without being able to read it; the registrar's verdict is given on this hash.

Sizes: the plaintext is padded (ISO/IEC 7816-4: ``0x80`` then zeros) to the smallest size class of at least
``MIN_PADDED`` bytes that is a power of two, so a registration's business type or the magnitude of its
amounts does not show in the ciphertext's length (``padded_length``).

The envelope is a canonical JSON value (hex strings and integers, no floats) so it can sit in transaction
arguments and in world state. All primitives come from ``cryptography``; only the composition is ours.
"""

from __future__ import annotations

import hmac
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

from pledgenet.encoding import canonical, canonical_unchecked, decode, sha256_hex
from pledgenet.errors import AccessDenied, EnvelopeError, MalformedTransaction

VERSION = 2
ALGORITHM = "X25519-HKDF-SHA256-AESKW+AES256GCM/derived-epk/padded"
#: the smallest padded plaintext; larger records go to the next power of two
MIN_PADDED = 512
_INFO = b"pledgenet envelope v2 key wrap for "
_EPHEMERAL_INFO = b"pledgenet envelope v2 ephemeral key"
_COMMITMENT_INFO = b"pledgenet envelope v2 key commitment"

PublicKeyLike = X25519PublicKey | bytes | str


def public_key_hex(key: X25519PublicKey | X25519PrivateKey) -> str:
    """The raw 32-byte X25519 public key as lowercase hex (the form kept in member records)."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _public_key(key: PublicKeyLike) -> X25519PublicKey:
    if isinstance(key, X25519PublicKey):
        return key
    try:
        raw = bytes.fromhex(key) if isinstance(key, str) else key
        return X25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise EnvelopeError("an X25519 public key must be 32 bytes") from None


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes, org: str) -> bytes:
    return _hkdf(shared, ephemeral + recipient, _INFO + org.encode())


def _ephemeral(data_key: bytes, nonce: bytes) -> X25519PrivateKey:
    """The envelope's ephemeral key, derived from its data key (so every holder of the key can recompute
    the wraps)."""
    return X25519PrivateKey.from_private_bytes(_hkdf(data_key, nonce, _EPHEMERAL_INFO))


def _commitment(data_key: bytes, nonce: bytes) -> str:
    return _hkdf(data_key, nonce, _COMMITMENT_INFO).hex()


def _associated_data(purpose: str, orgs: list[str], binding: str) -> bytes:
    return canonical({"v": VERSION, "purpose": purpose, "recipients": sorted(orgs), "binding": binding})


def padded_length(size: int) -> int:
    """The size class of a plaintext of ``size`` bytes (one byte of padding at least)."""
    target = MIN_PADDED
    while target < size + 1:
        target *= 2
    return target


def _pad(plaintext: bytes) -> bytes:
    return plaintext + b"\x80" + bytes(padded_length(len(plaintext)) - len(plaintext) - 1)


def _unpad(padded: bytes) -> bytes:
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise EnvelopeError("the envelope's padding is malformed")
    return stripped[:-1]


def _wrap(ephemeral: X25519PrivateKey, static: PublicKeyLike, org: str, data_key: bytes) -> str:
    static_key = _public_key(static)
    kek = _kek(ephemeral.exchange(static_key), _raw(ephemeral.public_key()), _raw(static_key), org)
    return aes_key_wrap(kek, data_key).hex()


def envelope_hash(envelope: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical envelope without its ``hash``: it covers the ciphertext, the nonce, the
    ephemeral key, the binding, the key commitment and every wrap."""
    return sha256_hex(canonical_unchecked({k: v for k, v in envelope.items() if k != "hash"}))


def seal(
    record: Any,
    recipients: Mapping[str, PublicKeyLike],
    *,
    purpose: str = "record",
    binding: str = "",
) -> dict[str, Any]:
    """Encrypt ``record`` (a canonical JSON value) once and wrap its key for each org in ``recipients``.

    ``binding`` names what the envelope belongs to (bound into the associated data and the hash).
    """
    if not recipients:
        raise EnvelopeError("an envelope needs at least one recipient")
    plaintext = _pad(canonical(record))
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    orgs = sorted(recipients)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _associated_data(purpose, orgs, binding))
    ephemeral = _ephemeral(data_key, nonce)
    envelope: dict[str, Any] = {
        "v": VERSION,
        "alg": ALGORITHM,
        "purpose": purpose,
        "binding": binding,
        "epk": _raw(ephemeral.public_key()).hex(),
        "nonce": nonce.hex(),
        "key_commitment": _commitment(data_key, nonce),
        "ciphertext": ciphertext.hex(),
        "recipients": {org: _wrap(ephemeral, recipients[org], org, data_key) for org in orgs},
    }
    envelope["hash"] = envelope_hash(envelope)
    return envelope


_TEXT_FIELDS = ("alg", "purpose", "binding", "epk", "nonce", "key_commitment", "ciphertext", "hash")
_FIELDS = frozenset({"v", "recipients", *_TEXT_FIELDS})


def check_shape(envelope: Any) -> None:
    """Raise ``MalformedTransaction`` unless ``envelope`` has the shape of a sealed envelope and its hash
    covers what it holds.

    Pure and deterministic (no cryptography besides SHA-256), so contracts can run it on every peer.
    """
    if type(envelope) is not dict:
        raise MalformedTransaction("a sealed envelope must be an object")
    get = envelope.get
    for name in _TEXT_FIELDS:
        if type(get(name)) is not str:
            raise MalformedTransaction(f"sealed envelope field {name!r} is missing or not a string")
    if envelope.get("v") != VERSION:
        raise MalformedTransaction(f"sealed envelope version must be {VERSION}")
    if envelope.keys() != _FIELDS:
        raise MalformedTransaction(f"a sealed envelope holds exactly the fields {', '.join(sorted(_FIELDS))}")
    recipients = envelope.get("recipients")
    if type(recipients) is not dict or not recipients:
        raise MalformedTransaction("sealed envelope has no recipients")
    if any(type(value) is not str for value in recipients.values()):
        raise MalformedTransaction("sealed envelope recipients must map org ids to hex strings")
    if envelope_hash(envelope) != envelope["hash"]:
        raise MalformedTransaction("sealed envelope hash does not match what the envelope holds")


def recipients_of(envelope: Mapping[str, Any]) -> frozenset[str]:
    """The org ids an envelope was sealed for (public: anyone can see who may read it)."""
    recipients = envelope.get("recipients")
    return frozenset(recipients) if isinstance(recipients, dict) else frozenset()


def _unwrap(envelope: Mapping[str, Any], org: str, private_key: X25519PrivateKey) -> bytes:
    """The data key as ``org`` unwraps it, checked against the key commitment."""
    wrapped = envelope["recipients"].get(org)
    if wrapped is None:
        raise AccessDenied(f"{org} is not entitled to read this {envelope['purpose']} envelope")
    try:
        ephemeral_raw = bytes.fromhex(envelope["epk"])
        static_raw = _raw(private_key.public_key())
        shared = private_key.exchange(_public_key(ephemeral_raw))
        data_key = aes_key_unwrap(_kek(shared, ephemeral_raw, static_raw, org), bytes.fromhex(wrapped))
        nonce = bytes.fromhex(envelope["nonce"])
    except (InvalidUnwrap, ValueError, EnvelopeError):
        raise EnvelopeError(f"the key of {org} does not open this envelope") from None
    if not hmac.compare_digest(_commitment(data_key, nonce), envelope["key_commitment"]):
        raise EnvelopeError(f"the key wrapped for {org} is not the key this envelope commits to")
    return data_key


def _decrypt(envelope: Mapping[str, Any], data_key: bytes) -> Any:
    try:
        padded = AESGCM(data_key).decrypt(
            bytes.fromhex(envelope["nonce"]),
            bytes.fromhex(envelope["ciphertext"]),
            _associated_data(envelope["purpose"], list(envelope["recipients"]), envelope["binding"]),
        )
    except (InvalidTag, ValueError):
        raise EnvelopeError("the envelope was altered after sealing") from None
    return decode(_unpad(padded))


def open_envelope(envelope: Mapping[str, Any], org: str, private_key: X25519PrivateKey) -> Any:
    """Decrypt ``envelope`` as member ``org`` with its X25519 private key.

    Raises ``AccessDenied`` when ``org`` is not a recipient, ``EnvelopeError`` when the key does not fit,
    the wrap is not of the committed key, or the envelope was altered.
    """
    check_shape(dict(envelope))
    return _decrypt(envelope, _unwrap(envelope, org, private_key))


def open_and_verify(
    envelope: Mapping[str, Any],
    org: str,
    private_key: X25519PrivateKey,
    recipient_keys: Mapping[str, PublicKeyLike],
) -> tuple[Any, list[str]]:
    """Open ``envelope`` as ``org`` and recompute every recipient's wrap from ``recipient_keys`` (their
    on-chain public keys); return the record and the recipients whose wrap does not open to the committed
    data key (listed in the envelope but without a key, or wrapped with anything else)."""
    check_shape(dict(envelope))
    data_key = _unwrap(envelope, org, private_key)
    record = _decrypt(envelope, data_key)
    ephemeral = _ephemeral(data_key, bytes.fromhex(envelope["nonce"]))
    if _raw(ephemeral.public_key()).hex() != envelope["epk"]:
        return record, sorted(envelope["recipients"])
    unreadable = []
    for recipient, wrapped in sorted(envelope["recipients"].items()):
        key = recipient_keys.get(recipient)
        try:
            expected = None if key is None else _wrap(ephemeral, key, recipient, data_key)
        except EnvelopeError:
            expected = None
        if expected is None or not hmac.compare_digest(expected, wrapped):
            unreadable.append(recipient)
    return record, unreadable


# ``open`` reads naturally at call sites (``envelope.open(...)``); keep the builtin-shadowing name local.
open = open_envelope
