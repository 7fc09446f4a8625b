"""An orderer process: its own peer, block intake from etcd, and the leader loop.

Run one or more per alliance (e.g. at the registrar and at the exchange), each on its own machine::

    python -m pledgenet.node.orderer --alliance-dir DIR --name orderer-1 \\
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

import threading
from dataclasses import dataclass, field
from pathlib import Path

from pledgenet.crypto.identity import load_signing_key
from pledgenet.errors import OrderingUnavailable
from pledgenet.ledger.alliance import ORDERER_ID, read_config
from pledgenet.ledger.contract_api import Contract
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


def run_orderer(
    config: OrdererConfig, stop: threading.Event, *, contracts: list[Contract], log: bool = True
) -> None:
    """Follow, campaign and cut until ``stop`` is set, running ``contracts`` in its own peer."""
    alliance = read_config(config.alliance_dir)
    client = EtcdClient(config.endpoints)
    peer = Peer(config.store, contracts=contracts, org=config.name, genesis_hash=alliance.genesis_hash)
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
