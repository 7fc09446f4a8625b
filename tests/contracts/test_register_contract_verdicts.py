"""The registrar's verdict on sealed terms, carried in the transaction it co-signs and checked by every peer.

The terms stay sealed: peers see only the envelope's hash and the registrar's verdict. A verdict other than
``ok`` makes the registration invalid with its reason code and changes nothing; a verdict for another
envelope, or one the registrar did not sign, is refused.
"""

from __future__ import annotations

from register_world import BANK, BROKER_A, REGISTRAR, STOCK_A, World, sealed, sound_terms, verdict


def test_a_pledge_over_sixty_percent_is_invalid_with_the_registrars_reason() -> None:
    # Prepare: 90,000 shares at CNY 100 are worth CNY 9m; a CNY 6m loan is a 66.7% pledge rate
    world = World()
    args = world.pledge_args("C-1", "A002", STOCK_A, 90_000)
    args["terms_verdict"] = world.verdict("pledge", args)
    before = world.ledger.snapshot("reg/")
    # Execute
    receipt = world.submit("register.pledge", args, [BROKER_A, BANK, REGISTRAR])
    # Assert
    assert (receipt.valid, receipt.code) == (False, "pledge_rate_exceeded")
    assert REGISTRAR in receipt.message and "pledge rate" in receipt.message
    assert "600000000" not in receipt.message and "6000" not in receipt.message  # no sealed figure leaks
    assert world.ledger.snapshot("reg/") == before


def test_sound_terms_with_the_registrars_verdict_register() -> None:
    # Prepare: 100,000 shares at CNY 100 = CNY 10m; CNY 6m is exactly the 60% limit
    world = World()
    args = world.pledge_args("C-1", "A002", STOCK_A, 100_000)
    args["terms_verdict"] = world.verdict("pledge", args)
    # Execute
    receipt = world.submit("register.pledge", args, [BROKER_A, BANK, REGISTRAR])
    # Assert
    assert receipt.valid, receipt.message
    assert world.holding(STOCK_A, "A002")["unrestricted"]["pledged"] == 100_000


def test_a_verdict_about_another_envelope_is_refused() -> None:
    # Prepare: the registrar approved other (sound) terms; the transaction carries terms over the limit
    world = World()
    args = world.pledge_args("C-1", "A002", STOCK_A, 90_000)
    approved = sealed([BROKER_A, BANK], binding=args["terms"]["binding"])
    args["terms_verdict"] = verdict(approved, world.context("pledge", args))
    before = world.ledger.snapshot("reg/")
    # Execute
    receipt = world.submit("register.pledge", args, [BROKER_A, BANK, REGISTRAR])
    # Assert
    assert (receipt.valid, receipt.code) == (False, "verdict_mismatch")
    assert world.ledger.snapshot("reg/") == before


def test_a_verdict_the_registrar_did_not_sign_is_refused() -> None:
    # Prepare: the broker writes an "ok" in the registrar's name, and the bank signs as if it were one
    world = World()
    args = world.pledge_args("C-1", "A002", STOCK_A, 90_000)
    forged = dict(world.verdict("pledge", args), verdict="ok")
    by_bank = dict(forged, registrar=BANK)
    # Execute
    unsigned = world.submit("register.pledge", {**args, "terms_verdict": forged}, [BROKER_A, BANK])
    not_a_registrar = world.submit("register.pledge", {**args, "terms_verdict": by_bank}, [BROKER_A, BANK])
    # Assert
    assert (unsigned.valid, unsigned.code) == (False, "endorsement_missing")
    assert (not_a_registrar.valid, not_a_registrar.code) == (False, "endorsement_missing")
    assert world.holding(STOCK_A, "A002")["unrestricted"]["pledged"] == 0


def test_a_verdict_must_be_one_the_registrar_can_give() -> None:
    # Prepare
    world = World()
    args = world.pledge_args("C-1", "A002", STOCK_A, 100_000)
    invented = dict(world.verdict("pledge", args), verdict="we_dislike_it")
    # Execute
    receipt = world.submit(
        "register.pledge", {**args, "terms_verdict": invented}, [BROKER_A, BANK, REGISTRAR]
    )
    # Assert
    assert (receipt.valid, receipt.code) == (False, "bad_arguments")


def test_top_up_and_extension_carry_verdicts_too() -> None:
    # Prepare: an open contract; a top-up of CNY 0.4m (below the CNY 0.5m minimum for later transactions)
    world = World()
    world.pledge("C-1", "A002", STOCK_A, 100_000)
    small = sound_terms(business_type="financing_top_up", amount_fen=40_000_000)
    long_term = sound_terms(term_days=1_200)
    top_up_args = {"contract_no": "C-1", "quantity": 10_000}
    # Execute
    top_up = world.submit(
        "register.top_up",
        world.reviewed("top_up", top_up_args, [BROKER_A, BANK], small),
        [BROKER_A, BANK, REGISTRAR],
    )
    extension = world.submit(
        "register.extend",
        world.reviewed("extend", {"contract_no": "C-1"}, [BROKER_A, BANK], long_term),
        [BROKER_A, BANK, REGISTRAR],
    )
    # Assert
    assert (top_up.valid, top_up.code) == (False, "amount_below_minimum")
    assert (extension.valid, extension.code) == (False, "term_too_long")
    contract = world.ledger.get("reg/contract/C-1")
    assert len(contract["registrations"]) == 1 and contract["extensions"] == 0


def test_a_registration_without_the_registrars_verdict_is_refused_and_changes_nothing() -> None:
    # Prepare: the registrar co-signs, but states no verdict on what it found in the terms
    world = World()
    args = world.pledge_args("C-1", "A002", STOCK_A, 100_000)
    del args["terms_verdict"]
    before = world.ledger.snapshot("reg/")
    # Execute
    receipt = world.submit("register.pledge", args, [BROKER_A, BANK, REGISTRAR])
    # Assert
    assert (receipt.valid, receipt.code) == (False, "endorsement_missing")
    assert "terms_verdict" in receipt.message
    assert world.ledger.snapshot("reg/") == before
