"""An orderer process: its own peer, block intake from etcd, and the leader loop.

Run one or more per alliance (e.g. at the registrar and at the exchange), each on its own machine::

    python -m pledgenet.ledger.ordering.service --alliance-dir DIR --name orderer-1 \\
        --store /var/lib/pledgenet/orderer-1.db --endpoints http://etcd-1:2379,http://etcd-2:2379,... \\
        [--catch-up OTHER_STORE ...]

``DIR`` holds ``alliance.json`` (alliance id, genesis hash) and ``orderer/signing.key`` (the orderer
identity named in the genesis block). The process follows the chain into its own store, campaigns for the
leader lease, and while it leads cuts blocks from etcd's queue. If etcd holds no block yet, the first
``--catch-up`` store seeds the chain (the genesis block written by ``pledgenet init``) and the leader
publishes it. ``SIGTERM`` resigns the lease at once (the next leader takes over without waiting for it to
expire); ``kill -9`` is survived too: the lease expires after ``--lease-ttl`` seconds.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from pledgenet.contracts.catalog import all_contracts
from pledgenet.crypto.identity import load_signing_key
from pledgenet.errors import OrderingUnavailable, PledgenetError
from pledgenet.ledger.alliance import ORDERER_ID, read_config
from pledgenet.ledger.ordering.base import BatchLimits
from pledgenet.ledger.ordering.etcd import ETCD_LIMITS, EtcdOrderer, PeerLookup
from pledgenet.ledger.ordering.etcd_client import EtcdClient
from pledgenet.ledger.ordering.intake import BlockIntake, StoreBlockSource
from pledgenet.ledger.peer import Peer


@dataclass
class OrdererConfig:
    alliance_dir: Path
    name: str
    store: str
    endpoints: list[str]
    catch_up: list[str] = field(default_factory=list)
    lease_ttl_s: int = 2
    retain_blocks: int = 1000
    compact_every: int = 100
    limits: BatchLimits = ETCD_LIMITS


def run_orderer(config: OrdererConfig, stop: threading.Event, *, log: bool = True) -> None:
    """Follow, campaign and cut until ``stop`` is set."""
    alliance = read_config(config.alliance_dir)
    client = EtcdClient(config.endpoints)
    peer = Peer(config.store, contracts=all_contracts(), org=config.name, genesis_hash=alliance.genesis_hash)
    sources = [StoreBlockSource(location) for location in config.catch_up]
    intake = BlockIntake(client, alliance.alliance, peer, list(sources))
    orderer = EtcdOrderer(
        client=client,
        alliance=alliance.alliance,
        name=config.name,
        producer=ORDERER_ID,
        key=load_signing_key(config.alliance_dir / ORDERER_ID / "signing.key"),
        source=PeerLookup(peer),
        limits=config.limits,
        lease_ttl_s=config.lease_ttl_s,
        retain_blocks=config.retain_blocks,
        compact_every=config.compact_every,
    )
    seeded = False
    leading = False
    try:
        while not stop.is_set():
            try:
                if not seeded:
                    if orderer.etcd_top() < 0 and sources:
                        intake.catch_up(peer.height + 1, sources[0].top() + 1)
                    seeded = True
                intake.poll(wait_s=0.02 if leading else 0.25)
                now_leading = orderer.campaign()
                if now_leading != leading and log:
                    print(f"{'LEADER' if now_leading else 'FOLLOWER'} {config.name}", flush=True)
                leading = now_leading
                if leading:
                    if orderer.etcd_top() < peer.height:
                        orderer.publish_missing()
                    for block in orderer.cut_due():
                        peer.apply_block(block)
            except OrderingUnavailable:
                leading = False
                stop.wait(0.2)
    finally:
        orderer.close()
        client.close()
        peer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pledgenet.ledger.ordering.service", description=__doc__)
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
        run_orderer(config, stop)
    except PledgenetError as error:
        print(f"orderer {args.name} stopped: [{error.code}] {error.message}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
