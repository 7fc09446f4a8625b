"""What the chain says that the valuation depends on: who plays which role, the series of closes, and the
corporate actions that change the share basis.

Roles. The registrar, the regulator and the exchange are whoever holds that role in the members'
governance records (``gov/member/<org>``); nothing here knows a member's id.

Share basis. A bonus issue, a transfer of reserves into shares or a split changes how many shares a
holder has and, on its ex-date, the price of each. Two members record it: the exchange announces it with a
dated notice (``market.notice``), and the registrar applies the new quantities to every holding, pledge and
freeze (``register.corporate_action``, no date). The risk engine values the register's quantities as they
stand, so every close is put on the register's current basis:

    close in register basis = close x F(day) / F(register)

where F(day) is the product of the ratios of the notices with an ex-date on or before that day and
F(register) the product of the ratios the register has applied. A 10-for-10 transfer applied by the register
halves the closes before the ex-date and leaves the ones after it: the series shows no crash, and a
contract's ratio does not move across the ex-date. A notice the register has not applied yet (its ex-date
has passed, the register's quantities are the old ones) scales the closes up instead, so the value is
right either way, and the stock is listed as ``pending``. The register's applied actions are read from the
history of the security's record (the transactions that changed its share capital) and must match the
exchange's notices in order; anything else raises ``CorporateActionMismatch``: a close that cannot be put
on the register's basis is never used.

Cash dividends. A cash dividend paid on pledged shares is pledged with them (the registrar's rules on
fruits of pledged shares), so on its ex-date the price falls and the pledged dividends rise by the same
amount: ``dividends_per_share`` is the cumulative cash paid per current share, by day and stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from pledgenet.contracts import market as market_contract
from pledgenet.contracts.governance import MEMBER_PREFIX, member_key, members_with_role
from pledgenet.contracts.register import keys
from pledgenet.errors import CorporateActionMismatch, DataError, NotFound
from pledgenet.risk.pledge_book import BoolArray, FloatArray, IntArray

ROLE_REGISTRAR, ROLE_REGULATOR, ROLE_EXCHANGE = "registrar", "regulator", "exchange"


class StateReader(Protocol):
    def get(self, key: str) -> Any: ...

    def range(self, prefix: str) -> Iterable[tuple[str, Any]]: ...


class ChainReader(StateReader, Protocol):
    """A peer: world state plus the history of a key and the transactions (for the register's actions)."""

    def history(self, key: str) -> Sequence[Any]: ...

    def tx(self, tx_id: str) -> Any: ...


def day_number(trade_date: str) -> int:
    """Day number since 1970-01-01 of a YYYY-MM-DD date."""
    try:
        return int(np.datetime64(trade_date, "D").astype(np.int64))
    except ValueError:
        raise DataError(f"{trade_date!r} is not a date written YYYY-MM-DD") from None


# ---------------------------------------------------------------- roles


@dataclass(frozen=True)
class Overseers:
    """The members every alert and every sealed term also goes to, found by role."""

    registrars: tuple[str, ...]
    regulators: tuple[str, ...]
    exchanges: tuple[str, ...]

    @property
    def supervisor(self) -> str:
        """The member whose view covers the whole book: the first regulator (else the first registrar)."""
        for orgs in (self.regulators, self.registrars):
            if orgs:
                return orgs[0]
        raise NotFound("the alliance has no member with the regulator or the registrar role")


def overseers(reader: StateReader) -> Overseers:
    return Overseers(
        registrars=tuple(members_with_role(reader, ROLE_REGISTRAR)),
        regulators=tuple(members_with_role(reader, ROLE_REGULATOR)),
        exchanges=tuple(members_with_role(reader, ROLE_EXCHANGE)),
    )


def check_member(reader: StateReader, org: str) -> None:
    """Raise a clear ``NotFound`` when ``org`` is not a member of the alliance."""
    if reader.get(member_key(org)) is None:
        known = sorted(record["org"] for _, record in reader.range(MEMBER_PREFIX))
        raise NotFound(f"{org!r} is not a member of this alliance; members: {', '.join(known)}")


# ---------------------------------------------------------------- corporate actions


@dataclass(frozen=True)
class ShareAction:
    """A change of share basis announced by the exchange: shares become ``shares x ratio`` on ``ex_day``."""

    kind: str
    ex_date: str
    ex_day: int
    ratio: Fraction


@dataclass(frozen=True)
class CashDividend:
    ex_date: str
    ex_day: int
    #: fen per share, on the share basis in force on the ex-date
    fen_per_share: Fraction


@dataclass(frozen=True)
class ShareBasis:
    """One stock's corporate actions: the exchange's notices and how many of them the register applied."""

    code: str
    actions: tuple[ShareAction, ...] = ()
    applied: int = 0
    dividends: tuple[CashDividend, ...] = ()

    def register_ratio(self) -> Fraction:
        ratio = Fraction(1)
        for action in self.actions[: self.applied]:
            ratio *= action.ratio
        return ratio

    def factor_on(self, day: int) -> Fraction:
        """What a close of ``day`` is multiplied by to be on the register's current basis."""
        ratio = Fraction(1)
        for action in self.actions:
            if action.ex_day <= day:
                ratio *= action.ratio
        return ratio / self.register_ratio()

    def pending(self, day: int) -> list[ShareAction]:
        """Actions in force on ``day`` that the register has not applied yet."""
        return [action for action in self.actions[self.applied :] if action.ex_day <= day]

    def dividend_per_share(self, day: int) -> float:
        """Cash paid per current (register-basis) share by dividends with an ex-date on or before ``day``."""
        return float(
            sum(
                (d.fen_per_share * self.factor_on(d.ex_day) for d in self.dividends if d.ex_day <= day),
                Fraction(0),
            )
        )


def _notices(reader: StateReader, code: str) -> tuple[list[ShareAction], list[CashDividend]]:
    actions, dividends = [], []
    for notice in market_contract.notices(reader, code):
        kind, ex_date = notice["kind"], str(notice["ex_date"])
        if kind in ("bonus_shares", "transfer_shares"):
            ratio = Fraction(10 + int(notice["per_10_shares"]), 10)
            actions.append(ShareAction(kind, ex_date, day_number(ex_date), ratio))
        elif kind == "split":
            ratio = Fraction(int(notice["numerator"]), int(notice["denominator"]))
            actions.append(ShareAction(kind, ex_date, day_number(ex_date), ratio))
        elif kind == "cash_dividend":
            fen = Fraction(int(notice["per_10_shares"]), 10)
            dividends.append(CashDividend(ex_date, day_number(ex_date), fen))
    actions.sort(key=lambda action: (action.ex_day, action.kind))
    dividends.sort(key=lambda dividend: dividend.ex_day)
    return actions, dividends


def register_actions(reader: ChainReader, code: str) -> list[Fraction]:
    """The ratios of the corporate actions the register applied to ``code``, in commit order."""
    ratios: list[Fraction] = []
    previous: Any = None
    for version in reader.history(keys.security(code)):
        total = None if version.value is None else version.value.get("total_shares")
        if previous is not None and total is not None and total != previous:
            receipt = reader.tx(version.tx_id).receipt
            for event in receipt.events:
                payload = event.get("payload", {})
                if event.get("name") == "register.corporate_action" and payload.get("code") == code:
                    ratios.append(Fraction(int(payload["numerator"]), int(payload["denominator"])))
        previous = total if total is not None else previous
    return ratios


def share_basis(reader: ChainReader, code: str) -> ShareBasis:
    """``code``'s notices matched with the register's applied actions (in order, same ratios)."""
    actions, dividends = _notices(reader, code)
    applied = register_actions(reader, code)
    expected = [action.ratio for action in actions[: len(applied)]]
    if applied != expected:
        announced = ", ".join(f"{a.kind} {a.ratio} on {a.ex_date}" for a in actions) or "none"
        done = ", ".join(str(ratio) for ratio in applied)
        raise CorporateActionMismatch(
            f"{code}: the register applied share ratios {done} but the exchange announced {announced}; "
            "its closes cannot be put on the register's share basis"
        )
    return ShareBasis(code=code, actions=tuple(actions), applied=len(applied), dividends=tuple(dividends))


# ---------------------------------------------------------------- the series of closes


@dataclass(frozen=True)
class PriceHistory:
    """The on-chain closes of the last trading days for the market's stocks, on the register's basis."""

    trade_dates: tuple[str, ...]
    days: IntArray
    #: (days x stocks) closes in fen on the register's current share basis; NaN: no close that day
    price_fen: FloatArray
    #: (days x stocks) cumulative cash dividends per current share with an ex-date up to that day
    dividend_per_share_fen: FloatArray
    late: BoolArray
    suspended: list[tuple[str, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.days)


def load_history(
    reader: StateReader, codes: Sequence[str], bases: dict[str, ShareBasis], until: str, count: int
) -> PriceHistory:
    """The closes of ``codes`` over the last ``count`` published trading days up to ``until``."""
    records = market_contract.close_series(reader, until, count)
    days = np.array([day_number(str(r["trade_date"])) for r in records], dtype=np.int64)
    price = np.full((len(records), len(codes)), np.nan)
    dividends = np.zeros((len(records), len(codes)))
    suspended: list[tuple[str, str]] = []
    for t, record in enumerate(records):
        closes, stopped = record["closes"], set(record["suspended"])
        for s, code in enumerate(codes):
            basis = bases.get(code) or ShareBasis(code)
            if code in closes:
                price[t, s] = closes[code] * float(basis.factor_on(int(days[t])))
            elif code in stopped:
                suspended.append((str(record["trade_date"]), code))
            dividends[t, s] = basis.dividend_per_share(int(days[t]))
    return PriceHistory(
        trade_dates=tuple(str(r["trade_date"]) for r in records),
        days=days,
        price_fen=price,
        dividend_per_share_fen=dividends,
        late=np.array([bool(r["late"]) for r in records], dtype=bool),
        suspended=suspended,
    )


def pledged_dividends_fen(
    shares: IntArray, stock: IntArray, start_day: IntArray, bases: Sequence[ShareBasis], day: int
) -> FloatArray:
    """Cash dividends on each contract's pledged shares with an ex-date after its start, up to ``day``
    (the shares are taken as pledged in their current quantity the whole time)."""
    out = np.zeros(len(shares))
    for row in np.flatnonzero(np.isin(stock, [s for s, b in enumerate(bases) if b.dividends])):
        basis = bases[int(stock[row])]
        since = basis.dividend_per_share(day) - basis.dividend_per_share(int(start_day[row]))
        out[row] = float(shares[row]) * max(0.0, since)
    return out
