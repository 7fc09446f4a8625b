"""The exchange's price feed and corporate-action notices on the chain: read by everyone, published by
the exchange member's node (signed by its key alone)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pledgenet.api.deps import NodeDep
from pledgenet.api.models import ClosesCreate, NoticeCreate, ReceiptPublic
from pledgenet.contracts import market
from pledgenet.errors import NotFound

router = APIRouter(prefix="/market", tags=["market"])

Row = dict[str, Any]


@router.get("/closes", response_model=Row)
def closes(
    backend: NodeDep, date: Annotated[str, Query(description="trade date (default: the latest)")] = ""
) -> Row:
    """One trading day's closes (fen), suspended stocks, publisher, and whether they came late."""
    with backend.read() as peer:
        trade_date = date or market.latest_trade_date(peer)
        record = None if trade_date is None else market.closes(peer, trade_date)
    if record is None:
        raise NotFound(f"no closes published for {date or 'any day'}", code="no_closes")
    return record


@router.get("/closes/series", response_model=list[Row])
def close_series(
    backend: NodeDep,
    until: Annotated[str, Query(description="last trade date (default: the latest)")] = "",
    count: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[Row]:
    """The published days up to ``until``, oldest first (a missing day is simply absent)."""
    with backend.read() as peer:
        last = until or market.latest_trade_date(peer)
        return [] if last is None else market.close_series(peer, last, count)


@router.get("/notices", response_model=list[Row])
def notices(backend: NodeDep, code: str | None = None) -> list[Row]:
    """Corporate-action notices (of one stock, or all)."""
    with backend.read() as peer:
        if code is not None:
            return market.notices(peer, code)
        return [dict(value) for _, value in peer.range(market.NOTICE)]


@router.post("/closes", response_model=ReceiptPublic)
def publish_closes(backend: NodeDep, body: ClosesCreate) -> ReceiptPublic:
    """The exchange publishes a trading day's closes (never rewritten; days only move forward)."""
    with backend.register() as client:
        return ReceiptPublic.of(client.submit("market.publish_closes", body.model_dump(), []))


@router.post("/notices", response_model=ReceiptPublic)
def publish_notice(backend: NodeDep, body: NoticeCreate) -> ReceiptPublic:
    """The exchange publishes a corporate-action notice before its ex-date."""
    with backend.register() as client:
        return ReceiptPublic.of(client.submit("market.notice", body.model_dump(exclude_none=True), []))
