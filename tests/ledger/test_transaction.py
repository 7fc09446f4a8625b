"""Transactions: canonical encoding round trips, ids, and precise refusals of malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledgenet.errors import MalformedTransaction
from pledgenet.ledger.transaction import (
    MAX_TX_BYTES,
    body_digest,
    encode_envelope,
    make_body,
    parse_envelope,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
SIG = bytes(range(64))


@settings(max_examples=150, deadline=None)
@given(args=st.dictionaries(st.text(max_size=10), json_values, max_size=5), nonce=st.integers(1, 2**63 - 1))
def test_envelope_round_trips_and_id_is_the_body_hash(args: dict[str, Any], nonce: int) -> None:
    # Prepare
    body = make_body("al", "gov.propose", args, ["broker-a", "bank-b"], nonce)
    # Execute
    tx = parse_envelope(encode_envelope(body, [SIG, SIG]))
    # Assert
    assert tx.args == args and tx.nonce == nonce and tx.signers == ("broker-a", "bank-b")
    assert tx.tx_id == body_digest(body).hex()
    assert encode_envelope(body, [SIG, SIG]) == encode_envelope(json.loads(json.dumps(body)), [SIG, SIG])


def _envelope(**changes: Any) -> bytes:
    body = make_body("al", "gov.vote", {"proposal": "p", "approve": True}, ["registrar"], 1)
    body.update(changes)
    return json.dumps({"body": body, "signatures": [SIG.hex()] * len(body["signers"])},
                      sort_keys=True, separators=(",", ":")).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe", "not valid JSON"),
        (b"[1,2]", "envelope must be an object"),
        (_envelope(type="vote"), "'<contract>.<operation>'"),
        (_envelope(nonce=0), "nonce"),
        (_envelope(nonce="7"), "nonce"),
        (_envelope(submitter="bank-b"), "submitter must be the first signer"),
        (_envelope(signers=["registrar", "registrar"], submitter="registrar"), "appears twice"),
        (_envelope(args={"amount": 1.5}), "floats are not allowed"),
        (_envelope().replace(b'"nonce":1', b'"nonce": 1'), "not canonical"),
    ],
)
def test_malformed_envelopes_are_refused_with_the_reason(data: bytes, words: str) -> None:
    # Execute / Assert
    with pytest.raises(MalformedTransaction, match=words):
        parse_envelope(data)


def test_oversized_transaction_is_refused_before_decoding() -> None:
    # Prepare
    body = make_body("al", "gov.vote", {"blob": "x" * MAX_TX_BYTES}, ["registrar"], 1)
    # Execute / Assert
    with pytest.raises(MalformedTransaction) as refused:
        encode_envelope(body, [SIG])
    assert refused.value.code == "too_large"
    with pytest.raises(MalformedTransaction, match="limit"):
        parse_envelope(b" " * (MAX_TX_BYTES + 1))
