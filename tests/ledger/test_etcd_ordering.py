"""Ordering on a real 3-member etcd cluster, in process: the leader lease, the compare-and-swap per
height, durable submission, resubmission, and catch-up past etcd's retained log."""

from __future__ import annotations

from pathlib import Path

import pytest
from etcd_helpers import committed_counts
from ledger_helpers import set_ttl

from pledgenet.contracts.catalog import all_contracts
from pledgenet.crypto.identity import load_signing_key
from pledgenet.devcluster.etcd import LocalEtcdCluster
from pledgenet.errors import MalformedTransaction
from pledgenet.ledger.alliance import ORDERER_ID, Alliance
from pledgenet.ledger.ordering.base import BatchLimits
from pledgenet.ledger.ordering.etcd import EtcdOrderer, EtcdSubmitter, PeerLookup
from pledgenet.ledger.ordering.etcd_client import EtcdClient
from pledgenet.ledger.ordering.intake import BlockIntake, StoreBlockSource
from pledgenet.ledger.peer import Peer


class Side:
    """One orderer with its own peer and intake, driven step by step by the test."""

    def __init__(
        self, alliance: Alliance, cluster: LocalEtcdCluster, name: str, store: Path, **kw: int
    ) -> None:
        self.client = EtcdClient(cluster.endpoints)
        self.peer = Peer(
            store, contracts=all_contracts(), org=name, genesis_hash=alliance.config.genesis_hash
        )
        source = StoreBlockSource(alliance.directory / "orgs" / "registrar" / "peer.db")
        self.intake = BlockIntake(self.client, alliance.alliance_id, self.peer, [source])
        self.orderer = EtcdOrderer(
            client=self.client,
            alliance=alliance.alliance_id,
            name=name,
            producer=ORDERER_ID,
            key=load_signing_key(alliance.directory / ORDERER_ID / "signing.key"),
            source=PeerLookup(self.peer),
            limits=BatchLimits(max_txs=20, max_bytes=256 * 1024, timeout_ms=0),
            **kw,
        )

    def step(self) -> int:
        """Follow etcd, campaign, cut what is due; returns the blocks this side cut."""
        self.intake.poll(wait_s=0.01)
        cut = 0
        if self.orderer.campaign():
            self.orderer.publish_missing()
            for block in self.orderer.cut_due():
                self.peer.apply_block(block)
                cut += 1
        return cut

    def close(self) -> None:
        self.orderer.close()
        self.client.close()
        self.peer.close()


@pytest.fixture
def founded(alliance: Alliance) -> Alliance:
    # the embedded alliance wrote the genesis block into the members' stores; etcd starts empty
    return alliance


def _seed(side: Side, alliance: Alliance) -> None:
    side.intake.catch_up(0, alliance.producer_peer.height + 1)


def test_acknowledged_envelopes_commit_once_even_when_resubmitted(
    founded: Alliance, etcd_cluster: LocalEtcdCluster, tmp_path: Path
) -> None:
    # Prepare
    leader = Side(founded, etcd_cluster, "o-1", tmp_path / "o1.db")
    _seed(leader, founded)
    submitter = EtcdSubmitter(leader.client, leader.orderer.layout)
    envelopes = [founded.sign("gov.propose", set_ttl(2000 + n), ["registrar"]) for n in range(30)]
    # Execute: submit, resubmit while queued, commit, resubmit after commit
    ids = submitter.broadcast_many(envelopes)
    submitter.broadcast_many(envelopes[:10])
    while leader.orderer.pending or leader.peer.height < 1:
        leader.step()
    submitter.broadcast_many(envelopes[5:15])
    while leader.orderer.pending:
        leader.step()
    # Assert
    counts = committed_counts(tmp_path / "o1.db", ids)
    assert set(counts.values()) == {(1, 1)}
    assert leader.orderer.current_leader() == "o-1"
    with pytest.raises(MalformedTransaction):
        submitter.broadcast(b'{"not": "an envelope"}')
    assert leader.orderer.pending == 0
    leader.close()


def test_a_deposed_leader_cannot_write_a_height(
    founded: Alliance, etcd_cluster: LocalEtcdCluster, tmp_path: Path
) -> None:
    # Prepare: o-1 leads; its lease is revoked behind its back (as if it had stalled past the TTL)
    first = Side(founded, etcd_cluster, "o-1", tmp_path / "o1.db")
    second = Side(founded, etcd_cluster, "o-2", tmp_path / "o2.db")
    _seed(first, founded)
    _seed(second, founded)
    assert first.orderer.campaign()
    first.step()
    first.client.lease_revoke(first.orderer._lease)
    assert second.orderer.campaign()
    submitter = EtcdSubmitter(first.client, first.orderer.layout)
    submitter.broadcast_many([founded.sign("gov.propose", set_ttl(3000), ["registrar"])])
    # Execute: the deposed one still believes it leads (its local deadline has not passed) and cuts
    first.orderer._renewed = 10**12  # no keep-alive yet: it acts on its stale belief
    cut_by_deposed = first.orderer.cut_due()
    cut_by_leader = 0
    while cut_by_leader == 0:
        cut_by_leader += second.step()
    first.intake.poll(wait_s=0.2)
    # Assert: only the real leader's block exists; both peers agree
    assert cut_by_deposed == []
    assert not first.orderer.is_leader
    assert first.peer.chain_tip() == second.peer.chain_tip()
    first.close()
    second.close()


def test_a_peer_behind_the_retained_log_catches_up_from_a_member_store(
    founded: Alliance, etcd_cluster: LocalEtcdCluster, tmp_path: Path
) -> None:
    # Prepare: a leader that keeps 5 block keys and compacts every 5 blocks
    leader = Side(founded, etcd_cluster, "o-1", tmp_path / "o1.db", retain_blocks=5, compact_every=5)
    _seed(leader, founded)
    submitter = EtcdSubmitter(leader.client, leader.orderer.layout)
    for n in range(24):
        submitter.broadcast_many([founded.sign("gov.propose", set_ttl(4000 + n), ["registrar"])])
        while leader.orderer.pending:
            leader.step()
    # Execute: a new peer starts from nothing; etcd holds only the newest blocks
    late = Peer(tmp_path / "late.db", contracts=all_contracts(), genesis_hash=founded.config.genesis_hash)
    intake = BlockIntake(leader.client, founded.alliance_id, late, [StoreBlockSource(tmp_path / "o1.db")])
    intake.poll(wait_s=0.1)
    # Assert
    assert leader.orderer.etcd_top() == leader.peer.height >= 24
    assert intake.caught_up > 0
    assert late.chain_tip() == leader.peer.chain_tip()
    late.close()
    leader.close()
