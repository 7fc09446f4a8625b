"""Merkle trees: every leaf's proof checks, no proof checks for another leaf or a changed leaf."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pledgenet.crypto.merkle import inclusion_proof, leaf_hash, merkle_root, root_of_hashes, verify_inclusion


@settings(max_examples=100, deadline=None)
@given(leaves=st.lists(st.binary(max_size=12), min_size=1, max_size=40), data=st.data())
def test_every_inclusion_proof_checks_and_only_for_its_leaf(leaves: list[bytes], data: st.DataObject) -> None:
    # Prepare
    hashes = [leaf_hash(leaf) for leaf in leaves]
    root = merkle_root(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    # Execute
    path = inclusion_proof(hashes, index)
    # Assert
    assert root == root_of_hashes(hashes)
    assert verify_inclusion(hashes[index], path, root)
    assert not verify_inclusion(leaf_hash(leaves[index] + b"!"), path, root)
    other = data.draw(st.integers(0, len(leaves) - 1))
    if leaves[other] != leaves[index]:
        assert not verify_inclusion(hashes[other], path, root)


def test_no_duplicate_last_leaf_collision() -> None:
    # Execute / Assert: [a, b, c] and [a, b, c, c] must differ (CVE-2012-2459)
    assert merkle_root([b"a", b"b", b"c"]) != merkle_root([b"a", b"b", b"c", b"c"])
