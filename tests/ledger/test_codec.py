"""The peer's fast codec writes exactly the canonical bytes of ``pledgenet.encoding`` and reads them back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledgenet.encoding import canonical
from pledgenet.errors import MalformedTransaction
from pledgenet.ledger import codec
from pledgenet.ledger.transaction import parse_envelope

# every Unicode scalar value (control characters, quotes, backslashes, astral planes), no lone surrogates
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | texts
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(value=values)
def test_fast_bytes_are_the_canonical_bytes_and_read_back_the_same(value: Any) -> None:
    # Execute
    written = codec.dumps(value)
    # Assert
    assert written == canonical(value)
    assert codec.loads(written) == json.loads(written) == value


@pytest.mark.parametrize(
    "number", [2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**30, -(10**30), 1234567890123456789]
)
def test_integers_past_64_bits_keep_their_exact_value(number: int) -> None:
    # Prepare: orjson alone would refuse to write these, and read some of them back as floats
    value = {"n": number, "nested": [number, {"m": -number}]}
    # Execute
    read = codec.loads(codec.dumps(value))
    # Assert
    assert read == value and type(read["n"]) is int


def test_values_only_the_standard_library_reads_still_decode_as_it_does() -> None:
    # Prepare: NaN and a lone surrogate escape are not canonical, but a tampered row may hold them
    tampered = [b'{"v":NaN}', b'"\\ud800"', b'[1.5,"x"]']
    # Execute / Assert
    for data in tampered:
        assert repr(codec.loads(data)) == repr(json.loads(data))


def test_a_transaction_with_an_unpaired_surrogate_is_malformed_not_a_crash() -> None:
    # Prepare: valid JSON whose string escapes decode to text with no UTF-8 form
    body = (
        '{"alliance":"al","args":{"x":"\\ud800"},"nonce":1,"signers":["broker-a"],'
        '"submitter":"broker-a","type":"gov.propose"}'
    )
    envelope = ('{"body":' + body + ',"signatures":["' + "00" * 64 + '"]}').encode()
    # Execute
    with pytest.raises(MalformedTransaction) as refused:
        parse_envelope(envelope)
    # Assert
    assert refused.value.code == "malformed" and "surrogate" in refused.value.message
