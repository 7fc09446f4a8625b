"""The JSON routes the dashboard's pages are views over (``/api/v1/views/...``), for programs too.

Each route answers for the member this node serves, to a caller the API authenticated as one of that
member's clients (a signed request or the browser's session); a refusal is ``application/problem+json``
with the reason code and the CLI's message (``api.problems``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from pledgenet.api.routes import views_chain as chain
from pledgenet.api.routes import views_data as data_views
from pledgenet.api.routes import views_register as register
from pledgenet.api.routes import views_risk as risk
from pledgenet.api.routes.views_node import NodeView

router = APIRouter(prefix="/views", tags=["views"])


def answer(request: Request, view: Callable[[NodeView], Any]) -> Any:
    """The view for this node's member (the API's authentication ran before; refusals are problem+json)."""
    return view(request.app.state.backend)


@router.get("/me")
def me(request: Request) -> Any:
    return answer(request, register.member_record)


@router.get("/registrar/queue")
def registrar_queue(request: Request) -> Any:
    return answer(request, register.registrar_queue)


@router.get("/securities")
def securities(request: Request) -> Any:
    return answer(request, register.securities)


@router.get("/weekly")
def weekly(request: Request) -> Any:
    return answer(request, register.weekly)


@router.get("/governance")
def governance(request: Request) -> Any:
    return answer(request, register.governance)


@router.get("/freezes")
def freezes(request: Request) -> Any:
    return answer(request, register.freezes)


@router.get("/prices")
def prices(request: Request) -> Any:
    return answer(request, register.price_feed)


@router.get("/contracts/{contract_no}")
def contract(request: Request, contract_no: str) -> Any:
    return answer(request, lambda node: register.contract(node, contract_no))


@router.get("/pledgee/contracts")
def my_contracts(request: Request) -> Any:
    return answer(request, risk.my_contracts)


@router.get("/alerts")
def alerts(request: Request) -> Any:
    return answer(request, risk.alerts)


@router.get("/risk/{by}")
def penetrating(request: Request, by: str) -> Any:
    return answer(request, lambda node: risk.penetrating(node, by))


@router.get("/concentration")
def concentration(request: Request) -> Any:
    return answer(request, risk.concentration)


@router.get("/stress")
def stress(request: Request, shock: float = 0.2, days: int = 10) -> Any:
    return answer(request, lambda node: risk.stress(node, shock, days))


@router.get("/blocks")
def blocks(request: Request, limit: int = 50) -> Any:
    return answer(request, lambda node: chain.blocks(node, limit))


@router.get("/tx/{tx_id}")
def tx(request: Request, tx_id: str) -> Any:
    return answer(request, lambda node: chain.transaction(node, tx_id))


@router.get("/data")
def data(request: Request) -> Any:
    return answer(request, data_views.data_overview)
