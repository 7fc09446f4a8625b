"""The default key size works end to end (one key, a few values: slow operations kept few)."""

from __future__ import annotations

import numpy as np

from pledgenet.crypto import paillier


def test_default_2048_bit_key_round_trip() -> None:
    # Prepare
    keypair = paillier.generate_keypair()
    values = np.array([-1.5, 0.0, 42.125])
    # Execute
    encrypted = paillier.encrypt(keypair.public_key, values)
    owned = paillier.encrypt(keypair.public_key, values, private_key=keypair.private_key)
    decrypted = paillier.decrypt(keypair.private_key, encrypted.mul(2.0) + owned)
    # Assert
    assert keypair.public_key.key_bits == 2048
    assert keypair.public_key.short_exponent_bits == 1024
    assert np.allclose(decrypted, values * 3)
