"""Shared fixtures: the small breast data, aligned, split 70/30 as the jobs do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pledgenet.fl.data import PartyData, load_party_csv, split_ids

DATA = Path(__file__).resolve().parents[2] / "data"
# 1024-bit Paillier keys in tests ONLY, to keep the suite fast; the default and the benchmark use 2048.
TEST_KEY_BITS = 1024


@pytest.fixture(scope="session")
def breast() -> dict[str, PartyData]:
    guest = load_party_csv(DATA / "breast_hetero_guest.csv", label_column="y", party="guest")
    host = load_party_csv(DATA / "breast_hetero_host.csv", party="host").align_to(guest.ids)
    assert guest.labels is not None
    is_test = split_ids(guest.ids, guest.labels)
    train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    return {
        "guest_train": guest.take(train),
        "host_train": host.take(train),
        "guest_test": guest.take(test),
        "host_test": host.take(test),
    }


def run_parties(work: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run each party's function in its own thread; re-raise the first failure as soon as it happens
    (these tests call the protocol functions on a bare channel, so the others would wait for it)."""
    results: dict[str, Any] = {}
    failures: list[BaseException] = []

    def wrap(name: str, function: Callable[[], Any]) -> None:
        try:
            results[name] = function()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=wrap, args=item, daemon=True) for item in work.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 240
    while not failures and any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        for thread in threads:
            thread.join(timeout=0.05)
    if failures:
        raise failures[0]
    return results


@pytest.fixture(scope="session")
def run() -> Callable[[dict[str, Callable[[], Any]]], dict[str, Any]]:
    return run_parties
