"""Shared fixtures for the ledger tests: a small embedded alliance on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_helpers import FOUNDERS

from pledgenet.contracts.catalog import init_alliance
from pledgenet.ledger.alliance import Alliance


@pytest.fixture
def alliance(tmp_path: Path) -> Iterator[Alliance]:
    with init_alliance(tmp_path / "alliance", FOUNDERS) as created:
        yield created
