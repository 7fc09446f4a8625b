"""Register a slice of the simulated book through the real pledge register, and publish its closes.

Nothing is written around the register: accounts are opened, securities listed and every contract
pledged with ``RegisterClient`` (terms sealed for the entitled members, the registrar's review, every
peer's rule checks); closes are published by the exchange member through the market contract. The
simulated book is calibrated to the whole market (tens of thousands of contracts), far more than an
embedded demo alliance should carry, so a slice is registered: the contracts of a few lenders on stocks
pledged below the cap. Whatever the register refuses (a cap, the CNY 5 m minimum, the 60% pledge rate) is
counted by reason code, not hidden.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pledgenet.contracts.catalog import init_alliance
from pledgenet.contracts.market import local_day
from pledgenet.contracts.register.terms import make_terms
from pledgenet.demo.members import EXCHANGE, MEMBERS, REGISTRAR, REGULATOR
from pledgenet.errors import PledgenetError
from pledgenet.ledger.alliance import Alliance, MemberSpec
from pledgenet.register.client import Prepared, RegisterClient
from pledgenet.register.review import raise_for
from pledgenet.risk.pledge_book import (
    BOARDS,
    LENDER_BANK,
    LENDER_BROKER,
    LENDER_KINDS,
    LENDER_TRUST,
    Market,
    PledgeBook,
)

_MIN_AMOUNT_FEN = 500_000_000


@dataclass
class Registered:
    """What the registration of a simulated slice did."""

    directory: Path
    trade_date: str
    stocks: list[str]
    registered: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "trade_date": self.trade_date, "stocks": self.stocks,
                "registered": self.registered, "refused": self.refused}  # fmt: skip


def pick_slice(market: Market, book: PledgeBook, contracts: int, seed: int = 0) -> np.ndarray:
    """Rows of up to ``contracts`` contracts the register can take: the two busiest brokers, a bank and a
    trust as pledgees; at least CNY 5 m; stocks pledged below 40% in all; deterministic for a seed."""
    kind = book.lenders.kind
    busiest = np.argsort(-np.bincount(book.pledgee, minlength=book.lenders.size), kind="stable")
    chosen: list[int] = []
    for wanted, count in ((LENDER_BROKER, 2), (LENDER_BANK, 1), (LENDER_TRUST, 1)):
        chosen += [int(row) for row in busiest if kind[row] == wanted][:count]
    pledged = np.bincount(book.stock, weights=book.shares.astype(np.float64), minlength=market.size)
    ratio = pledged / market.total_shares
    ok = np.isin(book.pledgee, chosen) & (book.principal_fen >= _MIN_AMOUNT_FEN) & (ratio[book.stock] < 0.40)
    rows = np.flatnonzero(ok)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(rows, size=min(contracts, len(rows)), replace=False))


def register_slice(directory: Path, market: Market, book: PledgeBook, rows: np.ndarray) -> Registered:
    """A new alliance in ``directory`` holding the contracts ``rows`` of ``book``, and today's closes."""
    lenders = sorted({int(book.pledgee[row]) for row in rows})
    brokers = [str(book.lenders.org[i]) for i in lenders if book.lenders.kind[i] == LENDER_BROKER]
    if not brokers:
        raise PledgenetError("the slice needs at least one broker to keep the pledgors' accounts")
    # the infrastructure members of the demo set (registrar, regulator, exchange), then the slice's lenders
    infrastructure = {REGISTRAR, REGULATOR, EXCHANGE}
    members = [spec for spec in MEMBERS if spec.org in infrastructure] + [
        MemberSpec(
            str(book.lenders.org[i]),
            [LENDER_KINDS[int(book.lenders.kind[i])]],
            name=str(book.lenders.names[i]),
        )
        for i in lenders
    ]
    alliance = init_alliance(directory, members)
    try:
        return _fill(alliance, directory, market, book, rows, brokers)
    finally:
        alliance.close()


#: accounts opened per transaction (about 200 bytes each, well under the 64 KiB transaction limit)
ACCOUNTS_PER_TX = 200


def _fill(
    alliance: Alliance,
    directory: Path,
    market: Market,
    book: PledgeBook,
    rows: np.ndarray,
    brokers: list[str],
) -> Registered:
    registrar = RegisterClient(alliance, REGISTRAR)
    holdings = sorted({int(book.holding[row]) for row in rows})
    custody = {h: brokers[h % len(brokers)] for h in holdings}
    entity_names = book.entities.names
    accounts: list[Any] = [
        {
            "account": f"A{h:07d}",
            "holder_name": str(entity_names[book.holdings.entity[h]]),
            "holder_type": "1" if book.entities.is_institution[book.holdings.entity[h]] else "0",
            "custody_broker": custody[h],
            "controlling_shareholder_of": [str(market.codes[book.holdings.stock[h]])]
            if book.holdings.is_controlling[h]
            else [],
        }
        for h in holdings
    ]
    accounts.append(
        {
            "account": "FLOAT0001",
            "holder_name": "Public float",
            "holder_type": "0",
            "custody_broker": brokers[0],
        }
    )
    # one transaction per batch of accounts: a transaction is at most 64 KiB
    for start in range(0, len(accounts), ACCOUNTS_PER_TX):
        registrar.open_accounts(accounts[start : start + ACCOUNTS_PER_TX])
    stocks = sorted({int(book.stock[row]) for row in rows})
    listings: list[Prepared] = []
    for stock in stocks:
        mine = [h for h in holdings if book.holdings.stock[h] == stock]
        restricted = {
            h: int(book.shares[rows][(book.holding[rows] == h) & book.restricted[rows]].sum()) for h in mine
        }
        placements = [
            {
                "account": f"A{h:07d}",
                "unrestricted": int(book.holdings.shares[h]) - restricted[h],
                "restricted": restricted[h],
            }
            for h in mine
        ]
        total = int(market.total_shares[stock])
        placements.append(
            {"account": "FLOAT0001", "unrestricted": total - sum(int(book.holdings.shares[h]) for h in mine)}
        )
        listing = {
            "code": str(market.codes[stock]),
            "short_name": str(market.names[stock]),
            "board": BOARDS[int(market.board[stock])],
            "industry": market.industry_names[int(market.industry[stock])],
            "total_shares": total,
            "restricted_shares": sum(restricted.values()),
            "holdings": placements,
        }
        listings.append(("register.list_security", listing, [REGISTRAR]))
    for receipt in registrar.submit_many(listings):  # in a few blocks, not one each
        raise_for(receipt)
    result = Registered(directory=directory, trade_date="", stocks=[str(market.codes[s]) for s in stocks])
    refused: Counter[str] = Counter()
    prepared: list[Prepared] = []
    for row in rows:
        h = int(book.holding[row])
        terms = make_terms(
            amount_fen=int(book.principal_fen[row]),
            annual_rate_bp=int(book.rate_bp[row]),
            term_days=int(min(1_095, book.maturity_day[row] - book.start_day[row])),
            warning_line_bp=int(book.warning_line_bp[row]),
            closing_line_bp=int(book.closing_line_bp[row]),
            start_price_fen=int(book.initial_price_fen[row]),
        )
        product = int(book.product[row])
        try:
            prepared.append(RegisterClient(alliance, custody[h]).pledge_tx(
                contract_no=str(book.contract_ids[row]), account=f"A{h:07d}",
                code=str(market.codes[book.stock[row]]),
                quantity=int(book.shares[row]), pledgee=str(book.lenders.org[book.pledgee[row]]), terms=terms,
                share_class="restricted" if book.restricted[row] else "unrestricted",
                lender_type=f"0{int(book.funding[row])}" if product >= 0 else "00",
                product=book.product_names[product].replace(" ", "-") if product >= 0 else None,
            ))  # fmt: skip
        except PledgenetError as error:  # refused before signing (the submitter's own preflight)
            refused[error.code] += 1
    # every pledge in as few blocks as the orderer's limits allow, not one block (and wait) each
    for receipt in registrar.submit_many(prepared):
        if receipt.valid:
            result.registered += 1
        else:
            refused[receipt.code] += 1
    result.refused = dict(refused)
    day = local_day(alliance.clock())
    result.trade_date = str(np.datetime64(day, "D"))
    closes = {str(market.codes[s]): round(float(market.price_fen[s])) for s in stocks}
    alliance.submit("market.publish_closes", {"trade_date": result.trade_date, "closes": closes}, [EXCHANGE])
    return result
