"""The orderer process: the composition root that runs ``ledger.ordering.service`` with the default contracts.

    python -m pledgenet.node.orderer --alliance-dir DIR --name orderer-1 \\
        --store orderer-1.db --endpoints http://127.0.0.1:2379,...

It follows the chain with its own peer, campaigns for the lead through an etcd lease and, while it leads,
cuts and publishes blocks (see ``pledgenet.ledger.ordering.etcd``). SIGTERM resigns the lease at once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from pledgenet.contracts.catalog import all_contracts
from pledgenet.errors import PledgenetError
from pledgenet.ledger.ordering.base import BatchLimits
from pledgenet.ledger.ordering.etcd import ETCD_LIMITS
from pledgenet.ledger.ordering.service import OrdererConfig, run_orderer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pledgenet.node.orderer", description=__doc__)
    parser.add_argument("--alliance-dir", required=True, type=Path)
    parser.add_argument("--name", required=True, help="this orderer process's name (unique per alliance)")
    parser.add_argument(
        "--store", required=True, help="its own peer store: a SQLite path or postgresql:// URL"
    )
    parser.add_argument("--endpoints", required=True, help="etcd client URLs, comma-separated")
    parser.add_argument("--catch-up", action="append", default=[], help="another member's store (repeat)")
    parser.add_argument("--lease-ttl", type=int, default=2)
    parser.add_argument("--retain-blocks", type=int, default=1000)
    parser.add_argument("--compact-every", type=int, default=100)
    parser.add_argument("--max-txs", type=int, default=ETCD_LIMITS.max_txs)
    parser.add_argument("--timeout-ms", type=int, default=ETCD_LIMITS.timeout_ms)
    args = parser.parse_args(argv)
    config = OrdererConfig(
        alliance_dir=args.alliance_dir,
        name=args.name,
        store=args.store,
        endpoints=[e for e in args.endpoints.split(",") if e],
        catch_up=args.catch_up,
        lease_ttl_s=args.lease_ttl,
        retain_blocks=args.retain_blocks,
        compact_every=args.compact_every,
        limits=BatchLimits(args.max_txs, ETCD_LIMITS.max_bytes, args.timeout_ms),
    )
    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        run_orderer(config, stop, contracts=all_contracts())
    except PledgenetError as error:
        print(f"orderer {args.name} stopped: [{error.code}] {error.message}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
