"""The dashboard's pages, one module per area: sign-in, register (registrar, court, exchange, governance),
pledgee, regulator, chain (explorer, own member record)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_risk
from pledgenet.web.columns import status_change, table
from pledgenet.web.context import Ctx, guarded, page_context, signin_redirect
from pledgenet.web.render import Section, table_section
from pledgenet.web.session import check_csrf


def serve(
    request: Request,
    title_key: str,
    roles: frozenset[str] | set[str] | None,
    build: Callable[[Ctx], list[Section] | HTMLResponse],
    title_suffix: str = "",
    form: Any = None,
) -> Response:
    """A page for the signed-in member: its role checked (and a post's CSRF token), its sections built,
    refusals shown."""
    ctx = page_context(request)
    if ctx is None:
        return signin_redirect(request)
    title = ctx.t(title_key) + title_suffix

    def run() -> HTMLResponse:
        if request.method == "POST":
            check_csrf(ctx.session, None if form is None else form.get("csrf"))
        if roles is not None:
            ctx.require(roles, ctx.t(title_key))
        built = build(ctx)
        return built if isinstance(built, HTMLResponse) else ctx.page(title, built)

    return guarded(ctx, title, run)


#: the columns of an alert inbox (the pledgee's and the regulator's)
ALERT_COLUMNS = [
    "trade_date",
    "contract_id",
    "stock_code",
    "ratio_before",
    "ratio_after",
    "change",
    "recipients",
]


def alert_sections(ctx: Ctx, *, dated: bool) -> list[Section]:
    """The member's alert inbox as one table (``dated``: the trade date shown as a market date)."""
    view = views_risk.alerts(ctx.node)
    kinds = {"trade_date": "date"} if dated else None
    rows = status_change(view["alerts"], ctx.lang)
    return [table_section("", table(rows, ALERT_COLUMNS, ctx.lang, kinds=kinds))]
