"""Governance: N-of-M votes of governing members admit, remove, re-role members and change parameters."""

from __future__ import annotations

from ledger_helpers import set_ttl

from pledgenet.ledger.alliance import Alliance


def _pass(alliance: Alliance, action: dict[str, object], proposer: str, voter: str) -> str:
    proposal = alliance.submit("gov.propose", {"action": action}, [proposer])
    assert proposal.valid, proposal.message
    vote = alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, [voter])
    while vote.valid and vote.result["status"] == "open":  # more governing members: more votes
        next_voter = next(
            o for o in ("registrar", "broker-a", "bank-b", "trust-c") if o not in (proposer, voter)
        )
        vote = alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, [next_voter])
        voter = next_voter
    assert vote.valid and vote.result["status"] == "executed", vote
    return proposal.tx_id


def test_two_of_three_governing_members_admit_a_member_who_can_then_sign(alliance: Alliance) -> None:
    # Prepare
    action = alliance.issue_member("insurer-e", ["insurer"])
    # Execute
    proposal = alliance.submit("gov.propose", {"action": action}, ["registrar"])
    # Assert: one vote of three is not enough
    assert proposal.result["status"] == "open" and proposal.result["required"] == 2
    assert alliance.peer("bank-b").get("gov/member/insurer-e") is None
    alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, ["bank-b"])
    record = alliance.peer("trust-c").get("gov/member/insurer-e")
    assert record["roles"] == ["insurer"] and record["encryption_key"] == action["encryption_key"]
    assert alliance.peer("insurer-e").state_root == alliance.peer("registrar").state_root
    signed = alliance.submit("gov.propose", set_ttl(5), ["insurer-e"])
    assert signed.code == "role_denied"  # a known signer now, but not governing


def test_removed_member_can_no_longer_sign_nor_be_readmitted(alliance: Alliance) -> None:
    # Prepare
    certificate = alliance.member("trust-c").certificate_pem
    encryption_key = alliance.member("trust-c").encryption_key_hex
    # Execute
    _pass(alliance, {"kind": "remove_member", "org": "trust-c"}, "registrar", "broker-a")
    after = alliance.submit("gov.propose", set_ttl(7), ["registrar", "trust-c"])
    readmit = alliance.submit(
        "gov.propose",
        {"action": {"kind": "admit_member", "org": "trust-c", "roles": ["trust"], "certificate": certificate,
                    "encryption_key": encryption_key}},
        ["registrar"],
    )  # fmt: skip
    # Assert
    assert (after.valid, after.code) == (False, "unknown_signer")
    assert (readmit.valid, readmit.code) == (False, "certificate_revoked")
    assert "trust-c" not in alliance.orgs


def test_roles_and_parameters_change_by_vote_only(alliance: Alliance) -> None:
    # Execute
    _pass(
        alliance,
        {"kind": "change_roles", "org": "trust-c", "roles": ["trust", "governing"]},
        "bank-b",
        "registrar",
    )
    raise_bar = _pass(alliance, {"kind": "set_param", "name": "gov.vote_threshold_bp", "value": 10000},
                      "trust-c", "broker-a")  # fmt: skip
    proposal = alliance.submit("gov.propose", set_ttl(9), ["registrar"])
    three = [alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, [org]).result
             for org in ("broker-a", "bank-b", "trust-c")]  # fmt: skip
    # Assert: four governing members and a 100% threshold need all four votes
    assert alliance.peer("bank-b").get(f"gov/proposal/{raise_bar}")["status"] == "executed"
    assert [r["status"] for r in three] == ["open", "open", "executed"]
    assert alliance.peer("bank-b").get("gov/param/gov.proposal_ttl_ms") == 9


def test_guards_refuse_bad_proposals_and_double_votes(alliance: Alliance) -> None:
    # Prepare
    proposal = alliance.submit("gov.propose", set_ttl(11), ["registrar"])
    # Execute
    double = alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, ["registrar"])
    unknown = alliance.submit(
        "gov.propose", {"action": {"kind": "set_param", "name": "nope", "value": 1}}, ["registrar"]
    )
    last = alliance.submit(
        "gov.propose",
        {"action": {"kind": "set_param", "name": "gov.vote_threshold_bp", "value": 0}},
        ["registrar"],
    )
    bogus = alliance.submit("gov.propose", {"action": {"kind": "dissolve"}}, ["registrar"])
    # Assert
    assert [r.code for r in (double, unknown, last, bogus)] == [
        "already_voted", "unknown_param", "bad_param", "bad_action",
    ]  # fmt: skip


def test_rejections_close_a_proposal(alliance: Alliance) -> None:
    # Prepare
    proposal = alliance.submit("gov.propose", set_ttl(13), ["registrar"])
    # Execute
    no_1 = alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": False}, ["broker-a"])
    no_2 = alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": False}, ["bank-b"])
    # Assert
    assert no_1.result["status"] == "open" and no_2.result["status"] == "rejected"
    assert alliance.peer("trust-c").get("gov/param/gov.proposal_ttl_ms") != 13
