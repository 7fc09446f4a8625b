"""Faults survived, with real processes: orderer leaders killed with -9, etcd members stopped.

Three orderer processes (``python -m pledgenet.node.orderer``), each with its own peer store,
order for one alliance on a real 3-member etcd cluster while the test submits signed transactions. What a
user must see: every acknowledged transaction committed exactly once, every peer at the same height and
state root, no progress without an etcd quorum and no acknowledgement either, progress again after.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from etcd_helpers import committed_counts, start_orderer, store_tip, wait_for
from ledger_helpers import set_ttl

from pledgenet.contracts.catalog import all_contracts
from pledgenet.devcluster.etcd import LocalEtcdCluster
from pledgenet.errors import OrderingUnavailable
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.ordering.etcd import EtcdLayout, EtcdSubmitter
from pledgenet.ledger.ordering.etcd_client import EtcdClient, prefix_end
from pledgenet.ledger.verify import verify_peer_database


class Orderers:
    def __init__(self, alliance: Alliance, cluster: LocalEtcdCluster, tmp_path: Path, count: int) -> None:
        self.alliance, self.cluster = alliance, cluster
        self.names = [f"o-{i}" for i in range(count)]
        self.stores = {name: tmp_path / f"{name}.db" for name in self.names}
        self.seed = alliance.directory / "orgs" / "registrar" / "peer.db"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.client = EtcdClient(cluster.endpoints)
        self.layout = EtcdLayout(alliance.alliance_id)
        for name in self.names:
            self.start(name)

    def start(self, name: str) -> None:
        self.processes[name] = start_orderer(
            self.alliance.directory, name, self.stores[name], self.cluster.endpoints, [self.seed]
        )

    def leader(self) -> str | None:
        try:
            kvs = self.client.range(self.layout.leader)[1]
        except OrderingUnavailable:
            return None
        return kvs[0].value.decode().split("/")[0] if kvs else None

    def etcd_top(self) -> int:
        kvs = self.client.range(self.layout.blocks, prefix_end(self.layout.blocks), limit=1, descending=True)[
            1
        ]
        return self.layout.height_of(kvs[0].key) if kvs else -1

    def queued(self) -> int:
        return self.client.range(self.layout.queue, prefix_end(self.layout.queue), count_only=True)[2]

    def settled(self) -> bool:
        top = self.etcd_top()
        return self.queued() == 0 and all(
            (store_tip(self.stores[name]) or (-1,))[0] == top for name in self.names
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.client.close()


class Clients(threading.Thread):
    """Submits small batches until stopped; an unacknowledged batch is resubmitted, same bytes."""

    def __init__(self, alliance: Alliance, endpoints: list[str]) -> None:
        super().__init__(daemon=True)
        self.alliance = alliance
        self.client = EtcdClient(endpoints, timeout=2.0)
        self.submitter = EtcdSubmitter(self.client, EtcdLayout(alliance.alliance_id))
        self.acknowledged: list[str] = []
        self.refusals = 0
        self.halt = threading.Event()

    def run(self) -> None:
        n = 0
        pending: list[bytes] = []
        while not self.halt.is_set():
            if not pending:
                pending = [
                    self.alliance.sign("gov.propose", set_ttl(10_000 + n + i), ["registrar"])
                    for i in range(4)
                ]
                n += 4
            try:
                self.acknowledged += self.submitter.broadcast_many(pending)
                pending = []
            except OrderingUnavailable:
                self.refusals += 1
            self.halt.wait(0.05)
        self.client.close()


def _assert_exactly_once_everywhere(orderers: Orderers, acknowledged: list[str], genesis: str) -> None:
    tips = {name: store_tip(store) for name, store in orderers.stores.items()}
    assert len(set(tips.values())) == 1, tips
    for store in orderers.stores.values():
        counts = committed_counts(store, acknowledged)
        assert set(counts.values()) == {(1, 1)}, {k: v for k, v in counts.items() if v != (1, 1)}
    first = next(iter(orderers.stores.values()))
    assert verify_peer_database(first, contracts=all_contracts(), genesis_hash=genesis).ok


@pytest.mark.slow
def test_killing_the_orderer_leader_five_times_loses_and_repeats_nothing(
    alliance: Alliance, etcd_cluster: LocalEtcdCluster, tmp_path: Path
) -> None:
    # Prepare
    orderers = Orderers(alliance, etcd_cluster, tmp_path, 3)
    clients = Clients(alliance, etcd_cluster.endpoints)
    try:
        wait_for(lambda: orderers.leader() is not None and orderers.etcd_top() >= 0, 30, "a first leader")
        clients.start()
        takeovers: list[float] = []
        # Execute: kill -9 whoever leads, five times, while the clients keep submitting
        for _ in range(5):
            mark = orderers.etcd_top()
            wait_for(lambda m=mark: orderers.etcd_top() > m + 1, 30, "progress before the kill")
            victim = orderers.leader()
            assert victim is not None
            orderers.processes[victim].send_signal(signal.SIGKILL)
            orderers.processes[victim].wait()
            killed_at = time.monotonic()
            top = orderers.etcd_top()
            wait_for(lambda t=top: orderers.etcd_top() > t, 30, "a block from the next leader")
            takeovers.append(time.monotonic() - killed_at)
            orderers.start(victim)  # it comes back as a follower and catches up
        clients.halt.set()
        clients.join(timeout=30)
        wait_for(orderers.settled, 60, "every peer at etcd's top with the queue empty")
        orderers.stop()
        # Assert
        print(f"takeovers after kill -9 (s): {[round(t, 2) for t in takeovers]}")
        assert len(clients.acknowledged) > 20
        assert max(takeovers) < 8.0, takeovers
        _assert_exactly_once_everywhere(orderers, clients.acknowledged, alliance.config.genesis_hash)
    finally:
        clients.halt.set()
        orderers.stop()


@pytest.mark.slow
def test_etcd_members_stopped_one_then_two_then_restored(
    alliance: Alliance, etcd_cluster: LocalEtcdCluster, tmp_path: Path
) -> None:
    # Prepare
    orderers = Orderers(alliance, etcd_cluster, tmp_path, 2)
    client = EtcdClient(etcd_cluster.endpoints, timeout=1.5)
    submitter = EtcdSubmitter(client, EtcdLayout(alliance.alliance_id))
    acknowledged: list[str] = []

    def commit_one(value: int) -> None:
        acknowledged.extend(
            submitter.broadcast_many([alliance.sign("gov.propose", set_ttl(value), ["registrar"])])
        )
        wait_for(orderers.settled, 30, f"the transaction {value} committed everywhere")

    try:
        wait_for(lambda: orderers.leader() is not None and orderers.etcd_top() >= 0, 30, "a first leader")
        commit_one(1)
        # Execute / Assert: one member of three down, progress continues; back up, it rejoins
        etcd_cluster.stop_member(0, kill=True)
        commit_one(2)
        etcd_cluster.start_member(0)
        etcd_cluster.wait_healthy([0])
        commit_one(3)
        # two of three down: no acknowledgement, no block
        etcd_cluster.stop_member(1, kill=True)
        etcd_cluster.stop_member(2, kill=True)
        top = max((store_tip(s) or (-1,))[0] for s in orderers.stores.values())
        lost = alliance.sign("gov.propose", set_ttl(4), ["registrar"])
        with pytest.raises(OrderingUnavailable):
            submitter.broadcast_many([lost])
        time.sleep(1.0)
        assert max((store_tip(s) or (-1,))[0] for s in orderers.stores.values()) == top
        # one restored: quorum again, the same envelope resubmitted commits once, progress resumes
        etcd_cluster.start_member(1)
        etcd_cluster.wait_healthy([0, 1])
        acknowledged.extend(submitter.broadcast_many([lost]))
        wait_for(orderers.settled, 30, "the resubmitted transaction committed everywhere")
        commit_one(5)
        orderers.stop()
        _assert_exactly_once_everywhere(orderers, acknowledged, alliance.config.genesis_hash)
    finally:
        client.close()
        orderers.stop()
