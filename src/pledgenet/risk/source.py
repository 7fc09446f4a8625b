"""Load the risk engine's arrays from a peer's world state: the register's contracts and on-chain closes.

What each member sees is what it is entitled to read. The public part of every registration is in clear
on every peer, but the loan (amount, rate, lines, start price) is in the sealed terms envelope, readable
only by the pledgor's custody broker, the pledgee, the registrar and the regulator. The loader opens each
contract's envelope with the member's own X25519 key; a contract whose envelope does not name the member
is left out (counted in ``not_entitled``), so a broker's risk view covers its own book and the regulator's
covers everything. Nothing is guessed: a pledged stock without a close on the trade date raises
``MissingPrice`` (or, when asked, is left out and listed), never valued at an older price.

What the chain does not hold comes from stated defaults: average daily volume (a daily turnover by
board) and daily volatility by board, used only by the cascade; pledged dividends are taken as zero; the
register keeps no control chain above an account, so each pledgor is its own ultimate controller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pledgenet.contracts import market as market_contract
from pledgenet.contracts.registry import keys
from pledgenet.crypto.envelope import open_envelope, recipients_of
from pledgenet.errors import DataError, MissingPrice
from pledgenet.risk.book import (
    BOARDS,
    FUNDING_COLLECTIVE_PLAN,
    FUNDING_OTHER,
    FUNDING_OWN,
    FUNDING_TARGETED_PLAN,
    LENDER_KINDS,
    LENDER_OTHER,
    Entities,
    Holdings,
    Lenders,
    Market,
    PledgeBook,
)

OPEN_STATES = (keys.STATE_NOT_DUE, keys.STATE_DUE, keys.STATE_DEFAULT)
_FUNDING = {
    "00": FUNDING_OWN,
    "01": FUNDING_COLLECTIVE_PLAN,
    "02": FUNDING_TARGETED_PLAN,
    "03": FUNDING_OTHER,
}
_DAY_MS = 86_400_000


class StateReader(Protocol):
    def get(self, key: str) -> Any: ...

    def range(self, prefix: str) -> Iterable[tuple[str, Any]]: ...


@dataclass(frozen=True)
class MarketDefaults:
    """Figures the chain does not carry, by board (main, ChiNext, STAR)."""

    daily_turnover: tuple[float, float, float] = (0.015, 0.03, 0.025)
    daily_volatility: tuple[float, float, float] = (0.022, 0.030, 0.033)


@dataclass(frozen=True)
class LoadedBook:
    """What one member's peer yields: the market at the trade date's closes and the book it may read."""

    market: Market
    book: PledgeBook
    as_of_day: int
    trade_date: str
    late: bool
    not_entitled: int
    #: stocks left out for want of a close (only with ``allow_missing``)
    missing_prices: list[str] = field(default_factory=list)


def day_of(trade_date: str) -> int:
    try:
        return (dt.date.fromisoformat(trade_date) - dt.date(1970, 1, 1)).days
    except ValueError:
        raise DataError(f"{trade_date!r} is not a date written YYYY-MM-DD") from None


def load_market(
    reader: StateReader,
    trade_date: str,
    *,
    allow_missing: bool = False,
    defaults: MarketDefaults | None = None,
) -> tuple[Market, list[str], bool]:
    """Every listed security with its close on ``trade_date``; (market, codes without a close, late)."""
    defaults = defaults or MarketDefaults()
    securities = [record for _, record in reader.range(keys.SECURITY) if record["listed"]]
    for record in securities:
        if record["board"] not in BOARDS:
            raise DataError(
                f"{record['code']} is on the {record['board']} board, which the risk engine does not model"
            )
    found = market_contract.price_vector(reader, trade_date, [record["code"] for record in securities])
    if not found["published"]:
        raise MissingPrice(f"no closing prices were published for {trade_date}")
    absent = found["missing"] + found["suspended"]
    if absent and not allow_missing:
        raise MissingPrice(
            f"no close on {trade_date} for {', '.join(absent[:10])}" + (" ..." if len(absent) > 10 else "")
        )
    priced = [record for record in securities if record["code"] in found["prices"]]
    industries = tuple(sorted({record["industry"] for record in priced})) or ("unclassified",)
    board = np.array([BOARDS.index(record["board"]) for record in priced], dtype=np.int64)
    total = np.array([record["total_shares"] for record in priced], dtype=np.int64)
    market = Market(
        codes=np.array([record["code"] for record in priced], dtype=str),
        names=np.array([record["short_name"] for record in priced], dtype=str),
        board=board,
        industry=np.array([industries.index(record["industry"]) for record in priced], dtype=np.int64),
        industry_names=industries,
        is_st=np.array(
            [record["short_name"].upper().startswith(("ST", "*ST")) for record in priced], dtype=bool
        ),
        total_shares=total,
        price_fen=np.array([found["prices"][record["code"]] for record in priced], dtype=np.float64),
        adv_shares=total * np.asarray(defaults.daily_turnover)[board] if len(board) else np.zeros(0),
        daily_volatility=np.asarray(defaults.daily_volatility)[board] if len(board) else np.zeros(0),
    )
    return market, absent, bool(found["late"])


def _lender_kind(reader: StateReader, org: str) -> int:
    member = reader.get("gov/member/" + org) or {}
    roles = set(member.get("roles", []))
    for index, kind in enumerate(LENDER_KINDS):
        if kind in roles:
            return index
    return LENDER_OTHER


def load_book(
    reader: StateReader,
    org: str,
    encryption_private_key: X25519PrivateKey,
    trade_date: str,
    *,
    allow_missing: bool = False,
    defaults: MarketDefaults | None = None,
) -> LoadedBook:
    """The open contracts ``org`` may read, valued at the closes of ``trade_date``."""
    market, absent, late = load_market(reader, trade_date, allow_missing=allow_missing, defaults=defaults)
    row_of = {str(code): row for row, code in enumerate(market.codes)}
    rows: list[dict[str, Any]] = []
    not_entitled = 0
    for _, record in reader.range(keys.CONTRACT):
        if record["state"] not in OPEN_STATES or not record["open_registrations"]:
            continue
        if record["code"] not in row_of:
            continue  # no close: listed in ``missing_prices`` (only reachable with allow_missing)
        registrations = [reader.get(keys.pledge(number)) for number in record["open_registrations"]]
        initial = reader.get(keys.pledge(record["registrations"][0]))
        if initial is None or any(item is None for item in registrations):
            raise DataError(
                f"contract {record['contract_no']} refers to a registration that is not on this peer"
            )
        if org not in recipients_of(initial["terms"]):
            not_entitled += 1
            continue
        terms = open_envelope(initial["terms"], org, encryption_private_key)
        amounts = [open_envelope(item["terms"], org, encryption_private_key) for item in registrations]
        rows.append({"record": record, "terms": terms, "registrations": registrations, "amounts": amounts})
    return LoadedBook(
        market=market,
        book=_arrays(reader, market, row_of, rows),
        as_of_day=day_of(trade_date),
        trade_date=trade_date,
        late=late,
        not_entitled=not_entitled,
        missing_prices=absent,
    )


def _arrays(
    reader: StateReader, market: Market, row_of: Mapping[str, int], rows: list[dict[str, Any]]
) -> PledgeBook:
    accounts = sorted({row["record"]["account"] for row in rows})
    account_records = {number: reader.get(keys.account(number)) or {} for number in accounts}
    positions = sorted({(row["record"]["code"], row["record"]["account"]) for row in rows})
    position_of = {position: index for index, position in enumerate(positions)}
    held = []
    for code, account in positions:
        holding = reader.get(keys.holding(code, account)) or {}
        held.append(sum(holding.get(share_class, {}).get("held", 0) for share_class in keys.SHARE_CLASSES))
    lender_orgs = sorted(
        {row["record"]["pledgee"]["org"] for row in rows} | {row["record"]["custody_broker"] for row in rows}
    )
    products = sorted({row["record"]["product"] for row in rows if row["record"]["product"]})
    entity_of = {account: index for index, account in enumerate(accounts)}

    def column(values: list[Any], dtype: Any) -> np.ndarray:
        return np.array(values, dtype=dtype)

    principal, shares, restricted, start, maturity = [], [], [], [], []
    for row in rows:
        terms, registrations = row["terms"], row["registrations"]
        principal.append(sum(int(item.get("amount_fen", 0)) for item in row["amounts"]))
        shares.append(sum(int(item["quantity"]) for item in registrations))
        restricted.append(any(item["share_class"] == keys.RESTRICTED for item in registrations))
        begin = int(registrations[0]["registered_at"]) // _DAY_MS
        start.append(begin)
        maturity.append(begin + int(terms["term_days"]))
    records = [row["record"] for row in rows]
    return PledgeBook(
        contract_ids=column([r["contract_no"] for r in records], str),
        holding=column([position_of[(r["code"], r["account"])] for r in records], np.int64),
        stock=column([row_of[r["code"]] for r in records], np.int64),
        pledgee=column([lender_orgs.index(r["pledgee"]["org"]) for r in records], np.int64),
        agent=column([lender_orgs.index(r["custody_broker"]) for r in records], np.int64),
        product=column([products.index(r["product"]) if r["product"] else -1 for r in records], np.int64),
        funding=column([_FUNDING.get(r["lender_type"], FUNDING_OTHER) for r in records], np.int64),
        shares=column(shares, np.int64),
        restricted=column(restricted, bool),
        dividends_fen=np.zeros(len(rows), dtype=np.int64),
        principal_fen=column(principal, np.int64),
        rate_bp=column([int(row["terms"]["annual_rate_bp"]) for row in rows], np.int64),
        start_day=column(start, np.int64),
        maturity_day=column(maturity, np.int64),
        warning_line_bp=column([int(row["terms"]["warning_line_bp"]) for row in rows], np.int64),
        closing_line_bp=column([int(row["terms"]["closing_line_bp"]) for row in rows], np.int64),
        initial_price_fen=column([int(row["terms"]["start_price_fen"]) for row in rows], np.int64),
        entities=Entities(
            ids=column(accounts, str),
            names=column([account_records[a].get("holder_name", a) for a in accounts], str),
            is_institution=column([account_records[a].get("holder_type") == "1" for a in accounts], bool),
            parent=np.full(len(accounts), -1, dtype=np.int64),
        ),
        holdings=Holdings(
            entity=column([entity_of[account] for _, account in positions], np.int64),
            stock=column([row_of[code] for code, _ in positions], np.int64),
            shares=column(held, np.int64),
            is_controlling=column(
                [
                    code in account_records[account].get("controlling_shareholder_of", [])
                    for code, account in positions
                ],
                bool,
            ),
        ),
        lenders=Lenders(
            org=column(lender_orgs, str),
            names=column([(reader.get("gov/member/" + o) or {}).get("name", o) for o in lender_orgs], str),
            kind=column([_lender_kind(reader, o) for o in lender_orgs], np.int64),
        ),
        product_names=tuple(products),
    )
