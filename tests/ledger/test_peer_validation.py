"""Every peer validates every transaction itself: bad ones stay in the block, flagged, and change nothing."""

from __future__ import annotations

import json

from ledger_helpers import set_ttl

from pledgenet.crypto.identity import issue_root
from pledgenet.crypto.keystore import new_member
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.transaction import body_digest, encode_envelope, make_body, signing_message


def _state(alliance: Alliance) -> list[tuple[str, object]]:
    return [(k, v) for k, v in alliance.peer("trust-c").range("gov/") if not k.startswith("gov/proposal/")]


def test_forged_signature_is_flagged_and_writes_nothing(alliance: Alliance) -> None:
    # Prepare
    envelope = bytearray(alliance.sign("gov.propose", set_ttl(1000), ["registrar"]))
    at = envelope.index(b'"signatures":["') + 15
    envelope[at] = ord("0") if envelope[at] != ord("0") else ord("1")
    before = alliance.peer("bank-b").range("gov/proposal/")
    # Execute
    [receipt] = alliance.submit_envelopes([bytes(envelope)])
    # Assert
    assert (receipt.valid, receipt.code) == (False, "bad_signature")
    for org in alliance.orgs:
        assert alliance.peer(org).range("gov/proposal/") == before
        assert alliance.peer(org).tx(receipt.tx_id).receipt.code == "bad_signature"


def test_replayed_envelope_is_refused_by_nonce(alliance: Alliance) -> None:
    # Prepare
    envelope = alliance.sign("gov.propose", set_ttl(1000), ["registrar"])
    first = alliance.submit_envelopes([envelope])[0]
    # Execute
    again = alliance.submit_envelopes([envelope])[0]
    # Assert
    assert first.valid and not again.valid
    assert again.code == "replayed_nonce" and again.height > first.height


def test_wrong_role_and_missing_endorsement_are_flagged(alliance: Alliance) -> None:
    # Execute
    by_trust = alliance.submit("gov.propose", set_ttl(1000), ["trust-c"])
    # Assert
    assert (by_trust.valid, by_trust.code) == (False, "role_denied")
    assert "governing" in by_trust.message


def test_unknown_signer_and_unknown_operation(alliance: Alliance, tmp_path: object) -> None:
    # Prepare: a key pair for an org that is not a member, certified by a foreign root
    root_key, root_pem = issue_root("other", now_ms=alliance.clock())
    outsider = new_member("outsider", ["bank"], root_key=root_key, root_certificate_pem=root_pem,
                          now_ms=alliance.clock())  # fmt: skip
    body = make_body(alliance.alliance_id, "gov.propose", set_ttl(5), ["outsider"], 1)
    forged = encode_envelope(body, [outsider.sign(signing_message(body_digest(body)))])
    # Execute
    stranger, unknown_op = alliance.submit_envelopes(
        [forged, alliance.sign("gov.explode", {}, ["registrar"])]
    )
    # Assert
    assert (stranger.valid, stranger.code) == (False, "unknown_signer")
    assert (unknown_op.valid, unknown_op.code) == (False, "unknown_operation")


def test_transaction_for_another_alliance_is_refused(alliance: Alliance) -> None:
    # Prepare
    member = alliance.member("registrar")
    body = make_body("some-other-alliance", "gov.propose", set_ttl(5), ["registrar"], 99)
    envelope = encode_envelope(body, [member.sign(signing_message(body_digest(body)))])
    # Execute
    [receipt] = alliance.submit_envelopes([envelope])
    # Assert
    assert (receipt.valid, receipt.code) == (False, "wrong_alliance")


def test_malformed_bytes_are_kept_in_the_block_flagged(alliance: Alliance) -> None:
    # Execute
    receipts = alliance.submit_envelopes([b"{not json", json.dumps({"body": {}}).encode()])
    # Assert
    assert [r.code for r in receipts] == ["malformed", "malformed"]
    block = alliance.peer("bank-b").block(receipts[0].height)
    assert block.txs[0] == b"{not json"


def test_all_peers_agree_on_state_root_and_outcomes(alliance: Alliance) -> None:
    # Execute
    receipts = alliance.submit_many([("gov.propose", set_ttl(n + 10), ["registrar"]) for n in range(30)])
    # Assert
    roots = {alliance.peer(org).state_root for org in alliance.orgs}
    assert len(roots) == 1 and all(r.valid for r in receipts)
    outcomes = {
        tuple(r.code for r in alliance.peer(org).receipts_at(receipts[0].height)) for org in alliance.orgs
    }
    assert len(outcomes) == 1
