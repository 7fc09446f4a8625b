"""Canonical encoding: same value, same bytes; floats and non-canonical input refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledgenet.encoding import canonical, decode
from pledgenet.errors import MalformedTransaction

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_is_identity(value: object) -> None:
    assert decode(canonical(value)) == value


@given(st.dictionaries(st.text(), st.integers(), min_size=2, max_size=6))
def test_key_order_does_not_change_bytes(mapping: dict[str, int]) -> None:
    reversed_mapping = dict(reversed(list(mapping.items())))
    assert canonical(mapping) == canonical(reversed_mapping)


def test_floats_are_refused() -> None:
    with pytest.raises(MalformedTransaction, match="float"):
        canonical({"amount": 1.5})


def test_non_canonical_bytes_are_refused() -> None:
    with pytest.raises(MalformedTransaction, match="canonical"):
        decode(b'{"b": 1, "a": 2}')


def test_garbage_is_refused_with_a_clear_error() -> None:
    with pytest.raises(MalformedTransaction, match="not valid canonical JSON"):
        decode(b"\xff\x00not json")
