"""Alerts: contracts whose guarantee ratio crossed a line between two valuations, and who gets them.

A contract crosses a line when its status differs between the earlier and the later valuation: falling
below the warning line (0 -> 1), below the closing line (1 -> 2 or 0 -> 2, which crosses both lines), or
recovering above a line. Each alert is delivered to the parties the contract concerns and to nobody else:
the pledgee, the pledgor's broker (the agent of an on-exchange repo; none for an off-exchange pledge
registered directly), the registrar(s) and the regulator(s) (on an alliance: the members holding those roles,
``pledgenet.risk.chain.overseers``). An alert carries the ratio and the lines, which
derive from the contract's non-public terms, so routing is the privacy boundary and is tested as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pledgenet.errors import DataError
from pledgenet.risk.pledge_book import STATUS_NAMES, Market, PledgeBook
from pledgenet.risk.valuation import Valuation


@dataclass(frozen=True)
class Alert:
    """One contract crossing one or more lines between two valuation days."""

    contract_id: str
    stock_code: str
    day: int
    from_status: str
    to_status: str
    #: "down" when the contract got worse, "up" when it recovered
    direction: str
    #: the lines crossed, e.g. ("warning",), ("warning", "closing")
    lines_crossed: tuple[str, ...]
    ratio_before: float
    ratio_after: float
    warning_line: float
    closing_line: float
    #: member organisations the alert is delivered to (the pledgee first)
    recipients: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "contract_id": self.contract_id,
            "stock_code": self.stock_code,
            "day": self.day,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "direction": self.direction,
            "lines_crossed": list(self.lines_crossed),
            "ratio_before": round(self.ratio_before, 6),
            "ratio_after": round(self.ratio_after, 6),
            "warning_line": self.warning_line,
            "closing_line": self.closing_line,
            "recipients": list(self.recipients),
        }


def _lines_between(low: int, high: int) -> tuple[str, ...]:
    names = {1: "warning", 2: "closing"}
    return tuple(names[level] for level in range(low + 1, high + 1))


def detect_alerts(
    book: PledgeBook,
    market: Market,
    before: Valuation,
    after: Valuation,
    *,
    registrar: str | Sequence[str],
    regulator: str | Sequence[str],
) -> list[Alert]:
    """Every line crossing between ``before`` and ``after`` (both valuations of ``book``), worst first.

    ``registrar`` and ``regulator``: the member id, or ids, of each (every one of them gets every alert)."""
    overseers = [
        org for orgs in (registrar, regulator) for org in ((orgs,) if isinstance(orgs, str) else tuple(orgs))
    ]
    if before.size != book.size or after.size != book.size:
        raise DataError("both valuations must be of the same book")
    changed = np.flatnonzero(before.status != after.status)
    # worst first: new triggers, then new warnings, then recoveries; lowest ratio first within each
    order = np.lexsort((after.guarantee_ratio[changed], -after.status[changed]))
    alerts: list[Alert] = []
    lender_org = book.lenders.org
    for row in changed[order]:
        old, new = int(before.status[row]), int(after.status[row])
        recipients: list[str] = [str(lender_org[book.pledgee[row]])]
        agent = int(book.agent[row])
        for org in [*((str(lender_org[agent]),) if agent >= 0 else ()), *overseers]:
            if org not in recipients:
                recipients.append(org)
        alerts.append(
            Alert(
                contract_id=str(book.contract_ids[row]),
                stock_code=str(market.codes[book.stock[row]]),
                day=after.as_of_day,
                from_status=STATUS_NAMES[old],
                to_status=STATUS_NAMES[new],
                direction="down" if new > old else "up",
                lines_crossed=_lines_between(min(old, new), max(old, new)),
                ratio_before=float(before.guarantee_ratio[row]),
                ratio_after=float(after.guarantee_ratio[row]),
                warning_line=int(book.warning_line_bp[row]) / 10_000,
                closing_line=int(book.closing_line_bp[row]) / 10_000,
                recipients=tuple(recipients),
            )
        )
    return alerts


def route_alerts(alerts: list[Alert]) -> dict[str, list[Alert]]:
    """The alerts each organisation receives (an organisation absent from the result receives none)."""
    inbox: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        for org in alert.recipients:
            inbox[org].append(alert)
    return dict(inbox)
