"""The pledge life cycle and the 2018 rules, through the register contract on the in-memory ledger."""

from __future__ import annotations

import pytest
from register_world import (
    BANK,
    BROKER_A,
    BROKER_B,
    OUTSIDER,
    REGISTRAR,
    STOCK_A,
    STOCK_B,
    TRUST,
    World,
    sealed,
)

from pledgenet.contracts.register import params


@pytest.fixture
def world() -> World:
    return World()


def test_initial_pledge_encumbers_shares_and_is_readable_by_all(world: World) -> None:
    # Execute
    receipt = world.pledge("C-1", "A001", STOCK_A, 200_000)
    # Assert
    assert receipt.valid
    registration_no = receipt.result["registration_no"]
    holding = world.holding(STOCK_A, "A001")
    assert holding["unrestricted"] == {"held": 500_000, "pledged": 200_000, "frozen": 0}
    record = world.ledger.get(f"reg/pledge/{registration_no}")
    assert record["pledgee"]["org"] == BANK and record["pledgor"]["account"] == "A001"
    assert record["custody_unit"] == BROKER_A and record["quantity"] == 200_000
    assert record["terms_tx"] == receipt.tx_id and "amount_fen" not in str(record)  # group 3 stays sealed
    security = world.ledger.get(f"reg/sec/{STOCK_A}")
    assert security["pledges"] == 1 and security["pledged"]["unrestricted"] == 200_000
    assert next(e["name"] for e in receipt.events) == "register.pledge_registered"


def test_pledging_more_than_free_shares_is_refused_and_changes_nothing(world: World) -> None:
    # Prepare
    world.pledge("C-1", "A002", STOCK_A, 150_000)
    before = world.ledger.snapshot("reg/")
    # Execute
    receipt = world.pledge("C-2", "A002", STOCK_A, 60_000, pledgee=TRUST)
    # Assert: a share is never pledged twice
    assert not receipt.valid and receipt.code == "over_pledge"
    assert "only 50000 are free" in receipt.message
    assert world.ledger.snapshot("reg/") == before


def test_frozen_shares_cannot_be_newly_pledged(world: World) -> None:
    # Prepare
    world.ok(
        "register.freeze",
        {"code": STOCK_A, "account": "A002", "quantity": 150_000, "case_no": "(2024)1"},
        ["court-sh"],
    )
    # Execute
    receipt = world.pledge("C-1", "A002", STOCK_A, 100_000)
    # Assert
    assert not receipt.valid and receipt.code == "shares_frozen"


def test_endorsement_policy_requires_broker_pledgee_and_registrar(world: World) -> None:
    # Prepare
    args = world.pledge_args("C-1", "A001", STOCK_A, 1_000)
    # Execute
    without_registrar = world.submit("register.pledge", args, [BROKER_A, BANK])
    without_pledgee = world.submit("register.pledge", args, [BROKER_A, REGISTRAR])
    by_outsider = world.submit("register.pledge", args, [OUTSIDER, BROKER_A, BANK, REGISTRAR])
    # Assert
    assert without_registrar.code == "endorsement_missing"
    assert without_pledgee.code == "endorsement_missing"
    assert by_outsider.code == "not_a_party"
    assert world.holding(STOCK_A, "A001")["unrestricted"]["pledged"] == 0


def test_sealed_terms_must_be_readable_by_every_entitled_member(world: World) -> None:
    # Prepare: terms sealed for the broker and the registrar, but not for the pledgee
    args = world.pledge_args("C-1", "A001", STOCK_A, 1_000, terms=sealed([BROKER_A]))
    # Execute
    receipt = world.submit("register.pledge", args, [BROKER_A, BANK, REGISTRAR])
    # Assert
    assert receipt.code == "envelope_recipients" and BANK in receipt.message


def test_stock_cap_of_fifty_percent(world: World) -> None:
    # Prepare: B001 holds 300,000 of 400,000 shares of stock B; 50% is 200,000
    assert world.pledge("C-1", "B001", STOCK_B, 190_000).valid
    # Execute
    over = world.pledge("C-2", "B001", STOCK_B, 10_001, pledgee=TRUST)
    at_cap = world.pledge("C-3", "B001", STOCK_B, 10_000, pledgee=TRUST)
    # Assert
    assert over.code == "stock_cap_exceeded"
    assert at_cap.valid


def test_securities_firm_cap_of_thirty_percent_and_product_cap(world: World) -> None:
    # Prepare: stock A has 1,000,000 shares; a securities firm may take 300,000 in pledge
    assert world.pledge("C-1", "A001", STOCK_A, 290_000, pledgee=BROKER_B).valid
    # Execute
    firm_over = world.pledge("C-2", "A002", STOCK_A, 20_000, pledgee=BROKER_B)
    bank_fine = world.pledge("C-3", "A002", STOCK_A, 20_000, pledgee=BANK)
    product_over = world.pledge(
        "C-4", "A002", STOCK_A, 150_001, pledgee=TRUST, lender_type="01", product="TRUST-PLAN-7"
    )
    # Assert
    assert firm_over.code == "pledgee_cap_exceeded"
    assert bank_fine.valid
    assert product_over.code == "product_cap_exceeded"


def test_caps_are_governed_parameters(world: World) -> None:
    # Prepare: governance lowers the stock cap to 10%
    world.ledger.set_param(params.MAX_STOCK_PLEDGE_BP, 1000)
    # Execute
    receipt = world.pledge("C-1", "A001", STOCK_A, 100_001)
    # Assert
    assert receipt.code == "stock_cap_exceeded"


def test_financial_institution_may_not_borrow(world: World) -> None:
    # Execute
    receipt = world.pledge("C-1", "B002", STOCK_A, 10_000)
    # Assert
    assert receipt.code == "borrower_not_eligible"


def test_repo_that_repays_a_default_is_exempt_from_caps(world: World) -> None:
    # Prepare: B001 pledges 200,000 of stock B (the 50% cap) and defaults
    first = world.pledge("C-1", "B001", STOCK_B, 200_000)
    world.ok("register.declare_default", {"contract_no": "C-1", "reason": "closing_line"}, [BANK])
    # Execute
    not_exempt = world.pledge("C-2", "B001", STOCK_B, 50_000, pledgee=TRUST)
    exempt = world.pledge("C-3", "B001", STOCK_B, 50_000, pledgee=TRUST, repays_default_of="C-1")
    # Assert
    assert first.valid and not_exempt.code == "stock_cap_exceeded"
    assert exempt.valid


def test_partial_then_full_release_settles_the_contract(world: World) -> None:
    # Prepare
    registration_no = world.pledge("C-1", "A002", STOCK_A, 100_000).result["registration_no"]
    # Execute
    partial = world.release(registration_no, 30_000)
    full = world.release(registration_no)
    # Assert
    assert partial.result["remaining"] == 70_000
    assert full.valid and world.holding(STOCK_A, "A002")["unrestricted"]["pledged"] == 0
    contract = world.ledger.get("reg/contract/C-1")
    assert contract["state"] == "2" and contract["settlement_type"] == "02"
    assert world.ledger.get(f"reg/pledge/{registration_no}")["state"] == "released"
    assert BANK not in world.ledger.get(f"reg/sec/{STOCK_A}")["exposure"]
    assert world.release(registration_no).code == "wrong_state"


def test_release_needs_both_pledgor_broker_and_pledgee(world: World) -> None:
    # Prepare
    registration_no = world.pledge("C-1", "A002", STOCK_A, 100_000).result["registration_no"]
    # Execute
    receipt = world.submit("register.release", {"registration_no": registration_no}, [BROKER_A])
    # Assert
    assert receipt.code == "endorsement_missing"
    assert world.holding(STOCK_A, "A002")["unrestricted"]["pledged"] == 100_000


def test_top_up_then_early_repurchase_releases_every_registration(world: World) -> None:
    # Prepare
    world.pledge("C-1", "A002", STOCK_A, 100_000)
    top_up_args = {"contract_no": "C-1", "quantity": 40_000}
    top_up = world.submit(
        "register.top_up",
        world.reviewed("top_up", top_up_args, [BROKER_A, BANK], outcome="ok"),
        [BROKER_A, BANK, REGISTRAR],
    )
    # Execute
    repurchase = world.submit("register.repurchase", {"contract_no": "C-1", "early": True}, [BROKER_A, BANK])
    # Assert
    assert top_up.valid and repurchase.result["released"] == 140_000
    contract = world.ledger.get("reg/contract/C-1")
    assert contract["state"] == "2" and contract["settlement_type"] == "01"
    assert len(contract["registrations"]) == 2 and contract["open_registrations"] == []
    assert world.ledger.get(f"reg/sec/{STOCK_A}")["pledges"] == 0


def test_extension_records_new_terms_and_leaves_default(world: World) -> None:
    # Prepare
    world.pledge("C-1", "A002", STOCK_A, 100_000)
    world.ok("register.declare_default", {"contract_no": "C-1", "reason": "failure_to_repurchase"}, [BANK])
    extension = world.reviewed("extend", {"contract_no": "C-1"}, [BROKER_A, BANK], outcome="ok")
    new_terms = extension["terms"]
    # Execute
    receipt = world.submit("register.extend", extension, [BROKER_A, BANK, REGISTRAR])
    # Assert
    contract = world.ledger.get("reg/contract/C-1")
    assert receipt.valid and receipt.events[0]["payload"]["was_in_default"] is True
    assert contract["state"] == "0" and contract["settlement_type"] == "03"
    assert contract["terms_hash"] == new_terms["hash"] and contract["extensions"] == 1


def test_disclosure_duty_when_controlling_shareholder_crosses_50_and_80_percent(world: World) -> None:
    # Prepare: A001 controls stock A and holds 600,000 shares (100,000 restricted)
    first = world.pledge("C-1", "A001", STOCK_A, 290_000, pledgee=BROKER_B)
    # Execute
    crossing_50 = world.pledge("C-2", "A001", STOCK_A, 20_000, pledgee=BANK)
    crossing_80 = world.pledge("C-3", "A001", STOCK_A, 180_000, pledgee=TRUST)
    # Assert
    names = lambda r: [e["name"] for e in r.events]  # noqa: E731
    assert "register.disclosure_due" not in names(first)
    due = [e["payload"] for e in crossing_50.events if e["name"] == "register.disclosure_due"]
    assert due == [
        {
            "code": STOCK_A,
            "account": "A001",
            "holder_name": "Zhang Wei Holdings",
            "threshold_bp": 5000,
            "pledged_ratio_bp": 5166,
            "direction": "up",
        }
    ]
    crossing = [e["payload"] for e in crossing_80.events if e["name"] == "register.disclosure_due"]
    assert [(d["threshold_bp"], d["pledged_ratio_bp"]) for d in crossing] == [(8000, 8166)]


def test_default_disposal_switch_to_sellable_within_reduction_rules(world: World) -> None:
    # Prepare: 1% of stock A is 10,000 shares per 90 days by auction
    registration_no = world.pledge("C-1", "A002", STOCK_A, 50_000).result["registration_no"]
    dispose = {"registration_no": registration_no, "mode": "sellable", "channel": "auction"}
    early = world.submit("register.dispose", {**dispose, "quantity": 5_000}, [BANK, REGISTRAR])
    world.ok("register.declare_default", {"contract_no": "C-1", "reason": "closing_line"}, [BANK])
    # Execute
    first = world.submit("register.dispose", {**dispose, "quantity": 8_000}, [BANK, REGISTRAR])
    too_much = world.submit("register.dispose", {**dispose, "quantity": 2_001}, [BANK, REGISTRAR])
    by_block = world.submit(
        "register.dispose", {**dispose, "quantity": 20_000, "channel": "block"}, [BANK, REGISTRAR]
    )
    # Assert
    assert early.code == "wrong_state"
    assert first.valid and too_much.code == "disposal_limit_exceeded" and by_block.valid
    assert world.holding(STOCK_A, "A002")["unrestricted"] == {"held": 200_000, "pledged": 22_000, "frozen": 0}


def test_default_disposal_transfer_to_pledgee_settles_by_disposal(world: World) -> None:
    # Prepare
    registration_no = world.pledge("C-1", "A002", STOCK_A, 50_000).result["registration_no"]
    world.ok("register.declare_default", {"contract_no": "C-1", "reason": "closing_line"}, [BANK])
    # Execute
    receipt = world.submit(
        "register.dispose",
        {"registration_no": registration_no, "mode": "transfer", "to_account": "B003"},
        [BANK, REGISTRAR],
    )
    # Assert
    assert receipt.valid
    assert world.holding(STOCK_A, "A002")["unrestricted"] == {"held": 150_000, "pledged": 0, "frozen": 0}
    assert world.holding(STOCK_A, "B003")["unrestricted"]["held"] == 100_000
    contract = world.ledger.get("reg/contract/C-1")
    assert contract["state"] == "2" and contract["settlement_type"] == "09"


def test_bad_arguments_get_clear_reasons(world: World) -> None:
    # Execute
    no_quantity = world.pledge("C-1", "A001", STOCK_A, 0)
    unknown_stock = world.pledge("C-2", "A001", "000001", 100)
    product_missing = world.pledge("C-3", "A001", STOCK_A, 100, lender_type="02")
    duplicate = [world.pledge("C-4", "A001", STOCK_A, 100), world.pledge("C-4", "A001", STOCK_A, 100)]
    # Assert
    assert no_quantity.code == "bad_arguments" and "'quantity'" in no_quantity.message
    assert unknown_stock.code == "unknown_security"
    assert product_missing.code == "bad_arguments"
    assert duplicate[0].valid and duplicate[1].code == "duplicate_record"
