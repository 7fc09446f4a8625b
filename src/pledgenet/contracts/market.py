"""The market contract: the exchange member publishes daily closing prices and corporate-action notices.

Every member values collateral with the same on-chain closes, so their guarantee ratios agree. A close
is a signed transaction of a member with the ``exchange`` role; what is missing stays visible:

- a trading day's closes are published once and never rewritten (a correction is a new notice, not a
  silent overwrite), and days only move forward;
- a stock without a close that day is either listed as ``suspended`` by the exchange or simply absent:
  ``price_vector`` reports it as missing and the risk engine refuses to value it (``MissingPrice``),
  it never carries an old price forward on its own;
- a publication after the deadline (``market.close_deadline_minutes`` after local midnight, UTC+8, of the
  trade date; 20:00 by default) is accepted but marked ``late`` and announced with a ``market.close_late``
  event, so a late price is visible to everyone.

State::

    mkt/close/<YYYY-MM-DD>                 {"trade_date", "closes": {code: fen}, "suspended": [codes],
                                            "publisher", "published_at", "late"}
    mkt/latest                             {"trade_date"}
    mkt/notice/<code>/<ex_date>/<kind>     a corporate-action notice

Corporate actions: a ``cash_dividend`` (``per_10_shares`` fen per 10 shares), ``bonus_shares`` and
``transfer_shares`` (``per_10_shares`` new shares per 10 held: the share basis grows by (10 + n) / 10) and a
``split`` (``numerator`` / ``denominator``: 2 / 1 doubles the shares, 1 / 10 consolidates them). The register
applies the change of quantities (``register.corporate_action``, the same ratio); the exchange's notice
dates it, so the risk engine can put every close of the series on the register's current share basis
(``pledgenet.risk.chain``). A notice that changes prices must be announced before its ex-date: it is refused
once a close on or after its ex-date is published, so no published close is on an unannounced basis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from pledgenet.errors import MarketDataError
from pledgenet.ledger.contract_api import Contract, TxContext

CLOSE = "mkt/close/"
LATEST = "mkt/latest"
NOTICE = "mkt/notice/"
DEADLINE_PARAM = "market.close_deadline_minutes"
NOTICE_KINDS = (
    "cash_dividend",
    "bonus_shares",
    "transfer_shares",
    "split",
    "suspension",
    "resumption",
    "delisting",
)
#: notices that change the share basis (quantities held and pledged, and prices with them)
SHARE_ACTIONS = ("bonus_shares", "transfer_shares", "split")
#: notices that move the price on their ex-date
PRICE_ACTIONS = ("cash_dividend", *SHARE_ACTIONS)
_MAX_RATIO_TERM = 1_000
_UTC_OFFSET_MINUTES = 8 * 60
_DAY_MS = 86_400_000
_MAX_CODES = 10_000

contract = Contract(name="market", default_params={DEADLINE_PARAM: 20 * 60})


def _trade_day(value: Any, name: str = "trade_date") -> int:
    """Day number (since 1970-01-01) of an ISO date string; refuses anything else."""
    if type(value) is not str or len(value) != 10:
        raise MarketDataError(f"'{name}' must be a date written YYYY-MM-DD")
    try:
        return (dt.date.fromisoformat(value) - dt.date(1970, 1, 1)).days
    except ValueError:
        raise MarketDataError(f"'{name}' {value!r} is not a valid date") from None


def _code(value: Any) -> str:
    if type(value) is not str or not 1 <= len(value) <= 12 or not value.isalnum():
        raise MarketDataError(f"security code {value!r} must be 1 to 12 letters or digits")
    return value


def local_day(block_time_ms: int) -> int:
    """The exchange's calendar day (UTC+8) of a block time."""
    return (block_time_ms + _UTC_OFFSET_MINUTES * 60_000) // _DAY_MS


@contract.operation("publish_closes")
def publish_closes(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Exchange: the closing prices (fen) of one trading day, and the stocks suspended that day."""
    ctx.require_role("exchange")
    trade_date = args.get("trade_date")
    day = _trade_day(trade_date)
    closes = args.get("closes")
    suspended = args.get("suspended", [])
    if type(closes) is not dict or not closes:
        raise MarketDataError("'closes' must be a non-empty object of security code -> price in fen")
    if type(suspended) is not list:
        raise MarketDataError("'suspended' must be a list of security codes")
    if len(closes) + len(suspended) > _MAX_CODES:
        raise MarketDataError(f"at most {_MAX_CODES} securities per publication")
    for code, price in closes.items():
        _code(code)
        if type(price) is not int or price <= 0:
            raise MarketDataError(f"the close of {code} must be a positive integer number of fen")
    suspended_codes = sorted({_code(code) for code in suspended})
    both = sorted(set(suspended_codes) & set(closes))
    if both:
        raise MarketDataError(f"{both[0]} cannot have a close and be suspended on the same day")
    if day > local_day(ctx.block_time):
        raise MarketDataError(f"closes of {trade_date} cannot be published before that day")
    if ctx.get(CLOSE + str(trade_date)) is not None:
        raise MarketDataError(f"the closes of {trade_date} are already published; they are never rewritten")
    latest = ctx.get(LATEST)
    if latest is not None and _trade_day(latest["trade_date"]) >= day:
        raise MarketDataError(f"closes must move forward: {latest['trade_date']} is already published")

    deadline_ms = day * _DAY_MS + (int(ctx.param(DEADLINE_PARAM)) - _UTC_OFFSET_MINUTES) * 60_000
    late = ctx.block_time > deadline_ms
    ctx.put(
        CLOSE + str(trade_date),
        {
            "trade_date": trade_date,
            "closes": dict(closes),
            "suspended": suspended_codes,
            "publisher": ctx.submitter,
            "published_at": ctx.block_time,
            "late": late,
        },
    )
    ctx.put(LATEST, {"trade_date": trade_date})
    payload = {
        "trade_date": trade_date,
        "count": len(closes),
        "suspended": len(suspended_codes),
        "late": late,
    }
    ctx.emit("market.closes_published", payload)
    if late:
        ctx.emit("market.close_late", {"trade_date": trade_date, "published_at": ctx.block_time})
    return payload


@contract.operation("notice")
def notice(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Exchange: a corporate-action notice (dividend, bonus or transfer shares, split, suspension...)."""
    ctx.require_role("exchange")
    code = _code(args.get("code"))
    kind = args.get("kind")
    if kind not in NOTICE_KINDS:
        raise MarketDataError(f"unknown notice kind {kind!r}; known: {', '.join(NOTICE_KINDS)}")
    ex_date = args.get("ex_date")
    ex_day = _trade_day(ex_date, "ex_date")
    per_10 = args.get("per_10_shares", 0)
    if type(per_10) is not int or per_10 < 0:
        raise MarketDataError(
            "'per_10_shares' (shares, or fen of cash, per 10 shares) must be an integer >= 0"
        )
    if kind in ("cash_dividend", "bonus_shares", "transfer_shares") and per_10 == 0:
        raise MarketDataError(f"a {kind} notice needs 'per_10_shares' above 0")
    ratio: dict[str, int] = {}
    if kind == "split":
        for name in ("numerator", "denominator"):
            value = args.get(name)
            if type(value) is not int or not 1 <= value <= _MAX_RATIO_TERM:
                raise MarketDataError(f"a split needs '{name}', an integer from 1 to {_MAX_RATIO_TERM}")
            ratio[name] = value
        if ratio["numerator"] == ratio["denominator"]:
            raise MarketDataError("a split of 1 for 1 changes nothing")
    latest = ctx.get(LATEST)
    if kind in PRICE_ACTIONS and latest is not None and _trade_day(latest["trade_date"]) >= ex_day:
        raise MarketDataError(
            f"a {kind} notice must come before its ex-date: closes of {latest['trade_date']} are published"
        )
    key = f"{NOTICE}{code}/{ex_date}/{kind}"
    if ctx.get(key) is not None:
        raise MarketDataError(f"a {kind} notice of {code} for {ex_date} is already published")
    record = {"code": code, "kind": kind, "ex_date": ex_date, "per_10_shares": per_10, **ratio,
              "publisher": ctx.submitter, "published_at": ctx.block_time}  # fmt: skip
    ctx.put(key, record)
    ctx.emit("market.notice", {"code": code, "kind": kind, "ex_date": ex_date})
    return {"key": key}


class StateReader(Protocol):
    def get(self, key: str) -> Any: ...

    def range(self, prefix: str) -> Iterable[tuple[str, Any]]: ...


def closes(reader: StateReader, trade_date: str) -> dict[str, Any] | None:
    """The published record of one trading day, or ``None`` when nothing was published for it."""
    value = reader.get(CLOSE + trade_date)
    return None if value is None else dict(value)


def latest_trade_date(reader: StateReader) -> str | None:
    value = reader.get(LATEST)
    return None if value is None else str(value["trade_date"])


def price_vector(reader: StateReader, trade_date: str, codes: Iterable[str]) -> dict[str, Any]:
    """Closes of ``codes`` on ``trade_date``: ``prices`` found, ``suspended`` and ``missing`` codes (a
    missing close is reported, never filled), and whether the day was published ``late``."""
    record = closes(reader, trade_date)
    published = {} if record is None else record["closes"]
    suspended_all = set() if record is None else set(record["suspended"])
    wanted = list(codes)
    return {
        "trade_date": trade_date,
        "published": record is not None,
        "late": bool(record and record["late"]),
        "prices": {code: published[code] for code in wanted if code in published},
        "suspended": [code for code in wanted if code in suspended_all],
        "missing": [code for code in wanted if code not in published and code not in suspended_all],
    }


def notices(reader: StateReader, code: str) -> list[dict[str, Any]]:
    return [dict(value) for _, value in reader.range(f"{NOTICE}{code}/")]


def close_series(reader: StateReader, until: str, count: int) -> list[dict[str, Any]]:
    """The published records of the last ``count`` trading days up to ``until``, oldest first."""
    records = [dict(value) for _, value in reader.range(CLOSE) if str(value["trade_date"]) <= until]
    return records[-count:] if count > 0 else []
