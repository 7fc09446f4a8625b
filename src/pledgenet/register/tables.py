"""The registrar's weekly statistics as a table for a person: built here, printed by the CLI or the demo.

Nothing here prints; ``weekly_table`` returns a rich ``Table`` and ``weekly_summary`` the lines under it.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table


def weekly_table(stats: dict[str, Any]) -> Table:
    """One row per stock of ``RegisterClient.weekly_statistics``: pledges, pledged shares, ratio."""
    table = Table(
        "code",
        "name",
        "board",
        "pledges",
        "unrestricted",
        "restricted",
        "total shares",
        "ratio %",
        title=f"weekly pledge statistics as of {stats['as_of']}",
    )
    for s in stats["stocks"]:
        table.add_row(
            s["code"],
            s["short_name"],
            s["board"],
            str(s["pledges"]),
            f"{s['unrestricted_pledged']:,}",
            f"{s['restricted_pledged']:,}",
            f"{s['total_shares']:,}",
            f"{s['pledge_ratio_bp'] // 100}.{s['pledge_ratio_bp'] % 100:02d}",
        )
    return table


def weekly_summary(stats: dict[str, Any]) -> list[str]:
    """The market-wide lines under the table: companies, pledged shares and value, ratio buckets."""
    market = stats["market"]
    return [
        f"companies with pledges: {market['companies_with_pledges']}; pledged shares: "
        f"{market['pledged_shares']:,}; pledged value: CNY {market['pledged_value_fen'] // 100:,}"
        f"{' (unpriced: ' + ', '.join(market['unpriced']) + ')' if market['unpriced'] else ''}",
        "companies by pledge ratio: " + ", ".join(f"{k}%: {v}" for k, v in market["buckets"].items()),
    ]
