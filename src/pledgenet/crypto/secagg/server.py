"""The server's side of secure aggregation: relay, track who survives each stage, and unmask the sum.

The server sees public keys, sealed shares it cannot open, masked vectors (uniform in the ring) and, in
the last stage, the shares it needs: ``b`` seeds of the clients whose input is in the sum (to remove their
self-masks) and ``s`` keys of the clients that dropped after sharing keys (to remove the pairwise masks
they left in their neighbours' vectors). It learns the sum of the surviving clients' inputs and who
survived each stage, nothing else (semi-honest model; ``docs/protocols.md``).

Refusals: fewer than ``threshold`` survivors at any stage, or fewer than ``threshold`` live holders of a
secret the server must rebuild, raise ``BelowThreshold`` (a ``ShareError``) instead of a sum. A share
that rebuilds a key not matching its advertised public key, or a seed not matching its commitment, raises
``ProtocolError``; a malformed message raises ``ProtocolError`` naming the client.
"""

from __future__ import annotations

import hashlib

import numpy as np

from pledgenet.crypto.keyagree import PUBLIC_KEY_BYTES, AgreementKey
from pledgenet.crypto.secagg.client import SHARE_BYTES, check_survivors, pair_mask, ring_mask_of, self_mask
from pledgenet.crypto.secagg.params import SecAggParams, holders_of
from pledgenet.crypto.shamir import Share, reconstruct_bytes
from pledgenet.errors import BelowThreshold, ProtocolError, ShareError


class SecAggServer:
    """The server's state through one round; each ``collect_*`` takes the messages that arrived."""

    def __init__(self, params: SecAggParams) -> None:
        self.params = params
        self.keys: dict[str, dict[str, bytes]] = {}
        self.neighbours: dict[str, tuple[str, ...]] = {}
        self.commitments: dict[str, bytes] = {}
        self.sharing: list[str] = []
        self.masked: dict[str, np.ndarray] = {}
        self.survivors: list[str] = []
        self.dropped: dict[str, int] = {}
        """Client -> the stage at which it dropped (0 advertise, 1 share, 2 masked input, 3 unmask)."""

    def _require(self, count: int, stage: str) -> None:
        if count < self.params.threshold:
            raise BelowThreshold(
                f"only {count} clients answered the {stage} stage, the threshold is {self.params.threshold}: "
                "the round is refused (no sum is computed)"
            )

    def _note_dropped(self, expected: list[str], arrived: set[str], stage: int) -> None:
        for client in expected:
            if client not in arrived:
                self.dropped.setdefault(client, stage)

    def collect_keys(self, messages: dict[str, dict[str, bytes]]) -> dict[str, dict[str, bytes]]:
        """Stage 0: the advertised keys; returns what every live client receives."""
        for client, keys in messages.items():
            if client not in self.params.clients:
                raise ProtocolError(f"{client!r} is not a client of this round")
            if (
                not isinstance(keys, dict)
                or set(keys) != {"c_pk", "s_pk"}
                or not all(isinstance(v, bytes) and len(v) == PUBLIC_KEY_BYTES for v in keys.values())
            ):
                raise ProtocolError(f"{client} advertised malformed keys")
            if keys["c_pk"] == keys["s_pk"]:
                raise ProtocolError(f"{client} advertised one key for two purposes")
        self._note_dropped(list(self.params.clients), set(messages), 0)
        self._require(len(messages), "key advertisement")
        self.keys = {c: dict(messages[c]) for c in sorted(messages)}
        self.neighbours = self.params.neighbours({c: k["s_pk"] for c, k in self.keys.items()})
        return self.keys

    def collect_shares(self, messages: dict[str, dict[str, object]]) -> dict[str, dict[str, bytes]]:
        """Stage 1: sealed shares; returns, per live client, the shares addressed to it."""
        relayed: dict[str, dict[str, bytes]] = {c: {} for c in messages}
        for client, message in messages.items():
            if client not in self.keys:
                raise ProtocolError(f"{client} shares keys without having advertised any")
            shares = message.get("shares") if isinstance(message, dict) else None
            commit = message.get("b_commit") if isinstance(message, dict) else None
            expected = set(self.neighbours[client])
            if not isinstance(shares, dict) or set(shares) != expected or not isinstance(commit, bytes):
                raise ProtocolError(
                    f"{client} sent malformed shares (one sealed share per neighbour expected)"
                )
            if len(commit) != 32 or not all(isinstance(v, bytes) for v in shares.values()):
                raise ProtocolError(f"{client} sent malformed shares")
            self.commitments[client] = commit
            for holder, sealed in shares.items():
                if holder in relayed:
                    relayed[holder][client] = sealed
        self._note_dropped(list(self.keys), set(messages), 1)
        self._require(len(messages), "key sharing")
        self.sharing = sorted(messages)
        return relayed

    def collect_masked(self, messages: dict[str, np.ndarray]) -> list[str]:
        """Stage 2: the masked vectors; returns the list of clients whose input will be in the sum."""
        for client, vector in messages.items():
            if client not in self.sharing:
                raise ProtocolError(f"{client} sent a masked input without having shared keys")
            if (
                not isinstance(vector, np.ndarray)
                or vector.dtype != np.uint64
                or vector.shape != (self.params.length,)
            ):
                raise ProtocolError(
                    f"{client} sent a malformed masked input "
                    f"(expected {self.params.length} uint64 ring elements)"
                )
            if self.params.bits < 64 and np.any(vector > ring_mask_of(self.params)):
                raise ProtocolError(f"{client} sent values outside the {self.params.bits}-bit ring")
        self._note_dropped(self.sharing, set(messages), 2)
        self._require(len(messages), "masked input")
        self.masked = dict(messages)
        self.survivors = sorted(messages)
        return self.survivors

    def finish(self, messages: dict[str, dict[str, dict[str, bytes]]]) -> np.ndarray:
        """Stage 3: rebuild the secrets from the shares; return the sum of the survivors' inputs (ring)."""
        for client, message in messages.items():
            if client not in self.survivors:
                raise ProtocolError(f"{client} sent unmasking shares without a masked input")
            if not isinstance(message, dict) or set(message) != {"b", "s"}:
                raise ProtocolError(f"{client} sent a malformed unmasking message")
            if set(message["b"]) & set(message["s"]):
                raise ProtocolError(f"{client} sent both kinds of share for one client")
        self._note_dropped(self.survivors, set(messages), 3)
        self._require(len(messages), "unmasking")
        total = np.zeros(self.params.length, dtype=np.uint64)
        for vector in self.masked.values():
            total += vector
        for client in self.survivors:
            seed = self._rebuild(client, "b", messages)
            if hashlib.sha256(seed).digest() != self.commitments[client]:
                raise ProtocolError(f"the shares of {client}'s self-mask seed do not match its commitment")
            total -= self_mask(seed, self.params)
        check_survivors(self.survivors, set(self.sharing), "masked-input")
        for gone in sorted(set(self.sharing) - set(self.survivors)):
            key = AgreementKey.from_private_bytes(self._rebuild(gone, "s", messages))
            if key.public_bytes != self.keys[gone]["s_pk"]:
                raise ProtocolError(f"the shares of {gone}'s mask key do not rebuild its advertised key")
            for client in self.neighbours[gone]:
                if client not in self.survivors:
                    continue
                seed = key.pairwise_seed(
                    self.keys[client]["s_pk"], context=self.params.context_digest, own_id=gone, peer_id=client
                )
                mask = pair_mask(seed, self.params)
                total = total - mask if client < gone else total + mask
        return total & ring_mask_of(self.params)

    def _rebuild(self, owner: str, kind: str, messages: dict[str, dict[str, dict[str, bytes]]]) -> bytes:
        holders = holders_of(owner, self.neighbours)
        threshold = min(self.params.threshold, len(holders))
        shares = []
        for index, holder in enumerate(holders, start=1):
            share = messages.get(holder, {}).get(kind, {}).get(owner)
            if share is None:
                continue
            if not isinstance(share, bytes) or len(share) != SHARE_BYTES:
                raise ProtocolError(f"{holder} sent a malformed share of {owner}'s secret")
            shares.append(Share(index, int.from_bytes(share, "big")))
        if len(shares) < threshold:
            raise BelowThreshold(
                f"only {len(shares)} live holders answered for {owner}'s secret, {threshold} needed: "
                "the round is refused"
            )
        try:
            return reconstruct_bytes(shares, threshold=threshold)
        except ShareError:
            raise ProtocolError(
                f"the shares of {owner}'s secret are inconsistent (a client sent a bad share)"
            ) from None
