"""Load the risk engine's arrays from a peer's world state: the register's contracts and on-chain closes.

What each member sees is what it is entitled to read. The public part of every registration is in clear
on every peer, but the loan (amount, rate, lines, start price) is in the sealed terms envelope, readable
only by the pledgor's custody broker, the pledgee, the registrar and the regulator. The loader opens each
contract's envelope with the member's own X25519 key; a contract whose envelope does not name the member
is left out (counted in ``not_entitled``), so a broker's risk view covers its own book and the regulator's
covers everything. Nothing is guessed: a pledged stock without a close on the trade date (suspended, or
simply absent) raises ``MissingPrice`` (or, when asked, is left out and named in ``left_out``), never valued
at an older price.

Closes are put on the register's share basis and cash dividends on pledged shares are counted as pledged
dividends (``pledgenet.risk.chain``), so a bonus issue or a split shows no false crash. The series of closes
of the last trading days comes with the book, for the days each contract has stood below its lines.

What the chain does not hold comes from stated defaults: average daily volume (a daily turnover by
board) and daily volatility by board, used only by the cascade; the register keeps no control chain above
an account, so each pledgor is its own ultimate controller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pledgenet.contracts import market as market_contract
from pledgenet.contracts.governance import member_key
from pledgenet.contracts.register import keys
from pledgenet.crypto.envelope import open_envelope, recipients_of
from pledgenet.errors import CorporateActionMismatch, DataError, MissingPrice
from pledgenet.register.lookups import sealed_terms
from pledgenet.risk.chain import (
    ChainReader,
    Overseers,
    PriceHistory,
    ShareBasis,
    StateReader,
    check_member,
    day_number,
    load_history,
    overseers,
    pledged_dividends_fen,
    share_basis,
)
from pledgenet.risk.pledge_book import (
    BOARDS,
    FUNDING_COLLECTIVE_PLAN,
    FUNDING_OTHER,
    FUNDING_OWN,
    FUNDING_TARGETED_PLAN,
    LENDER_KINDS,
    LENDER_OTHER,
    Entities,
    FloatArray,
    Holdings,
    IntArray,
    Lenders,
    Market,
    PledgeBook,
)
from pledgenet.risk.valuation import DayCount, days_since_breach

OPEN_STATES = (keys.STATE_NOT_DUE, keys.STATE_DUE, keys.STATE_DEFAULT)
_FUNDING = {
    "00": FUNDING_OWN,
    "01": FUNDING_COLLECTIVE_PLAN,
    "02": FUNDING_TARGETED_PLAN,
    "03": FUNDING_OTHER,
}
#: trading days of closes loaded with a book (for the days each contract has stood below a line)
HISTORY_DAYS = 60


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
    #: the registrar(s), regulator(s) and exchange(s), found by role
    overseers: Overseers
    #: the closes of the last trading days up to ``trade_date`` (columns: the market's stocks)
    history: PriceHistory
    #: each market stock's corporate actions (aligned with the market's rows)
    bases: tuple[ShareBasis, ...] = ()
    #: stocks left out (only with ``allow_missing``), with the reason
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def missing_prices(self) -> list[str]:
        """Codes left out for want of a close on the trade date."""
        return [code for code, why in self.left_out.items() if why.startswith(("no close", "suspended"))]

    def pending_actions(self) -> list[str]:
        """Corporate actions in force on the trade date that the register has not applied yet."""
        return [
            f"{basis.code} {action.kind} {action.ratio} (ex {action.ex_date})"
            for basis in self.bases
            for action in basis.pending(self.as_of_day)
        ]

    def days_below(self, line: str = "closing", day_count: DayCount = DayCount.ACT_365) -> IntArray:
        """Calendar days each contract has stood below ``line`` over the on-chain closes (-1: not below)."""
        book, history = self.book, self.history
        start = np.asarray(
            [
                self.bases[s].dividend_per_share(int(d))
                for s, d in zip(book.stock, book.start_day, strict=True)
            ]
            if self.bases
            else np.zeros(book.size)
        )
        paid = history.dividend_per_share_fen[:, book.stock] - start[None, :]
        dividends: FloatArray = book.shares.astype(np.float64)[None, :] * np.maximum(0.0, paid)
        return days_since_breach(
            book, history.price_fen, history.days, line, day_count, dividends_history_fen=dividends
        )


def day_of(trade_date: str) -> int:
    return day_number(trade_date)


def load_market(
    reader: ChainReader,
    trade_date: str,
    *,
    allow_missing: bool = False,
    defaults: MarketDefaults | None = None,
) -> tuple[Market, dict[str, str], bool, tuple[ShareBasis, ...]]:
    """Every listed security with its close on ``trade_date`` on the register's share basis; (market,
    codes left out with the reason, whether the day was published late, each stock's share basis)."""
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
    left_out = {code: f"no close on {trade_date}" for code in found["missing"]}
    left_out.update({code: f"suspended on {trade_date}" for code in found["suspended"]})
    if left_out and not allow_missing:
        absent = sorted(left_out)
        raise MissingPrice(
            f"no close on {trade_date} for {', '.join(absent[:10])}" + (" ..." if len(absent) > 10 else "")
        )
    day = day_number(trade_date)
    bases: dict[str, ShareBasis] = {}
    for record in securities:
        code = record["code"]
        if code not in found["prices"]:
            continue
        try:
            bases[code] = share_basis(reader, code)
        except CorporateActionMismatch as mismatch:
            if not allow_missing:
                raise
            left_out[code] = mismatch.message
    priced = [record for record in securities if record["code"] in bases]
    industries = tuple(sorted({record["industry"] for record in priced})) or ("unclassified",)
    board = np.array([BOARDS.index(record["board"]) for record in priced], dtype=np.int64)
    total = np.array([record["total_shares"] for record in priced], dtype=np.int64)
    price = [found["prices"][r["code"]] * float(bases[r["code"]].factor_on(day)) for r in priced]
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
        price_fen=np.array(price, dtype=np.float64),
        adv_shares=total * np.asarray(defaults.daily_turnover)[board] if len(board) else np.zeros(0),
        daily_volatility=np.asarray(defaults.daily_volatility)[board] if len(board) else np.zeros(0),
    )
    return market, left_out, bool(found["late"]), tuple(bases[r["code"]] for r in priced)


def _lender_kind(reader: StateReader, org: str) -> int:
    member = reader.get(member_key(org)) or {}
    roles = set(member.get("roles", []))
    for index, kind in enumerate(LENDER_KINDS):
        if kind in roles:
            return index
    return LENDER_OTHER


def load_book(
    reader: ChainReader,
    org: str,
    encryption_private_key: X25519PrivateKey,
    trade_date: str,
    *,
    allow_missing: bool = False,
    defaults: MarketDefaults | None = None,
    history_days: int = HISTORY_DAYS,
) -> LoadedBook:
    """The open contracts ``org`` may read, valued at the closes of ``trade_date``."""
    check_member(reader, org)
    market, left_out, late, bases = load_market(
        reader, trade_date, allow_missing=allow_missing, defaults=defaults
    )
    row_of = {str(code): row for row, code in enumerate(market.codes)}
    rows: list[dict[str, Any]] = []
    not_entitled = 0
    for _, record in reader.range(keys.CONTRACT):
        if record["state"] not in OPEN_STATES or not record["open_registrations"]:
            continue
        if record["code"] not in row_of:
            continue  # no close: named in ``left_out`` (only reachable with allow_missing)
        registrations = [reader.get(keys.pledge(number)) for number in record["open_registrations"]]
        initial = reader.get(keys.pledge(record["registrations"][0]))
        if initial is None or any(item is None for item in registrations):
            raise DataError(
                f"contract {record['contract_no']} refers to a registration that is not on this peer"
            )
        sealed = sealed_terms(reader, initial)
        if org not in recipients_of(sealed):
            not_entitled += 1
            continue
        terms = open_envelope(sealed, org, encryption_private_key)
        amounts = [
            open_envelope(sealed_terms(reader, item), org, encryption_private_key) for item in registrations
        ]
        rows.append({"record": record, "terms": terms, "registrations": registrations, "amounts": amounts})
    day = day_number(trade_date)
    book = _arrays(reader, market, row_of, rows)
    dividends = pledged_dividends_fen(book.shares, book.stock, book.start_day, bases, day)
    book = replace(book, dividends_fen=np.round(dividends).astype(np.int64))
    return LoadedBook(
        market=market,
        book=book,
        as_of_day=day,
        trade_date=trade_date,
        late=late,
        not_entitled=not_entitled,
        overseers=overseers(reader),
        history=load_history(
            reader,
            [str(c) for c in market.codes],
            dict(zip(market.codes, bases, strict=True)),
            trade_date,
            history_days,
        ),
        bases=bases,
        left_out=left_out,
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
        begin = market_contract.local_day(int(registrations[0]["registered_at"]))
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
            names=column([(reader.get(member_key(o)) or {}).get("name", o) for o in lender_orgs], str),
            kind=column([_lender_kind(reader, o) for o in lender_orgs], np.int64),
        ),
        product_names=tuple(products),
    )
