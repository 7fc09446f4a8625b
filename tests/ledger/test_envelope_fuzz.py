"""Fuzzing the envelope decoder: any bytes either parse or are refused as ``MalformedTransaction``.

Hypothesis reports any other exception as a failure, so each test only has to feed the input; where an
envelope parses, it must be exactly the canonical bytes of what it holds. Examples are bounded so that
the gate stays quick on two cores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_helpers import FOUNDERS, set_ttl

from pledgenet.contracts.catalog import init_alliance
from pledgenet.encoding import MAX_DEPTH
from pledgenet.errors import MalformedTransaction
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.transaction import Transaction, encode_envelope, make_body, parse_envelope

SIG = bytes(range(64))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = encode_envelope(
    make_body("al", "gov.vote", {"proposal": "p-1", "approve": True, "n": [1, -2, "x"]}, ["registrar"], 7),
    [SIG],
)


def judge(data: bytes) -> Transaction | MalformedTransaction:
    """The decoder's verdict; any exception other than ``MalformedTransaction`` fails the test."""
    try:
        tx = parse_envelope(data)
    except MalformedTransaction as refused:
        assert refused.code in {"malformed", "too_large"} and refused.message
        return refused
    body = {
        "alliance": tx.alliance,
        "args": tx.args,
        "nonce": tx.nonce,
        "signers": list(tx.signers),
        "submitter": tx.submitter,
        "type": tx.tx_type,
    }
    assert encode_envelope(body, list(tx.signatures)) == data  # only canonical bytes are accepted
    return tx


def with_args(args_json: str) -> bytes:
    """VALID with its arguments replaced by any JSON text."""
    return VALID.replace(b'{"approve":true,"n":[1,-2,"x"],"proposal":"p-1"}', args_json.encode())


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_are_parsed_or_refused(data: bytes) -> None:
    # Execute / Assert
    judge(data)


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "splice"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"[", b"{", b"]", b"}", b'"', b"\\", b",", b"1e9", b"\xff"]))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at:at] = draw(st.binary(max_size=12))
    return bytes(data)


@FUZZ
@given(data=mutations())
def test_mutations_of_a_valid_envelope_are_parsed_or_refused(data: bytes) -> None:
    # Execute / Assert
    judge(data)


@settings(max_examples=60, deadline=None)
@given(levels=st.integers(0, 3000), opener=st.sampled_from(["[", '{"k":']))
def test_nesting_at_any_depth_is_parsed_within_the_limit_and_refused_past_it(
    levels: int, opener: str
) -> None:
    # Prepare: {"x": [[...[0]...]]}; the argument lies at depth 1, its innermost value at levels + 1
    closer = "]" if opener == "[" else "}"
    data = with_args('{"x":' + opener * levels + "0" + closer * levels + "}")
    # Execute
    verdict = judge(data)
    # Assert: the wire accepts exactly the depth a body may have (encoding.MAX_DEPTH below args)
    assert isinstance(verdict, Transaction) == (levels + 1 <= MAX_DEPTH)


@FUZZ
@given(
    text=st.integers(-(2**200), 2**200).map(str)
    | st.from_regex(r"-?[1-9][0-9]{4250,4350}", fullmatch=True)
    | st.from_regex(r"-?[1-9][0-9]{0,6000}", fullmatch=True),
    wrapped=st.booleans(),
)
def test_huge_integers_keep_their_value_or_are_refused(text: str, wrapped: bool) -> None:
    # Prepare: digits as text (hypothesis itself cannot print integers past Python's digit limit)
    data = with_args(f'{{"n":{"[" + text + "]" if wrapped else text}}}')
    # Execute
    verdict = judge(data)
    # Assert: past Python's 4,300-digit limit the number is refused, never misread
    assert isinstance(verdict, Transaction) == (len(text.lstrip("-")) <= 4300)
    if isinstance(verdict, Transaction):
        number = verdict.args["n"][0] if wrapped else verdict.args["n"]
        assert type(number) is int and str(number) == text


@FUZZ
@given(
    number=st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-0.0", "1.0", "1E2", "0.1e-9"])
)
def test_floats_nan_and_infinities_are_refused(number: str) -> None:
    # Prepare
    data = with_args(f'{{"rate":{number.replace("nan", "NaN").replace("inf", "Infinity")}}}')
    # Execute / Assert
    assert isinstance(judge(data), MalformedTransaction)


@FUZZ
@given(text=st.text(alphabet=st.characters(), max_size=12), escape=st.booleans())
def test_any_text_including_lone_surrogates_is_parsed_or_refused(text: str, escape: bool) -> None:
    # Prepare: escaped (how a lone surrogate can reach the wire) or raw where UTF-8 can carry it
    encoded = json.dumps(text, ensure_ascii=escape)
    try:
        data = with_args('{"note":' + encoded + "}")
    except UnicodeEncodeError:  # a raw lone surrogate has no UTF-8 form: it cannot even be sent
        return
    # Execute
    verdict = judge(data)
    # Assert: text with a lone surrogate is refused; any other text parses when written canonically
    # (non-ASCII as UTF-8, not as escapes)
    has_surrogate = any(0xD800 <= ord(char) <= 0xDFFF for char in text)
    canonical = not has_surrogate and encoded == json.dumps(text, ensure_ascii=False)
    assert isinstance(verdict, Transaction) == canonical
    if isinstance(verdict, Transaction):
        assert verdict.args["note"] == text


@pytest.fixture(scope="module")
def shared_alliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alliance]:
    with init_alliance(tmp_path_factory.mktemp("fuzz") / "alliance", FOUNDERS) as created:
        yield created


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutations() | st.binary(max_size=200))
def test_any_bad_envelope_between_valid_ones_leaves_them_committed(
    shared_alliance: Alliance, data: bytes
) -> None:
    # Prepare
    alliance = shared_alliance
    before = alliance.producer_peer.height
    first = alliance.sign("gov.propose", set_ttl(1000), ["registrar"])
    last = alliance.sign("gov.propose", set_ttl(2000), ["broker-a"])
    # Execute
    receipts = alliance.submit_envelopes([first, data, last])
    # Assert: one block, the neighbours valid, the bad one refused in place, every peer in step
    assert [r.height for r in receipts] == [before + 1] * 3
    assert (receipts[0].code, receipts[2].code) == ("ok", "ok")
    assert not receipts[1].valid
    assert {alliance.peer(org).height for org in alliance.orgs} == {before + 1}
