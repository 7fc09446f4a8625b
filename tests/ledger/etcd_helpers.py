"""Helpers for the etcd ordering tests: orderer processes, waiting, reading a peer store."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pledgenet.ledger.store import open_store


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)


def start_orderer(
    alliance_dir: Path, name: str, store: Path, endpoints: list[str], catch_up: list[Path]
) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable, "-m", "pledgenet.node.orderer",
        "--alliance-dir", str(alliance_dir), "--name", name, "--store", str(store),
        "--endpoints", ",".join(endpoints), "--timeout-ms", "50",
    ]  # fmt: skip
    for location in catch_up:
        argv += ["--catch-up", str(location)]
    log = (store.parent / f"{name}.log").open("ab")
    try:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def store_tip(location: Path) -> tuple[int, str, bytes] | None:
    if not location.exists():
        return None
    store = open_store(location, read_only=True)
    try:
        tip = store.tip()
        return None if tip is None else (tip[0], tip[1], tip[2])
    finally:
        store.close()


def committed_counts(location: Path, tx_ids: list[str]) -> dict[str, tuple[int, int]]:
    """For each tx id: (rows in the store, valid rows)."""
    store = open_store(location, read_only=True)
    try:
        counts = {}
        for tx_id in tx_ids:
            rows = store.tx_rows("tx_id = ?", (tx_id,))
            counts[tx_id] = (len(rows), sum(int(row[6]) for row in rows))
        return counts
    finally:
        store.close()
