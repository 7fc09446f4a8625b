"""X25519 + HKDF: RFC 7748 and RFC 5869 known answers, pairwise seeds agree."""

from __future__ import annotations

import pytest

from pledgenet.crypto.keyagree import AgreementKey, hkdf_sha256
from pledgenet.errors import ProtocolError


def test_rfc7748_x25519_known_answer() -> None:
    # RFC 7748 section 6.1
    alice = AgreementKey.from_private_bytes(
        bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    )
    bob = AgreementKey.from_private_bytes(
        bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    )
    assert alice.public_bytes.hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    assert bob.public_bytes.hex() == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    assert (
        alice.shared_secret(bob.public_bytes).hex()
        == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    )


def test_rfc5869_hkdf_known_answer() -> None:
    # RFC 5869 appendix A.1
    okm = hkdf_sha256(
        bytes.fromhex("0b" * 22),
        salt=bytes.fromhex("000102030405060708090a0b0c"),
        info=bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
        length=42,
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_pairwise_seeds_agree_and_bind_context() -> None:
    bank, broker = AgreementKey.generate(), AgreementKey.generate()
    seed = bank.pairwise_seed(broker.public_bytes, context=b"job-7/round-1", own_id="bank", peer_id="broker")
    same = broker.pairwise_seed(bank.public_bytes, context=b"job-7/round-1", own_id="broker", peer_id="bank")
    other = bank.pairwise_seed(broker.public_bytes, context=b"job-7/round-2", own_id="bank", peer_id="broker")
    assert seed == same and seed != other and len(seed) == 32


def test_small_order_peer_key_is_refused() -> None:
    with pytest.raises(ProtocolError):
        AgreementKey.generate().shared_secret(bytes(32))
