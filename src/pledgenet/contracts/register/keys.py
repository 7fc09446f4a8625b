"""State keys of the pledge register, and the register's fixed vocabularies.

Every key lives under ``reg/``. The layout keeps the hot operations small: an initial pledge writes four
keys (security, holding, pledge, contract) and a release the same four, no matter how large the book is.
The per-stock pledge totals and the shares pledged to each pledgee and product (the 30% and 15% caps'
exposure) are kept inside the security record, which every pledge and release reads anyway, so the caps
cost no extra key and the weekly statistics are one range over ``reg/sec/`` rather than a scan of every
pledge.

    reg/sec/<code>                 security: capital, restricted shares, pledged totals, pledge count,
                                   shares pledged per pledgee org and per product (``exposure``)
    reg/acct/<account>             securities account: holder, custody broker, controlling-shareholder links
    reg/hold/<code>/<account>      holding: per share class held / pledged / frozen; pledges, freezes, queue
    reg/pledge/<registration_no>   one registration (initial or top-up): the 20 elements' public part
    reg/contract/<contract_no>     the pledge contract: parties, state, settlement type, its registrations
    reg/freeze/<freeze_id>         a judicial or queued freeze
    reg/disposal/<code>            forced sales of a stock inside the reduction rules' window
"""

from __future__ import annotations

PREFIX = "reg/"
SECURITY = "reg/sec/"
ACCOUNT = "reg/acct/"
HOLDING = "reg/hold/"
PLEDGE = "reg/pledge/"
CONTRACT = "reg/contract/"
FREEZE = "reg/freeze/"
DISPOSAL = "reg/disposal/"

#: the two share classes a holding is kept in (the registrar's restricted-share flag 0/1)
UNRESTRICTED = "unrestricted"
RESTRICTED = "restricted"
SHARE_CLASSES = (UNRESTRICTED, RESTRICTED)

#: boards a security is listed on
BOARDS = ("main", "chinext", "star", "bse")

#: exchange contract states
STATE_NOT_DUE = "0"
STATE_DUE = "1"
STATE_SETTLED = "2"
STATE_DEFAULT = "9"

#: settlement types
SETTLE_OPEN = "00"
SETTLE_EARLY = "01"
SETTLE_MATURITY = "02"
SETTLE_EXTENDED = "03"
SETTLE_TERMINATED = "04"
SETTLE_DISPOSAL = "09"

#: lender types: own funds, collective asset-management plan, targeted plan, other
LENDER_TYPES = ("00", "01", "02", "03")
PRODUCT_LENDER_TYPES = ("01", "02")

#: borrower types
BORROWER_INDIVIDUAL = "0"
BORROWER_INSTITUTION = "1"

#: use of funds: consumption, business, IPO subscription, private placement, secondary trading, other
USES_OF_FUNDS = ("00", "01", "02", "03", "04", "05")

#: business types of a registration (a sealed element)
BUSINESS_TYPES = ("financing_initial", "financing_top_up", "non_financing")

#: reasons a pledgee may declare a contract in default
DEFAULT_REASONS = ("closing_line", "failure_to_repurchase", "court_freeze", "delisting", "false_information")

#: pledge registration states
PLEDGE_ACTIVE = "active"
PLEDGE_RELEASED = "released"
PLEDGE_DISPOSED = "disposed"

#: freeze states
FREEZE_EFFECTIVE = "effective"
FREEZE_QUEUED = "queued"
FREEZE_LIFTED = "lifted"
FREEZE_TRANSFERRED = "transferred"


def security(code: str) -> str:
    return SECURITY + code


def account(account_no: str) -> str:
    return ACCOUNT + account_no


def holding(code: str, account_no: str) -> str:
    return f"{HOLDING}{code}/{account_no}"


def pledge(registration_no: str) -> str:
    return PLEDGE + registration_no


def contract(contract_no: str) -> str:
    return CONTRACT + contract_no


def freeze(freeze_id: str) -> str:
    return FREEZE + freeze_id


def product_lender(product: str) -> str:
    """An asset-management product's name in a security's exposure map (kept apart from org ids)."""
    return "product:" + product


def disposal(code: str) -> str:
    return DISPOSAL + code


def registration_no(tx_id: str, index: int = 0) -> str:
    """A registration number derived from the transaction, so every peer derives the same one."""
    return f"ZY{tx_id[:20].upper()}{index:02d}"


def freeze_id(tx_id: str) -> str:
    return f"DJ{tx_id[:20].upper()}"
