"""Benchmark: revalue 100,000 contracts under 1,000 shock scenarios, and a 20-day fire-sale cascade over a
4,000+ stock market, each beside a plain numpy pass over the same arrays in the same run.

- revalue: ``revalue_scenarios`` (one sort per line, binary searches per scenario and stock) against
  ``revalue_scenarios_dense`` (every contract valued in every scenario, chunked); both must agree.
- cascade: ``run_cascade`` over 20 days against the plain numpy floor of the same work, 20 revaluations of
  every contract (``value_book``) with nothing else.
Targets on the reference machine: revalue <= 2 s, cascade <= 5 s.

    python bench/risk.py [--quick] [--contracts N] [--scenarios S]

Prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from pledgenet.risk.cascade import CascadeParams, run_cascade
from pledgenet.risk.stress import random_scenarios, revalue_scenarios, revalue_scenarios_dense, uniform_shock
from pledgenet.risk.valuation import value_book
from pledgenet.sim.synthetic_book import BookShape, generate

T = TypeVar("T")


def best_of(repeats: int, work: Callable[[], T]) -> tuple[float, T]:
    """The fastest of ``repeats`` runs of ``work`` and the last result."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition of each (under a minute)")
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--scenarios", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=20)
    args = parser.parse_args()
    repeats = 1 if args.quick else 3

    start = time.perf_counter()
    market, book = generate(seed=20241206, contracts=args.contracts)
    as_of = BookShape().as_of_day
    shocks = random_scenarios(market, args.scenarios, seed=1)
    setup_seconds = time.perf_counter() - start

    revalue_seconds, fast = best_of(repeats, lambda: revalue_scenarios(book, market, shocks, as_of))
    baseline_seconds, plain = best_of(repeats, lambda: revalue_scenarios_dense(book, market, shocks, as_of))
    agree = bool(
        np.array_equal(fast.triggered, plain.triggered)
        and np.array_equal(fast.warning, plain.warning)
        and np.allclose(fast.shortfall_fen, plain.shortfall_fen, rtol=1e-9)
    )

    params = CascadeParams(days=args.days)
    shock = uniform_shock(market, 0.2)
    cascade_seconds, cascade = best_of(
        repeats, lambda: run_cascade(book, market, as_of, shock, params=params)
    )

    def plain_days() -> None:
        prices = market.price_fen * (1.0 + shock)
        for day in range(args.days):
            value_book(book, prices, as_of + day)

    cascade_baseline_seconds, _ = best_of(repeats, plain_days)
    summary = cascade.summary()
    result = {
        "benchmark": "risk",
        "quick": args.quick,
        "contracts": book.size,
        "stocks": market.size,
        "scenarios": args.scenarios,
        "cascade_days": args.days,
        "setup_seconds": round(setup_seconds, 3),
        "revalue_seconds": round(revalue_seconds, 3),
        "numpy_baseline_seconds": round(baseline_seconds, 3),
        "revalue_speedup": round(baseline_seconds / revalue_seconds, 2),
        "revalue_agrees_with_baseline": agree,
        "cascade_seconds": round(cascade_seconds, 3),
        "cascade_numpy_baseline_seconds": round(cascade_baseline_seconds, 3),
        "cascade_over_baseline": round(cascade_seconds / cascade_baseline_seconds, 2),
        "cascade_total_loss_cny_bn": round(float(summary["total_loss_fen"]) / 1e11, 2),
        "targets_seconds": {"revalue": 2.0, "cascade": 5.0},
        "within_targets": revalue_seconds <= 2.0 and cascade_seconds <= 5.0,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
