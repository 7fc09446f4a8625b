"""Sealed envelopes: entitled members open them, nobody else can, and tampering is detected."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pledgenet.crypto.envelope import (
    check_shape,
    envelope_hash,
    open_and_verify,
    open_envelope,
    public_key_hex,
    recipients_of,
    seal,
)
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
    hex_fields = ("epk", "nonce", "key_commitment", "ciphertext", "hash")
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
    forged = {**envelope, "ciphertext": flipped}
    forged["hash"] = envelope_hash(forged)
    with pytest.raises(EnvelopeError):
        open_envelope(forged, "bank", keys["bank"])
    # dropping a recipient from the list breaks the associated data for everyone else
    trimmed = {
        **envelope,
        "recipients": {k: v for k, v in envelope["recipients"].items() if k != "regulator"},
    }
    trimmed["hash"] = envelope_hash(trimmed)
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


def test_the_hash_covers_the_ephemeral_key_the_nonce_and_every_wrap(
    keys: dict[str, X25519PrivateKey],
) -> None:
    # Prepare
    envelope = sealed_for(keys, ["broker", "bank", "regulator"])
    other = sealed_for(keys, ["broker", "bank", "regulator"])
    # Execute: swap in another envelope's ephemeral key, nonce, key commitment, binding or one wrap
    edits = [
        {"epk": other["epk"]},
        {"nonce": other["nonce"]},
        {"key_commitment": other["key_commitment"]},
        {"binding": "C-2/0"},
        {"recipients": {**envelope["recipients"], "regulator": other["recipients"]["regulator"]}},
    ]
    # Assert: each edit, hash kept, is caught by every peer's shape check
    for edit in edits:
        with pytest.raises(MalformedTransaction):
            check_shape({**envelope, **edit})


def test_the_binding_is_in_the_associated_data(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare: an envelope sealed for registration C-1/0, its binding relabelled (hash recomputed)
    envelope = seal(TERMS, {"bank": public_key_hex(keys["bank"])}, purpose="pledge_terms", binding="C-1/0")
    relabelled = {**envelope, "binding": "C-2/0"}
    relabelled["hash"] = envelope_hash(relabelled)
    # Execute / Assert: the original opens, the relabelled one does not
    assert open_envelope(envelope, "bank", keys["bank"]) == TERMS
    with pytest.raises(EnvelopeError):
        open_envelope(relabelled, "bank", keys["bank"])


def test_a_garbage_wrap_is_found_by_any_recipient(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare: a submitter replaces the regulator's wrap with random bytes (and fixes the hash)
    orgs = ["broker", "bank", "registrar", "regulator"]
    public = {org: public_key_hex(keys[org]) for org in orgs}
    honest = sealed_for(keys, orgs)
    garbage = {**honest, "recipients": {**honest["recipients"], "regulator": "00" * 40}}
    garbage["hash"] = envelope_hash(garbage)
    # Execute: the registrar opens each and recomputes every wrap from the on-chain keys
    record, unreadable_honest = open_and_verify(honest, "registrar", keys["registrar"], public)
    _, unreadable_garbage = open_and_verify(garbage, "registrar", keys["registrar"], public)
    # Assert
    assert record == TERMS and unreadable_honest == []
    assert unreadable_garbage == ["regulator"]
    with pytest.raises(EnvelopeError):
        open_envelope(garbage, "regulator", keys["regulator"])


def test_a_wrap_of_another_key_breaks_the_key_commitment(keys: dict[str, X25519PrivateKey]) -> None:
    # Prepare: the regulator's wrap taken from another envelope (a different data key), hash fixed
    orgs = ["bank", "regulator"]
    envelope, other = sealed_for(keys, orgs), sealed_for(keys, orgs)
    mixed = {
        **envelope,
        "epk": other["epk"],
        "recipients": {**envelope["recipients"], **{"regulator": other["recipients"]["regulator"]}},
    }
    mixed["hash"] = envelope_hash(mixed)
    # Execute / Assert: the regulator unwraps a key, but not the one this envelope commits to
    with pytest.raises(EnvelopeError, match="commits to"):
        open_envelope(mixed, "regulator", keys["regulator"])


def test_envelopes_of_different_business_types_and_amounts_have_equal_lengths(
    keys: dict[str, X25519PrivateKey],
) -> None:
    # Prepare: a non-financing pledge with no amount, a CNY 5m first repo, a CNY 9bn repo with a long
    # initial registration number
    records = [
        {"business_type": "non_financing", "amount_fen": 0, "initial_registration_no": None},
        {"business_type": "financing_initial", "amount_fen": 500_000_000, "initial_registration_no": None},
        {
            "business_type": "financing_top_up",
            "amount_fen": 900_000_000_000,
            "initial_registration_no": "ZY" + "F" * 22,
        },
    ]
    public = {org: public_key_hex(keys[org]) for org in ("broker", "bank", "registrar", "regulator")}
    # Execute
    envelopes = [seal({**TERMS, **record}, public, purpose="pledge_terms") for record in records]
    # Assert: one ciphertext length (a size class), and each still opens to its own record
    assert len({len(envelope["ciphertext"]) for envelope in envelopes}) == 1
    assert [open_envelope(e, "bank", keys["bank"]) for e in envelopes] == [{**TERMS, **r} for r in records]
