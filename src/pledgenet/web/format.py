"""How values read on a page or in a report: amounts in CNY (fen -> yuan) with thousands separators, large
exposures in readable units (亿元 / CNY bn), ratios as percentages, dates and times in the market's calendar
(Shanghai, UTC+8), and a label instead of ``NaN`` or ``None`` for a figure that does not apply.

Every formatter takes the page's language (``zh-CN`` or ``en``) and returns text; ``cell`` picks one by a
column's kind (see ``columns.COLUMNS``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from pledgenet.web.i18n import DEFAULT_LANGUAGE, translate

#: the market's calendar: every date and time on a page is Shanghai time
MARKET_TZ = dt.timezone(dt.timedelta(hours=8))
#: what a page shows where a figure does not apply (a cap that does not bind, no close yet)
NOT_APPLICABLE = "—"


def missing(value: Any) -> bool:
    """True for ``None``, ``NaN`` and the infinities (a ratio with nothing owed)."""
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def yuan(fen: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """An exact amount in fen as yuan with thousands separators: ``¥2,368,000,000.00``."""
    if missing(fen):
        return NOT_APPLICABLE
    return f"¥{float(fen) / 100:,.2f}"


def exposure(fen: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A large amount in readable units: ``23.68 亿元`` / ``CNY 2.37 bn`` (``万元`` / ``m`` when smaller)."""
    if missing(fen):
        return NOT_APPLICABLE
    yuan_value = float(fen) / 100
    if lang == "en":
        for size, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
            if abs(yuan_value) >= size:
                return f"CNY {yuan_value / size:,.2f} {unit}"
        return f"CNY {yuan_value:,.0f}"
    for size, unit in ((1e12, "万亿元"), (1e8, "亿元"), (1e4, "万元")):
        if abs(yuan_value) >= size:
            return f"{yuan_value / size:,.2f} {unit}"
    return f"{yuan_value:,.0f} 元"


def price(fen: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A share price in fen as yuan: ``¥18.35``."""
    if missing(fen):
        return NOT_APPLICABLE
    return f"¥{float(fen) / 100:,.2f}"


def percent(fraction: Any, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.1534`` -> ``15.3%``."""
    if missing(fraction):
        return NOT_APPLICABLE
    return f"{float(fraction) * 100:,.{digits}f}%"


def basis_points(bp: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """Basis points as a percentage: ``16000`` -> ``160.00%``."""
    if missing(bp):
        return NOT_APPLICABLE
    return f"{int(bp) / 100:,.2f}%"


def integer(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A count or a quantity of shares with thousands separators."""
    if missing(value):
        return NOT_APPLICABLE
    return f"{round(float(value)):,}"


def timestamp(ms: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """Milliseconds since the epoch as Shanghai time: ``2024-12-06 15:02:11``."""
    if missing(ms):
        return NOT_APPLICABLE
    moment = dt.datetime.fromtimestamp(int(ms) / 1000, MARKET_TZ)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def trade_date(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A trade date (``YYYY-MM-DD`` or a day number since 1970-01-01) with its weekday."""
    if missing(value) or value == "":
        return NOT_APPLICABLE
    if isinstance(value, (int, float)):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=int(value))
    else:
        day = dt.date.fromisoformat(str(value)[:10])
    weekday = translate(f"weekday.{day.weekday()}", lang)
    return f"{day.isoformat()} {weekday}"


def yes_no(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    if missing(value):
        return NOT_APPLICABLE
    return translate("yes" if value else "no", lang)


def text(value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """Identifiers and names as they are; lists joined; a status or code word translated when known."""
    if missing(value) or value == "":
        return NOT_APPLICABLE
    if isinstance(value, (list, tuple)):
        return ", ".join(text(item, lang) for item in value) or NOT_APPLICABLE
    if isinstance(value, dict):
        return ", ".join(f"{key}: {text(item, lang)}" for key, item in value.items())
    return translate(f"value.{value}", lang, default=str(value))


FORMATTERS: dict[str, Callable[[Any, str], str]] = {
    "yuan": yuan,
    "exposure": exposure,
    "price": price,
    "pct": percent,
    "bp": basis_points,
    "int": integer,
    "time": timestamp,
    "date": trade_date,
    "bool": yes_no,
    "text": text,
}


def cell(value: Any, kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``value`` in the format of ``kind`` (a key of ``FORMATTERS``); a word where a figure was expected
    (a sealed field reads ``sealed (not entitled)``) is shown as a word."""
    if isinstance(value, str) and kind not in ("text", "date"):
        return text(value, lang)
    return FORMATTERS[kind](value, lang)
