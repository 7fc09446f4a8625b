"""Submitting signed transactions, waiting for their receipts, and the stream of commits (SSE)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from pledgenet.api.backend import MemberBackend
from pledgenet.api.deps import NodeDep, SettingsDep
from pledgenet.api.models import BatchCreate, ReceiptPublic, SubmittedPublic, TransactionCreate
from pledgenet.errors import MalformedTransaction, NotFound
from pledgenet.ledger.records import TxReceipt

router = APIRouter(tags=["transactions"])

WaitQuery = Annotated[bool, Query(description="answer once committed, with the receipt")]
#: a comment line sent on an idle event stream, so proxies and clients see the connection alive
KEEPALIVE_S = 15.0


def _await_receipts(backend: MemberBackend, ids: list[str], wait_s: float, poll_s: float) -> list[TxReceipt]:
    """The receipts of ``ids`` once all are committed; 404 ``not_committed`` past ``wait_s``."""
    deadline = time.monotonic() + wait_s
    found: dict[str, TxReceipt] = {}
    while True:
        for tx_id in ids:
            if tx_id not in found:
                receipt = backend.receipt(tx_id)
                if receipt is not None:
                    found[tx_id] = receipt
        if len(found) == len(set(ids)):
            return [found[tx_id] for tx_id in ids]
        if time.monotonic() >= deadline:
            missing = len(set(ids)) - len(found)
            raise NotFound(
                f"{missing} transaction(s) not committed within {wait_s:g} s", code="not_committed"
            )
        time.sleep(poll_s)


def _envelope(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise MalformedTransaction("the envelope is not valid UTF-8 text") from None


def _submitted(ids: list[str], receipts: list[TxReceipt] | None) -> list[SubmittedPublic]:
    if receipts is None:
        return [SubmittedPublic(tx_id=tx_id, status="acknowledged") for tx_id in ids]
    return [
        SubmittedPublic(tx_id=tx_id, status="committed", receipt=ReceiptPublic.of(receipt))
        for tx_id, receipt in zip(ids, receipts, strict=True)
    ]


@router.post("/transactions", response_model=SubmittedPublic)
def submit(
    backend: NodeDep, settings: SettingsDep, body: TransactionCreate, wait: WaitQuery = True
) -> SubmittedPublic:
    """Submit one signed envelope (the node's member must be its submitter).

    A malformed envelope, or one of another alliance or member, is refused (400) and never ordered. With
    ``wait`` the answer carries the receipt: height, index and validity code (``ok`` or the reason).
    """
    ids = backend.submit([_envelope(body.envelope)])
    receipts = _await_receipts(backend, ids, settings.max_wait_s, settings.poll_s) if wait else None
    return _submitted(ids, receipts)[0]


@router.post("/transactions/batch", response_model=list[SubmittedPublic])
def submit_batch(
    backend: NodeDep, settings: SettingsDep, body: BatchCreate, wait: WaitQuery = True
) -> list[SubmittedPublic]:
    """Submit many signed envelopes at once; they are checked first, and one bad envelope refuses all."""
    if len(body.envelopes) > settings.max_batch:
        raise MalformedTransaction(f"{len(body.envelopes)} envelopes; at most {settings.max_batch} a batch")
    ids = backend.submit([_envelope(text) for text in body.envelopes])
    receipts = _await_receipts(backend, ids, settings.max_wait_s, settings.poll_s) if wait else None
    return _submitted(ids, receipts)


@router.get("/receipts/{tx_id}", response_model=ReceiptPublic)
def receipt(
    backend: NodeDep,
    settings: SettingsDep,
    tx_id: str,
    wait_s: Annotated[float, Query(ge=0, description="wait up to this long for the commit")] = 0.0,
) -> ReceiptPublic:
    """A transaction's receipt once committed (404 ``not_committed`` while it is not, after ``wait_s``)."""
    found = _await_receipts(backend, [tx_id], min(wait_s, settings.max_wait_s), settings.poll_s)
    return ReceiptPublic.of(found[0])


def block_event(backend: MemberBackend, height: int) -> dict[str, Any]:
    """What the stream says about one committed block: its header fields and every receipt."""
    with backend.read() as peer:
        signed = peer.header(height)
        receipts = peer.receipts_at(height)
    return {
        "height": height,
        "hash": signed.hash,
        "timestamp": signed.header.timestamp,
        "tx_count": signed.header.tx_count,
        "txs": [receipt.to_dict() for receipt in receipts],
    }


def _start_height(request: Request, from_height: int | None, backend: MemberBackend) -> int:
    last_id = request.headers.get("last-event-id", "")
    if last_id.isdigit():
        return int(last_id) + 1
    return backend.height + 1 if from_height is None else from_height


@router.get("/events", response_class=StreamingResponse)
async def events(
    request: Request,
    backend: NodeDep,
    settings: SettingsDep,
    from_height: Annotated[
        int | None, Query(ge=0, description="first block to send (default: the next one committed)")
    ] = None,
    max_blocks: Annotated[int | None, Query(ge=1, description="end the stream after this many")] = None,
) -> StreamingResponse:
    """Server-sent events: one ``block`` event per committed block (``id`` = its height, so a client
    resumes with ``Last-Event-ID``), carrying every transaction's receipt and contract events."""
    start = await run_in_threadpool(_start_height, request, from_height, backend)

    async def stream() -> AsyncIterator[str]:
        height, sent, idle_since = start, 0, time.monotonic()
        yield "retry: 2000\n\n"
        while max_blocks is None or sent < max_blocks:
            # the backend's lock may be held by a submission: never wait for it on the event loop
            if height <= await run_in_threadpool(lambda: backend.height):
                event = await run_in_threadpool(block_event, backend, height)
                yield f"id: {height}\nevent: block\ndata: {json.dumps(event, sort_keys=True)}\n\n"
                height, sent, idle_since = height + 1, sent + 1, time.monotonic()
                continue
            if await request.is_disconnected():
                return
            if time.monotonic() - idle_since > KEEPALIVE_S:
                idle_since = time.monotonic()
                yield ": keepalive\n\n"
            await asyncio.sleep(settings.poll_s)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
