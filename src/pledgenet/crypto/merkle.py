"""Merkle trees over SHA-256, RFC 6962 style, with inclusion proofs.

Leaves are hashed as ``H(0x00 || data)`` and inner nodes as ``H(0x01 || left || right)`` so a leaf can never
pass for a node (second-preimage safety). An odd node at the end of a level is carried up unchanged rather
than duplicated (duplication lets two different leaf lists share a root, CVE-2012-2459); this gives the same
root as RFC 6962's left-balanced split. The empty tree's root is ``H(b"")``.

Written by hand because the tree shape and the proof format are part of the ledger's wire format: a
client holding only block headers must be able to re-derive them exactly.
"""

from __future__ import annotations

import hashlib

LEAF = b"\x00"
NODE = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: one proof step: (sibling_is_left, sibling_hash)
ProofStep = tuple[bool, bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def root_of_hashes(level: list[bytes]) -> bytes:
    """The root over already-hashed leaves."""
    if not level:
        return EMPTY_ROOT
    sha = hashlib.sha256
    while len(level) > 1:
        paired = [sha(NODE + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def merkle_root(leaves: list[bytes]) -> bytes:
    """The root over raw leaf data."""
    sha = hashlib.sha256
    return root_of_hashes([sha(LEAF + data).digest() for data in leaves])


def inclusion_proof(leaf_hashes: list[bytes], index: int) -> list[ProofStep]:
    """The sibling path from leaf ``index`` to the root."""
    if not 0 <= index < len(leaf_hashes):
        raise IndexError(f"leaf {index} not in a tree of {len(leaf_hashes)}")
    path: list[ProofStep] = []
    level = list(leaf_hashes)
    position = index
    while len(level) > 1:
        sibling = position ^ 1
        if sibling < len(level):
            path.append((sibling < position, level[sibling]))
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
        position //= 2
    return path


def root_from_proof(leaf: bytes, path: list[ProofStep]) -> bytes:
    """Re-derive the root from a leaf hash and its path."""
    current = leaf
    for sibling_is_left, sibling in path:
        current = _node(sibling, current) if sibling_is_left else _node(current, sibling)
    return current


def verify_inclusion(leaf: bytes, path: list[ProofStep], root: bytes) -> bool:
    return root_from_proof(leaf, path) == root
