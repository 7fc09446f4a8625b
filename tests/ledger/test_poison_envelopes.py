"""One bad envelope never stops a block: each is judged on its own, and a refused batch commits nothing."""

from __future__ import annotations

import pytest
from ledger_helpers import set_ttl

from pledgenet.contracts.register.args import identifier
from pledgenet.crypto.identity import check_org_id
from pledgenet.encoding import MAX_DEPTH
from pledgenet.errors import BadRegisterArguments, IdentityError, MalformedTransaction
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.transaction import (
    MAX_TX_BYTES,
    body_digest,
    encode_envelope,
    make_body,
    parse_envelope,
    signing_message,
)

SIG = "00" * 64


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def unsigned_envelope(alliance_id: str, args_json: str, *, tx_type: str = "gov.propose") -> bytes:
    """Canonical envelope bytes with any arguments text and a dummy signature (no key needed)."""
    body = (
        f'{{"alliance":"{alliance_id}","args":{args_json},"nonce":5,"signers":["registrar"],'
        f'"submitter":"registrar","type":"{tx_type}"}}'
    )
    return f'{{"body":{body},"signatures":["{SIG}"]}}'.encode()


@pytest.mark.parametrize("levels", [993, 1000, 1021, 1100, 5000])
def test_deeply_nested_arguments_are_malformed_not_a_crash(levels: int) -> None:
    # Prepare: about 2 KB, no signature needed
    poison = unsigned_envelope("al", f'{{"x":{nested(levels)}}}')
    # Execute / Assert
    with pytest.raises(MalformedTransaction, match="nested"):
        parse_envelope(poison)


def test_the_wire_applies_the_depth_limit_that_building_a_body_applies() -> None:
    # Prepare: arguments at the limit build and parse; one level more is refused on both sides
    deepest, too_deep = (
        unsigned_envelope("al", f'{{"x":{nested(MAX_DEPTH)}}}'),
        unsigned_envelope("al", f'{{"x":{nested(MAX_DEPTH + 1)}}}'),
    )
    # Execute
    built = make_body("al", "gov.propose", {"x": _python_nested(MAX_DEPTH)}, ["registrar"], 1)
    parsed = parse_envelope(deepest)
    # Assert
    assert parsed.args == built["args"]
    with pytest.raises(MalformedTransaction, match="nested"):
        make_body("al", "gov.propose", {"x": _python_nested(MAX_DEPTH + 1)}, ["registrar"], 1)
    with pytest.raises(MalformedTransaction, match="nested"):
        parse_envelope(too_deep)


def _python_nested(levels: int) -> list[object]:
    value: list[object] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_a_poison_envelope_between_valid_ones_leaves_them_committed_with_receipts(alliance: Alliance) -> None:
    # Prepare
    first = alliance.sign("gov.propose", set_ttl(1000), ["registrar"])
    poison = unsigned_envelope(alliance.alliance_id, f'{{"x":{nested(1000)}}}')
    second = alliance.sign("gov.propose", set_ttl(2000), ["broker-a"])
    start = alliance.producer_peer.height
    # Execute
    receipts = alliance.submit_envelopes([first, poison, second])
    after = alliance.submit("gov.propose", set_ttl(3000), ["bank-b"])
    # Assert
    assert [(r.valid, r.code) for r in receipts] == [(True, "ok"), (False, "malformed"), (True, "ok")]
    assert {r.height for r in receipts} == {start + 1}
    assert "nested" in receipts[1].message
    assert after.valid and after.height == start + 2
    for org in alliance.orgs:
        peer = alliance.peer(org)
        assert peer.height == start + 2
        assert [r.code for r in peer.receipts_at(start + 1)] == ["ok", "malformed", "ok"]


def test_a_batch_with_an_oversized_envelope_is_refused_whole(alliance: Alliance) -> None:
    # Prepare
    valid = alliance.sign("gov.propose", set_ttl(1000), ["registrar"])
    oversized = b" " * (MAX_TX_BYTES + 1)
    start = alliance.producer_peer.height
    # Execute
    with pytest.raises(MalformedTransaction) as refused:
        alliance.submit_envelopes([valid, oversized])
    later = alliance.submit("gov.propose", set_ttl(2000), ["broker-a"])
    # Assert: nothing of the refused batch was ordered; the later block holds only its own transaction
    assert refused.value.code == "too_large"
    assert alliance.orderer.pending == 0
    assert later.height == start + 1
    assert [r.tx_id for r in alliance.producer_peer.receipts_at(later.height)] == [later.tx_id]


def test_a_refused_batch_can_be_resubmitted_without_its_bad_part(alliance: Alliance) -> None:
    # Prepare
    valid = alliance.sign("gov.propose", set_ttl(1000), ["registrar"])
    with pytest.raises(MalformedTransaction):
        alliance.submit_envelopes([valid, b"x" * (MAX_TX_BYTES + 1)])
    # Execute
    [receipt] = alliance.submit_envelopes([valid])
    # Assert: the same envelope commits once, with its receipt handed back
    assert receipt.valid and receipt.code == "ok"
    assert [r.tx_id for r in alliance.producer_peer.receipts_at(receipt.height)] == [receipt.tx_id]


@pytest.mark.parametrize("tx_type", ["gov.propose\n", "gov.propose\r\n", "\ngov.propose", "gov\n.propose"])
def test_a_transaction_type_with_a_newline_is_malformed(tx_type: str) -> None:
    # Execute / Assert: refused when built and when read from the wire, so no nonce is spent
    with pytest.raises(MalformedTransaction, match="contract"):
        make_body("al", tx_type, {}, ["registrar"], 1)
    envelope = encode_envelope(make_body("al", "gov.propose", {}, ["registrar"], 1), [bytes(64)])
    tampered = envelope.replace(b'"gov.propose"', b'"' + tx_type.encode("unicode_escape") + b'"')
    with pytest.raises(MalformedTransaction, match="contract"):
        parse_envelope(tampered)


def test_a_newline_type_submitted_to_a_live_alliance_spends_no_nonce(alliance: Alliance) -> None:
    # Prepare
    member = alliance.member("registrar")
    body = make_body(alliance.alliance_id, "gov.propose", set_ttl(5), ["registrar"], 77)
    body["type"] = "gov.propose\n"
    envelope = encode_envelope(body, [member.sign(signing_message(body_digest(body)))])
    # Execute
    [receipt] = alliance.submit_envelopes([envelope])
    # Assert
    assert (receipt.valid, receipt.code) == (False, "malformed")
    assert alliance.producer_peer.get("ledger/nonce/registrar") != b"77"


def test_organisation_ids_and_register_identifiers_refuse_a_trailing_newline() -> None:
    # Execute / Assert: the same `$` pitfall as the transaction type, in ids that end up inside state keys
    with pytest.raises(IdentityError):
        check_org_id("broker-a\n")
    with pytest.raises(BadRegisterArguments):
        identifier({"code": "600000\n"}, "code")
    check_org_id("broker-a")
    assert identifier({"code": "600000"}, "code") == "600000"
