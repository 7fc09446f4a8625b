"""The published figures the simulated market and pledge book are calibrated to, and the comparison.

Source: the registrar's weekly statistics as of 2024-12-06 and the pledgee split of 2019-08 (see the
project's DOMAIN.md): 2,322 companies with pledges, CNY 2.93 tn pledged, 328.9 bn shares; companies by
pledge-ratio bucket 12 / 120 / 289 / 650 / 1,251; by board 1,614 / 621 / 87 companies worth CNY 2.39 tn /
507.1 bn / 30.4 bn; 91.5% of pledged shares unrestricted; the highest company ratio 75.09%; pledgees by
financing balance: brokers ~52%, banks ~24%, trusts ~14% (the rest insurers and others).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pledgenet.risk.breakdowns import RATIO_BUCKETS, ratio_bucket
from pledgenet.risk.pledge_book import BOARDS, LENDER_BANK, LENDER_BROKER, LENDER_TRUST, Market, PledgeBook


@dataclass(frozen=True)
class CalibrationTargets:
    """The figures a generated market must reproduce (fen and shares as integers)."""

    as_of: str = "2024-12-06"
    companies_with_pledges: int = 2_322
    pledged_value_fen: int = 293_000_000_000_000
    pledged_shares: int = 328_900_000_000
    bucket_companies: dict[str, int] = field(
        default_factory=lambda: {">50%": 12, "30-50%": 120, "20-30%": 289, "10-20%": 650, "<10%": 1_251}
    )
    board_companies: dict[str, int] = field(
        default_factory=lambda: {"main": 1_614, "chinext": 621, "star": 87}
    )
    board_value_fen: dict[str, int] = field(
        default_factory=lambda: {
            "main": 239_000_000_000_000,
            "chinext": 50_710_000_000_000,
            "star": 3_040_000_000_000,
        }
    )
    unrestricted_share: float = 0.915
    max_company_ratio: float = 0.7509
    #: pledgee split by financing balance (principal)
    pledgee_split: dict[str, float] = field(
        default_factory=lambda: {"broker": 0.52, "bank": 0.24, "trust": 0.14}
    )


def generated_statistics(book: PledgeBook, market: Market) -> dict[str, float]:
    """The calibrated figures measured on a generated book (same names as in ``compare``)."""
    pledged = np.bincount(book.stock, weights=book.shares.astype(np.float64), minlength=market.size)
    has = pledged > 0
    ratio = pledged[has] / market.total_shares[has]
    buckets = np.bincount(ratio_bucket(ratio), minlength=len(RATIO_BUCKETS))
    value = pledged * market.price_fen
    principal = book.principal_fen.astype(np.float64)
    kind = book.lenders.kind[book.pledgee]
    stats: dict[str, float] = {
        "companies_with_pledges": float(has.sum()),
        "pledged_value_fen": float(value.sum()),
        "pledged_shares": float(pledged.sum()),
        "unrestricted_share": float(book.shares[~book.restricted].sum() / book.shares.sum()),
        "max_company_ratio": float(ratio.max()),
    }
    for index, name in enumerate(RATIO_BUCKETS):
        stats[f"bucket {name}"] = float(buckets[index])
    for index, name in enumerate(BOARDS):
        on_board = market.board == index
        stats[f"board {name} companies"] = float((has & on_board).sum())
        stats[f"board {name} value_fen"] = float(value[on_board].sum())
    for name, code in (("broker", LENDER_BROKER), ("bank", LENDER_BANK), ("trust", LENDER_TRUST)):
        stats[f"pledgee {name} share"] = float(principal[kind == code].sum() / principal.sum())
    return stats


def target_statistics(targets: CalibrationTargets) -> dict[str, float]:
    """The targets under the names ``generated_statistics`` uses."""
    stats: dict[str, float] = {
        "companies_with_pledges": float(targets.companies_with_pledges),
        "pledged_value_fen": float(targets.pledged_value_fen),
        "pledged_shares": float(targets.pledged_shares),
        "unrestricted_share": targets.unrestricted_share,
        "max_company_ratio": targets.max_company_ratio,
    }
    for name in RATIO_BUCKETS:
        stats[f"bucket {name}"] = float(targets.bucket_companies[name])
    for name in BOARDS:
        stats[f"board {name} companies"] = float(targets.board_companies[name])
        stats[f"board {name} value_fen"] = float(targets.board_value_fen[name])
    for name, share in targets.pledgee_split.items():
        stats[f"pledgee {name} share"] = share
    return stats


def compare(
    book: PledgeBook, market: Market, targets: CalibrationTargets | None = None
) -> list[dict[str, object]]:
    """One row per figure: generated value, target, relative error."""
    wanted = target_statistics(targets or CalibrationTargets())
    got = generated_statistics(book, market)
    return [
        {
            "figure": name,
            "generated": got[name],
            "target": target,
            "relative_error": abs(got[name] - target) / abs(target) if target else abs(got[name]),
        }
        for name, target in wanted.items()
    ]
