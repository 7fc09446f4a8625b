"""Fixtures of the API tests: a demo-book alliance per module, and its member nodes (``api_nodes``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_nodes import TRADE_DATE, Nodes

from pledgenet.demo import demo_book
from pledgenet.demo.members import EXCHANGE


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("api")) / "alliance"
    with demo_book.create(path) as alliance:
        demo_book.build_book(alliance)
        closes = {code: price for code, *_rest, price in demo_book.STOCKS}
        receipt = alliance.submit(
            "market.publish_closes", {"trade_date": TRADE_DATE, "closes": closes}, [EXCHANGE]
        )
        assert receipt.valid, receipt.message
    return path


@pytest.fixture(scope="module")
def nodes(directory: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    served = Nodes(directory, Path(tmp_path_factory.mktemp("keys")))
    yield served
    served.close()
