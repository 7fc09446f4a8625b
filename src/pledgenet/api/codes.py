"""The error class each reason code stands for, so both ends of the API agree on a refusal's branch.

A refused transaction comes back from the chain as its receipt's reason code only (``raise_for`` makes a
``RegisterError`` of it); the API answers with the status of the class that code stands for, and the
client raises that class: ``not_a_party`` is a ``NotAParty`` (403), ``unknown_account`` an
``UnknownRecord`` (404), ``insufficient_free_shares`` an ``OverPledge`` (422). A code is either a class's
own (``errors.py``) or one of the contract reason codes in ``REASONS``; any other keeps the class it was
raised with.
"""

from __future__ import annotations

from pledgenet import errors


def _index(kind: type[errors.PledgenetError], found: dict[str, type[errors.PledgenetError]]) -> None:
    found.setdefault(kind.code, kind)
    for sub in kind.__subclasses__():
        _index(sub, found)


#: error classes by their own code (breadth of the tree: a parent's code stays the parent's)
BY_CODE: dict[str, type[errors.PledgenetError]] = {}
_index(errors.PledgenetError, BY_CODE)


#: contract reason codes that are not a class's own code, by the class their handlers raise them with
REASONS: dict[str, type[errors.PledgenetError]] = {
    **dict.fromkeys(
        ("unknown_account", "unknown_security", "unknown_pledge", "unknown_holding", "unknown_contract",
         "unknown_freeze", "no_proposal"),
        errors.UnknownRecord,
    ),
    **dict.fromkeys(
        ("insufficient_free_shares", "insufficient_frozen_shares", "exceeds_holding"), errors.OverPledge
    ),
    **dict.fromkeys(
        ("stock_cap_exceeded", "pledgee_cap_exceeded", "product_cap_exceeded"), errors.CapExceeded
    ),
    **dict.fromkeys(
        ("amount_below_minimum", "lines_inconsistent", "use_of_funds_forbidden", "pledge_rate_exceeded",
         "term_too_long"),
        errors.TermsViolation,
    ),
    **dict.fromkeys(
        ("already_member", "already_voted", "proposal_closed", "proposal_expired", "bad_action",
         "unknown_param", "bad_param", "not_member", "last_governor"),
        errors.GovernanceError,
    ),
}  # fmt: skip
for _code, _kind in REASONS.items():
    BY_CODE.setdefault(_code, _kind)


def kind_of(error: errors.PledgenetError) -> type[errors.PledgenetError]:
    """The most specific class ``error`` stands for: its code's class when that is one of its own kind."""
    named = BY_CODE.get(error.code)
    return named if named is not None and issubclass(named, type(error)) else type(error)
