"""The rules over the sealed terms, as the registrar checks them before it endorses."""

from __future__ import annotations

import pytest
from register_world import sound_terms

from pledgenet.contracts.register.params import DEFAULT_PARAMS, FORBIDDEN_USES, MAX_TERM_DAYS
from pledgenet.contracts.register.terms import DEFAULT_TERM_DAYS, check_terms, make_terms
from pledgenet.errors import BadRegisterArguments, TermsViolation


def refusal(terms: dict, **kwargs: object) -> str:
    options = {"quantity": 100_000, "operation": "pledge", **kwargs}
    with pytest.raises(TermsViolation) as caught:
        check_terms(terms, DEFAULT_PARAMS, **options)  # type: ignore[arg-type]
    return caught.value.code


def test_sound_terms_pass() -> None:
    # 100,000 shares at CNY 100 = CNY 10m market value; a CNY 6m loan is exactly a 60% pledge rate
    check_terms(sound_terms(), DEFAULT_PARAMS, quantity=100_000, operation="pledge")


def test_pledge_rate_above_sixty_percent() -> None:
    assert refusal(sound_terms(amount_fen=600_000_001)) == "pledge_rate_exceeded"


def test_repo_repaying_a_default_is_exempt_from_the_pledge_rate() -> None:
    check_terms(
        sound_terms(amount_fen=900_000_000), DEFAULT_PARAMS, quantity=100_000, operation="pledge", exempt=True
    )


def test_minimum_amounts_first_and_later() -> None:
    assert refusal(sound_terms(amount_fen=499_999_999)) == "amount_below_minimum"
    later = sound_terms(business_type="financing_top_up", amount_fen=49_999_999)
    assert refusal(later, operation="top_up") == "amount_below_minimum"
    check_terms(
        sound_terms(business_type="financing_top_up", amount_fen=0),
        DEFAULT_PARAMS,
        quantity=1,
        operation="top_up",
    )


def test_term_of_three_years_and_the_default_extension_exemption() -> None:
    assert refusal(sound_terms(term_days=1096)) == "term_too_long"
    extension = sound_terms(term_days=400)
    assert refusal(extension, operation="extend", elapsed_days=700) == "term_too_long"
    check_terms(extension, DEFAULT_PARAMS, quantity=1, operation="extend", elapsed_days=700, in_default=True)


def test_forbidden_uses_of_funds() -> None:
    for use in ("02", "03", "04"):
        assert refusal(sound_terms(use_of_funds=use)) == "use_of_funds_forbidden"
    check_terms(
        sound_terms(business_type="non_financing", amount_fen=0, use_of_funds="04"),
        DEFAULT_PARAMS,
        quantity=1,
        operation="pledge",
    )


def test_lines_must_be_ordered_and_terms_complete() -> None:
    assert refusal(sound_terms(warning_line_bp=13_000)) == "lines_inconsistent"
    incomplete = sound_terms()
    del incomplete["closing_line_bp"]
    with pytest.raises(BadRegisterArguments):
        check_terms(incomplete, DEFAULT_PARAMS, quantity=1, operation="pledge")


def test_the_terms_make_terms_fills_in_pass_the_genesis_rules() -> None:
    # Prepare: only the amount and the price given (CNY 5m against 100,000 shares at CNY 100: a 50% rate)
    terms = make_terms(amount_fen=500_000_000, start_price_fen=10_000)
    # Execute: the registrar's check under the genesis parameters raises nothing
    check_terms(terms, DEFAULT_PARAMS, quantity=100_000, operation="pledge")
    # Assert: the defaults are the ones the module names, and the use of funds is one the rules allow
    assert terms["term_days"] == DEFAULT_TERM_DAYS <= DEFAULT_PARAMS[MAX_TERM_DAYS]
    assert terms["use_of_funds"] not in DEFAULT_PARAMS[FORBIDDEN_USES]
    assert terms["business_type"] == "financing_initial"
