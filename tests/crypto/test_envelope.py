"""Sealed envelopes: entitled members open them, nobody else can, and tampering is detected."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pledgenet.crypto.envelope import check_shape, open_envelope, public_key_hex, recipients_of, seal
from pledgenet.encoding import canonical
from pledgenet.errors import AccessDenied, EnvelopeError, MalformedTransaction

TERMS = {"amount_fen": 600_000_000, "annual_rate_bp": 650, "closing_line_bp": 14_000, "use_of_funds": "01"}


@pytest.fixture(scope="module")
def keys() -> dict[str, X25519PrivateKey]:
    return {org: X25519PrivateKey.generate() for org in ("broker", "bank", "registrar", "regulator", "trust")}


def sealed_for(keys: dict[str, X25519PrivateKey], orgs: list[str]) -> dict:
    return seal(TERMS, {org: public_key_hex(keys[org]) for org in orgs}, purpose="pledge_terms")


def test_every_entitled_member_opens_the_same_record(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare
    orgs = ["broker", "bank", "registrar", "regulator"]
    envelope = sealed_for(keys, orgs)
    # Execute
    opened = [open_envelope(envelope, org, keys[org]) for org in orgs]
    # Assert
    assert opened == [TERMS] * 4
    assert recipients_of(envelope) == frozenset(orgs)


def test_what_crosses_the_chain_reveals_no_term(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare
    envelope = sealed_for(keys, ["broker", "bank", "registrar", "regulator"])
    # Execute
    on_chain = canonical(envelope).decode()
    # Assert: canonical; outside the hex fields no name or value of a term; the ciphertext is not the record
    assert json.loads(on_chain) == envelope
    hex_fields = ("epk", "nonce", "ciphertext", "hash")
    readable = canonical({k: v for k, v in envelope.items() if k not in (*hex_fields, "recipients")}).decode()
    for secret in ("600000000", "650", "14000", "amount", "closing", "use_of_funds"):
        assert secret not in readable
    assert canonical(TERMS) not in bytes.fromhex(envelope["ciphertext"])
    assert all(len(value) == 80 for value in envelope["recipients"].values())  # 40-byte wrapped keys only
    check_shape(envelope)


def test_other_members_are_denied(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare
    envelope = sealed_for(keys, ["broker", "bank", "registrar", "regulator"])
    # Execute / Assert: not a recipient
    with pytest.raises(AccessDenied):
        open_envelope(envelope, "trust", keys["trust"])
    # a member claiming another's entry without its key cannot unwrap
    with pytest.raises(EnvelopeError):
        open_envelope(envelope, "bank", keys["trust"])


def test_tampering_is_detected(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare
    envelope = sealed_for(keys, ["broker", "bank", "registrar", "regulator"])
    flipped = envelope["ciphertext"][:-2] + format(int(envelope["ciphertext"][-2:], 16) ^ 1, "02x")
    # Execute / Assert: the hash no longer matches
    with pytest.raises(MalformedTransaction):
        check_shape({**envelope, "ciphertext": flipped})
    # a consistent hash does not help: the AES-GCM tag fails
    from pledgenet.encoding import sha256_hex

    forged = {**envelope, "ciphertext": flipped, "hash": sha256_hex(bytes.fromhex(flipped))}
    with pytest.raises(EnvelopeError):
        open_envelope(forged, "bank", keys["bank"])
    # dropping a recipient from the list breaks the associated data for everyone else
    trimmed = {
        **envelope,
        "recipients": {k: v for k, v in envelope["recipients"].items() if k != "regulator"},
    }
    with pytest.raises(EnvelopeError):
        open_envelope(trimmed, "bank", keys["bank"])


def test_fresh_randomness_per_envelope(keys: dict[str, X25519PrivateKey]) -> None:
    # Execute
    first, second = sealed_for(keys, ["bank"]), sealed_for(keys, ["bank"])
    # Assert
    assert first["ciphertext"] != second["ciphertext"] and first["epk"] != second["epk"]


def test_no_recipient_is_refused() -> None:
    with pytest.raises(EnvelopeError):
        seal(TERMS, {})
