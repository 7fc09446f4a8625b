"""Shared fixtures for the ledger tests: a small embedded alliance on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_helpers import FOUNDERS

from pledgenet.contracts.catalog import init_alliance
from pledgenet.devcluster.etcd import LocalEtcdCluster
from pledgenet.devcluster.postgres import LocalPostgres
from pledgenet.ledger.alliance import Alliance


@pytest.fixture
def alliance(tmp_path: Path) -> Iterator[Alliance]:
    with init_alliance(tmp_path / "alliance", FOUNDERS) as created:
        yield created


@pytest.fixture(scope="session")
def local_postgres() -> Iterator[LocalPostgres]:
    """One throwaway PostgreSQL server for the session (Debian's binaries; a missing one fails clearly)."""
    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def etcd_cluster(tmp_path: Path) -> Iterator[LocalEtcdCluster]:
    """A real 3-member etcd cluster on loopback (Debian's etcd-server), stopped after the test."""
    cluster = LocalEtcdCluster(tmp_path / "etcd").start()
    try:
        yield cluster
    finally:
        cluster.stop()
