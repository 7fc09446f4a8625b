"""One client's side of secure aggregation (Bonawitz et al., CCS 2017, semi-honest version; SecAgg+).

Four stages, each a method that takes what the server relayed and returns what the client sends:

0. ``advertise``: two fresh X25519 public keys, ``c`` (to encrypt shares) and ``s`` (pairwise masks).
1. ``share_keys``: a fresh self-mask seed ``b``; Shamir ``t``-of-``k`` shares of ``b`` and of the ``s``
   private key for each holder (its neighbours and itself), each sealed for its holder with
   ChaCha20-Poly1305 under an X25519 ``c`` key; a SHA-256 commitment to ``b`` so a bad share is caught.
2. ``masked_input``: ``y = x + PRG(b) + sum_v sign(u, v) PRG(s_uv)`` over live neighbours, modulo
   ``2^bits``; every PRG is ChaCha20 (``pledgenet.crypto.prg``) from a 32-byte seed.
3. ``unmask``: for each live holder-mate, the share of its ``b``; for each that dropped after sharing
   keys, the share of its ``s`` key; never both for one client. A client refuses to answer when fewer
   than ``threshold`` clients are said to be alive (a server faking dropouts learns nothing).
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from pledgenet.crypto.keyagree import AgreementKey
from pledgenet.crypto.prg import Prg
from pledgenet.crypto.secagg.params import SecAggParams, holders_of
from pledgenet.crypto.shamir import split_bytes
from pledgenet.errors import BelowThreshold, ProtocolError

SHARE_BYTES = 66  # a point of GF(2^521 - 1)


def share_key(
    own: AgreementKey, peer_public: bytes, params: SecAggParams, own_id: str, peer_id: str
) -> bytes:
    """The AEAD key between two clients for sealing shares (same on both sides)."""
    return own.pairwise_seed(
        peer_public, context=params.context_digest + b"|shares", own_id=own_id, peer_id=peer_id
    )


def share_nonce(sender: str, receiver: str) -> bytes:
    return hashlib.sha256(b"pledgenet-secagg-share|" + sender.encode() + b"|" + receiver.encode()).digest()[
        :12
    ]


def pair_mask(seed: bytes, params: SecAggParams) -> np.ndarray:
    return Prg(seed, b"secagg-pair-mask|" + params.context_digest).ring_mask(params.length, params.bits)


def self_mask(seed: bytes, params: SecAggParams) -> np.ndarray:
    return Prg(seed, b"secagg-self-mask|" + params.context_digest).ring_mask(params.length, params.bits)


def ring_mask_of(params: SecAggParams) -> np.uint64:
    return np.uint64(2**64 - 1) if params.bits == 64 else np.uint64((1 << params.bits) - 1)


def check_survivors(survivors: list[str], expected: set[str], stage: str) -> list[str]:
    if not isinstance(survivors, list) or not all(isinstance(s, str) for s in survivors):
        raise ProtocolError(f"the server's {stage} list is malformed")
    if not set(survivors) <= expected or len(set(survivors)) != len(survivors):
        raise ProtocolError(f"the server's {stage} list names clients that did not reach that stage")
    return sorted(survivors)


class SecAggClient:
    """The state of one client through one round."""

    def __init__(self, params: SecAggParams, name: str) -> None:
        if name not in params.clients:
            raise ProtocolError(f"{name!r} is not a client of this round")
        self.params = params
        self.name = name
        self._share_key = AgreementKey.generate()
        self._mask_key = AgreementKey.generate()
        self._self_seed = secrets.token_bytes(32)
        self._keys: dict[str, dict[str, bytes]] = {}
        self._neighbours: dict[str, tuple[str, ...]] = {}
        self._held: dict[str, tuple[bytes, bytes]] = {}  # owner -> (share of s key, share of b)
        self._sharing: list[str] = []
        self._unmasked = False

    def advertise(self) -> dict[str, bytes]:
        return {"c_pk": self._share_key.public_bytes, "s_pk": self._mask_key.public_bytes}

    def share_keys(self, keys: dict[str, dict[str, bytes]]) -> dict[str, object]:
        """Stage 1: sealed shares for each holder, given every live client's advertised keys."""
        if self.name not in keys or keys[self.name] != self.advertise():
            raise ProtocolError(f"the server relayed keys that are not {self.name}'s own")
        if not set(keys) <= set(self.params.clients) or len(keys) < self.params.threshold:
            raise BelowThreshold(f"{len(keys)} clients advertised keys, {self.params.threshold} needed")
        self._keys = keys
        self._neighbours = self.params.neighbours({c: k["s_pk"] for c, k in keys.items()})
        holders = holders_of(self.name, self._neighbours)
        threshold = min(self.params.threshold, len(holders))
        mask_shares = split_bytes(self._mask_key_bytes(), threshold=threshold, holders=len(holders))
        seed_shares = split_bytes(self._self_seed, threshold=threshold, holders=len(holders))
        sealed: dict[str, bytes] = {}
        for holder, s_share, b_share in zip(holders, mask_shares, seed_shares, strict=True):
            plain = s_share.y.to_bytes(SHARE_BYTES, "big") + b_share.y.to_bytes(SHARE_BYTES, "big")
            if holder == self.name:
                self._held[self.name] = (plain[:SHARE_BYTES], plain[SHARE_BYTES:])
                continue
            key = share_key(self._share_key, keys[holder]["c_pk"], self.params, self.name, holder)
            aad = self.name.encode() + b"|" + holder.encode()
            sealed[holder] = ChaCha20Poly1305(key).encrypt(share_nonce(self.name, holder), plain, aad)
        return {"shares": sealed, "b_commit": hashlib.sha256(self._self_seed).digest()}

    def masked_input(self, relayed: dict[str, bytes], survivors: list[str], vector: np.ndarray) -> np.ndarray:
        """Stage 2: open the shares relayed from the clients that shared keys; return the masked vector."""
        sharing = check_survivors(survivors, set(self._keys), "key-sharing")
        if self.name not in sharing or len(sharing) < self.params.threshold:
            raise BelowThreshold(f"{len(sharing)} clients shared keys, {self.params.threshold} needed")
        expected = set(self._neighbours[self.name]) & set(sharing)
        if set(relayed) != expected:
            raise ProtocolError(f"{self.name} got shares from {sorted(relayed)}, expected {sorted(expected)}")
        for owner, sealed in relayed.items():
            key = share_key(self._share_key, self._keys[owner]["c_pk"], self.params, self.name, owner)
            aad = owner.encode() + b"|" + self.name.encode()
            try:
                plain = ChaCha20Poly1305(key).decrypt(share_nonce(owner, self.name), sealed, aad)
            except (InvalidTag, TypeError, ValueError):
                raise ProtocolError(f"the share {owner} sealed for {self.name} does not open") from None
            if len(plain) != 2 * SHARE_BYTES:
                raise ProtocolError(f"the share from {owner} has the wrong length")
            self._held[owner] = (plain[:SHARE_BYTES], plain[SHARE_BYTES:])
        self._sharing = sharing
        values = np.asarray(vector)
        if values.dtype != np.uint64 or values.shape != (self.params.length,):
            raise ProtocolError(f"the input must be {self.params.length} ring elements (uint64)")
        masked = values + self_mask(self._self_seed, self.params)
        for peer in sorted(expected):
            seed = self._mask_key.pairwise_seed(
                self._keys[peer]["s_pk"], context=self.params.context_digest, own_id=self.name, peer_id=peer
            )
            mask = pair_mask(seed, self.params)
            masked = masked + mask if self.name < peer else masked - mask
        return masked & ring_mask_of(self.params)

    def unmask(self, survivors: list[str]) -> dict[str, dict[str, bytes]]:
        """Stage 3: shares of live clients' ``b`` and of dropped clients' ``s`` keys, never both."""
        if self._unmasked:
            raise ProtocolError(f"{self.name} already answered the unmasking stage of this round")
        alive = check_survivors(survivors, set(self._sharing), "masked-input")
        mates = set(holders_of(self.name, self._neighbours)) & set(self._sharing)
        live_mates = mates & set(alive)
        if (
            self.name not in alive
            or len(alive) < self.params.threshold
            or len(live_mates) < min(self.params.threshold, len(mates))
        ):
            raise BelowThreshold(
                f"only {len(alive)} clients are said to be alive ({self.params.threshold} needed): "
                f"{self.name} refuses to reveal shares"
            )
        self._unmasked = True
        seeds = {owner: self._held[owner][1] for owner in sorted(live_mates)}
        keys = {owner: self._held[owner][0] for owner in sorted(mates - live_mates)}
        return {"b": seeds, "s": keys}

    def _mask_key_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        return self._mask_key.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
