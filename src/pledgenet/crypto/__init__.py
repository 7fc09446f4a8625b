"""Cryptography: identities and certificates, signatures, Merkle trees, sealed envelopes, key agreement,
secret sharing, Paillier (``paillier``) and private set intersection (``psi``). Knows nothing of ledgers."""
