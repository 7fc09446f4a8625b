"""Fixtures of the data-governance tests: a fresh small alliance with two registered datasets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from data_world import World, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    created = make_world(tmp_path / "alliance")
    try:
        yield created
    finally:
        created.alliance.close()
