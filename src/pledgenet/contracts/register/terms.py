"""The sealed terms of a registration (group 3 of the 20 elements) and the rules over them.

Group 3 is not printed on the registration certificate: business type, financing amount, annual rate,
term, use of funds, warning line, closing line, market of the initial pledge and registration number of
the initial pledge. The envelope also carries the price the pledge rate was computed with (the previous
close, in fen), so the registrar can check the 60% rule without trusting anyone's arithmetic.

``check_terms`` is pure and deterministic; the registrar runs it on the opened envelope before it
endorses a registration or an extension (see ``pledges``), over a context it derives itself from the
transaction and chain state (``verdicts.derive``: the quantity, the exemption, the contract's state and age,
the governed rules and the exchange's last close; the pledge rate is computed on the lower of the sealed
start price and that close). ``review`` turns that check into the registrar's *verdict*, the value it puts in
the transaction it co-signs (``args["terms_verdict"]``): the hash of the envelope it opened, the hash of the
context, and ``"ok"`` or the reason code of the rule the terms break. Only the code crosses the chain,
never a figure, so a refused registration is recorded as an invalid transaction with a reason a person
understands while the terms stay sealed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pledgenet.contracts.register import keys
from pledgenet.contracts.register import params as p
from pledgenet.errors import BadRegisterArguments, TermsViolation

VERDICT_OK = "ok"

#: every verdict other than ``ok`` the registrar may record, with what it means to a person
VERDICT_REASONS = {
    "bad_arguments": "the sealed terms are incomplete or malformed",
    "lines_inconsistent": "the closing line must lie above 100% and below the warning line",
    "use_of_funds_forbidden": (
        "the financing may not fund IPO subscriptions, private placements or secondary-market trading"
    ),
    "amount_below_minimum": "the financing amount is below the minimum (CNY 5m first, CNY 0.5m later)",
    "pledge_rate_exceeded": (
        "the pledge rate (loan over the market value of the pledged shares) is above the limit"
    ),
    "term_too_long": "the term runs past three years in all",
    "terms_unreadable": ("the sealed terms are not wrapped for every entitled member with its key on chain"),
}

FIELDS = (
    "business_type",
    "amount_fen",
    "annual_rate_bp",
    "term_days",
    "use_of_funds",
    "warning_line_bp",
    "closing_line_bp",
    "initial_market",
    "initial_registration_no",
    "start_price_fen",
)


#: the terms ``make_terms`` fills in when not given: a financing of one year (capped by the governed
#: ``MAX_TERM_DAYS``) at 6% a year for the business ("01", a use ``FORBIDDEN_USES`` allows at genesis) with
#: the usual 160% / 140% lines; tests/contracts/test_register_terms.py checks they pass the genesis rules
DEFAULT_TERM_DAYS = min(365, p.DEFAULT_PARAMS[p.MAX_TERM_DAYS])
DEFAULT_USE_OF_FUNDS = "01"
DEFAULT_ANNUAL_RATE_BP = 600
DEFAULT_WARNING_LINE_BP = 16_000
DEFAULT_CLOSING_LINE_BP = 14_000


def make_terms(
    *,
    amount_fen: int,
    start_price_fen: int,
    business_type: str = "financing_initial",
    annual_rate_bp: int = DEFAULT_ANNUAL_RATE_BP,
    term_days: int = DEFAULT_TERM_DAYS,
    use_of_funds: str = DEFAULT_USE_OF_FUNDS,
    warning_line_bp: int = DEFAULT_WARNING_LINE_BP,
    closing_line_bp: int = DEFAULT_CLOSING_LINE_BP,
    initial_market: str = "SH",
    initial_registration_no: str | None = None,
) -> dict[str, Any]:
    """The canonical terms record that goes into the envelope."""
    return {
        "business_type": business_type,
        "amount_fen": amount_fen,
        "annual_rate_bp": annual_rate_bp,
        "term_days": term_days,
        "use_of_funds": use_of_funds,
        "warning_line_bp": warning_line_bp,
        "closing_line_bp": closing_line_bp,
        "initial_market": initial_market,
        "initial_registration_no": initial_registration_no,
        "start_price_fen": start_price_fen,
    }


def _int(terms: Mapping[str, Any], name: str, minimum: int = 0) -> int:
    value = terms.get(name)
    if type(value) is not int or value < minimum:
        raise BadRegisterArguments(f"sealed term {name!r} must be an integer of at least {minimum}")
    return value


def check_terms(
    terms: Mapping[str, Any],
    params: Mapping[str, Any],
    *,
    quantity: int,
    operation: str,
    exempt: bool = False,
    in_default: bool = False,
    elapsed_days: int = 0,
    last_close_fen: int | None = None,
) -> None:
    """Raise ``TermsViolation`` (with a reason code) when sealed terms break a 2018 rule.

    ``operation`` is ``pledge``, ``top_up`` or ``extend``; ``quantity`` the shares of this registration;
    ``exempt`` marks a repo that only repays a defaulted contract (no pledge-rate limit);
    ``in_default`` and ``elapsed_days`` describe the contract being extended; ``last_close_fen`` is the
    exchange's last close on chain (the pledge rate is computed on the lower of it and the start price).
    Every argument is checked before any arithmetic (``BadRegisterArguments`` naming the field).
    """
    if operation not in ("pledge", "top_up", "extend"):
        raise BadRegisterArguments(f"'operation' must be pledge, top_up or extend (got {operation!r})")
    if type(quantity) is not int or quantity < (0 if operation == "extend" else 1):
        raise BadRegisterArguments(f"'quantity' must be a positive integer of shares (got {quantity!r})")
    if type(elapsed_days) is not int or elapsed_days < 0:
        raise BadRegisterArguments(f"'elapsed_days' must be an integer of at least 0 (got {elapsed_days!r})")
    if last_close_fen is not None and (type(last_close_fen) is not int or last_close_fen < 1):
        raise BadRegisterArguments(f"'last_close_fen' must be a positive integer (got {last_close_fen!r})")
    missing = [name for name in FIELDS if name not in terms]
    if missing:
        raise BadRegisterArguments(f"sealed terms lack {', '.join(missing)}")
    business_type = terms["business_type"]
    if business_type not in keys.BUSINESS_TYPES:
        raise BadRegisterArguments(f"business type must be one of {', '.join(keys.BUSINESS_TYPES)}")
    if terms["use_of_funds"] not in keys.USES_OF_FUNDS:
        raise BadRegisterArguments(f"use of funds must be one of {', '.join(keys.USES_OF_FUNDS)}")
    amount = _int(terms, "amount_fen")
    term_days = _int(terms, "term_days", 1)
    warning, closing = _int(terms, "warning_line_bp", 1), _int(terms, "closing_line_bp", 1)
    price = _int(terms, "start_price_fen", 1)
    _int(terms, "annual_rate_bp")
    if not 10_000 < closing < warning:
        raise TermsViolation(
            f"closing line {closing} bp must be above 10000 bp and below the warning line {warning} bp",
            code="lines_inconsistent",
        )
    financing = business_type != "non_financing"
    if financing and terms["use_of_funds"] in params[p.FORBIDDEN_USES]:
        raise TermsViolation(
            f"funds of a pledged repo may not be used for purpose {terms['use_of_funds']} "
            "(IPO subscription, private placement or secondary-market trading)",
            code="use_of_funds_forbidden",
        )
    if operation == "pledge" and financing:
        if business_type != "financing_initial":
            raise BadRegisterArguments(
                "an initial pledge has business type financing_initial or non_financing"
            )
        minimum = params[p.MIN_INITIAL_AMOUNT_FEN]
        if amount < minimum:
            raise TermsViolation(
                f"the first transaction is CNY {amount // 100:,}; the minimum is CNY {minimum // 100:,}",
                code="amount_below_minimum",
            )
        cap = params[p.MAX_PLEDGE_RATE_BP]
        if last_close_fen is not None:
            price = min(price, last_close_fen)
        if not exempt and amount * 10_000 > cap * quantity * price:
            rate = amount * 10_000 // (quantity * price)
            raise TermsViolation(
                f"pledge rate {rate} bp (loan over market value at the start) exceeds the {cap} bp limit",
                code="pledge_rate_exceeded",
            )
    if operation == "top_up" and financing and amount > 0 and amount < params[p.MIN_LATER_AMOUNT_FEN]:
        raise TermsViolation(
            f"a later transaction of CNY {amount // 100:,} is below the CNY "
            f"{params[p.MIN_LATER_AMOUNT_FEN] // 100:,} minimum",
            code="amount_below_minimum",
        )
    limit = params[p.MAX_TERM_DAYS]
    if elapsed_days + term_days > limit and not (operation == "extend" and in_default):
        raise TermsViolation(
            f"a term of {elapsed_days + term_days} days in all exceeds {limit} days "
            "(only a contract in default disposal may be extended past it)",
            code="term_too_long",
        )


def review(terms: Any, params: Mapping[str, Any], **context: Any) -> str:
    """The registrar's verdict on opened terms: ``"ok"`` or the reason code of the rule they break.

    ``context`` is ``check_terms``'s (``quantity``, ``operation``, ``exempt``, ``in_default``,
    ``elapsed_days``). Terms that are not even a record get ``bad_arguments``.
    """
    if not isinstance(terms, Mapping):
        return "bad_arguments"
    try:
        check_terms(terms, params, **context)
    except (TermsViolation, BadRegisterArguments) as refusal:
        return refusal.code if refusal.code in VERDICT_REASONS else "bad_arguments"
    return VERDICT_OK


def review_in_context(terms: Any, context: Mapping[str, Any]) -> str:
    """The verdict on opened terms over a derived context (``verdicts.derive``)."""
    close = context["close"]
    return review(
        terms,
        context["rules"],
        quantity=context["quantity"],
        operation=context["operation"],
        exempt=context["exempt"],
        in_default=context["in_default"],
        elapsed_days=context["elapsed_days"],
        last_close_fen=None if close is None else close["price_fen"],
    )


def make_verdict(registrar: str, terms_hash: str, context_hash: str, verdict: str) -> dict[str, str]:
    """The ``terms_verdict`` argument: who reviewed, which envelope (its hash), over which context (its
    hash, ``verdicts.context_hash``), and the outcome."""
    return {
        "registrar": registrar,
        "terms_hash": terms_hash,
        "context_hash": context_hash,
        "verdict": verdict,
    }
