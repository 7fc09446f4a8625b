"""Tables of the risk views for a person at a terminal: a few chosen columns, money in CNY millions with
thousands separators, ratios and shares as percentages, sized to fit 100 columns.

The views themselves (``pledgenet.risk.breakdowns``, ``stress``, ``cascade``) return every column in raw units
(fen, fractions); ``--json`` prints those. This module only chooses and formats what a table shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich import box
from rich.table import Table

#: (column of the frame, header, format): formats are text (never wrapped), note (wrapped text), bool, int,
#: cny (fen shown in CNY m), pct (a fraction shown as a percentage), price (fen shown in yuan)
Spec = Sequence[tuple[str, str, str]]

SPECS: dict[str, Spec] = {
    "stock": [("code", "code", "text"), ("name", "name", "text"), ("board", "board", "text"),
              ("pledges", "pledges", "int"), ("pledge_ratio", "pledged", "pct"),
              ("distance_to_cap", "to 50%", "pct"), ("pledged_value_fen", "value", "cny"),
              ("pledgee_hhi", "HHI", "int")],
    "shareholder": [("shareholder", "shareholder", "note"), ("code", "code", "text"),
                    ("controlling", "ctrl", "bool"), ("pledged_of_holding", "pledged", "pct"),
                    ("contracts", "contracts", "int"), ("owed_fen", "owed", "cny"),
                    ("min_ratio", "lowest", "pct"), ("worst_status", "worst", "text")],
    "controller": [("controller", "controller", "note"), ("companies", "companies", "int"),
                   ("contracts", "contracts", "int"), ("owed_fen", "owed", "cny"),
                   ("warning", "warning", "int"), ("triggered", "triggered", "int"),
                   ("ratio", "ratio", "pct"), ("min_ratio", "lowest", "pct")],
    "pledgee": [("org", "pledgee", "text"), ("kind", "kind", "text"), ("contracts", "contracts", "int"),
                ("exposure_fen", "exposure", "cny"), ("share_warning", "warning", "pct"),
                ("share_triggered", "triggered", "pct"), ("distance_to_firm_cap", "to 30%", "pct"),
                ("distance_to_product_cap", "to 15%", "pct"), ("hhi_by_stock", "HHI", "int")],
    "industry": [("industry", "industry", "text"), ("companies", "companies", "int"),
                 ("contracts", "contracts", "int"), ("exposure_fen", "exposure", "cny"),
                 ("share_warning", "warning", "pct"), ("share_triggered", "triggered", "pct"),
                 ("ratio", "ratio", "pct")],
    "flags": [("kind", "flag", "text"), ("subject", "subject", "note"), ("code", "code", "text"),
              ("value", "value", "pct"), ("threshold", "limit", "pct")],
    "stress": [("scenario", "scenario", "note"), ("warning", "warning", "int"),
               ("triggered", "triggered", "int"), ("exposure_triggered_fen", "exposure", "cny"),
               ("shortfall_fen", "shortfall", "cny"), ("uncovered_fen", "uncovered", "cny"),
               ("worst_pledgee", "worst", "text")],
    "contracts": [("contract", "contract", "text"), ("code", "stock", "text"), ("pledgee", "pledgee", "text"),
                  ("owed_fen", "owed", "cny"), ("ratio", "ratio", "pct"), ("lines", "lines", "text"),
                  ("status", "status", "text"), ("closing_price_fen", "closing px", "price"),
                  ("price_fen", "price", "price"), ("days_below_closing", "days", "int")],
    "alerts": [("contract_id", "contract", "text"), ("stock_code", "stock", "text"),
               ("ratio_before", "before", "pct"), ("ratio_after", "after", "pct"),
               ("change", "status", "text"), ("recipients", "delivered to", "note")],
    "losses": [("org", "pledgee", "text"), ("kind", "kind", "text"), ("realized_loss_fen", "realised", "cny"),
               ("uncovered_fen", "uncovered", "cny"), ("total_loss_fen", "total", "cny")],
    "drivers": [("code", "code", "text"), ("name", "name", "text"), ("board", "board", "text"),
                ("forced_sold_of_shares", "sold", "pct"), ("price_change", "price", "pct"),
                ("second_round_breaches", "2nd round", "int"),
                ("collateral_destroyed_fen", "destroyed", "cny")],
    "cascade": [("day", "day", "int"), ("triggered", "triggered", "int"), ("new", "new", "int"),
                ("in_disposal", "disposal", "int"), ("shortfall_fen", "shortfall", "cny"),
                ("uncovered_fen", "uncovered", "cny"), ("sales_fen", "sales", "cny")],
}  # fmt: skip
#: what the short headers mean, printed under a table that uses them
LEGEND = {
    "cny": "amounts in CNY m",
    "price": "prices in CNY",
    "closing px": "closing px: the close at which the contract hits its closing line",
    "days": "days: calendar days below the closing line over the on-chain closes",
    "to 50%": "to 50%: room to the 50% cap on a stock's pledged shares",
    "to 30%": "to 30% / 15%: room to the caps for one securities firm / one product per stock",
}
SPECS["board"] = [("board", "board", "text"), *SPECS["industry"][1:]]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cny(fen: float) -> str:
    """An amount in fen as CNY: millions with one decimal (CNY 1,234.5m), or whole yuan below a million."""
    if abs(fen) >= 100_000_000:
        return f"CNY {fen / 100_000_000:,.1f}m"
    return f"CNY {fen / 100:,.0f}"


def cell(value: Any, kind: str) -> str:
    """One value in one format (blank where missing: a cap that does not apply, no figure)."""
    if _missing(value):
        return "-"
    if kind == "cny":
        return f"{float(value) / 100_000_000:,.1f}"
    if kind == "pct":
        return f"{float(value):.1%}"
    if kind == "int":
        return f"{round(float(value)):,}"
    if kind == "price":
        return f"{float(value) / 100:,.2f}"
    if kind == "bool":
        return "yes" if bool(value) else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def table(frame: pd.DataFrame, spec: Spec | str, title: str, top: int | None = None) -> Table:
    """A rich table of ``frame``'s first ``top`` rows in the columns of ``spec`` (a name in ``SPECS``)."""
    columns = [item for item in (SPECS[spec] if isinstance(spec, str) else spec) if item[0] in frame.columns]
    shown = frame if top is None else frame.head(top)
    kinds = {kind for _name, _header, kind in columns}
    headers = {header for _name, header, _kind in columns}
    legend = [text for key, text in LEGEND.items() if (kinds if key in ("cny", "price") else headers) & {key}]
    if len(shown) < len(frame):
        legend.insert(0, f"{len(shown)} of {len(frame)} rows")
    caption = "; ".join(legend) or None
    result = Table(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    rows = [
        [cell(values[name], kind) for name, _header, kind in columns]
        for values in (row._asdict() for row in shown.itertuples(index=False))
    ]
    for index, (_name, header, kind) in enumerate(columns):
        text = kind in ("text", "bool", "note")
        # values keep their full width (identifiers, amounts); headers and notes wrap onto more lines
        widest = max((len(row[index]) for row in rows), default=1)
        result.add_column(
            header,
            justify="left" if text else "right",
            min_width=min(widest, 12) if kind == "note" else max(widest, len(header)),
            no_wrap=kind != "note",
        )
    for row in rows:
        result.add_row(*row)
    return result
