"""The exchange's pages: the price feed it signs (closes, late, missing) and corporate actions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pledgenet.api.routes import views_register as data
from pledgenet.web.columns import table
from pledgenet.web.context import Ctx
from pledgenet.web.pages import serve
from pledgenet.web.render import (
    Section,
    table_section,
)

router = APIRouter()


@router.get("/exchange/prices")
def exchange_prices(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        feed = data.price_feed(ctx.node)
        return [
            table_section(
                ctx.t("section.closes"),
                table(feed[::-1], ["trade_date", "closes", "late", "missing", "published_at"], ctx.lang),
            ),
            table_section(
                ctx.t("as_of"), table(data.latest_closes(ctx.node), ["code", "close_fen"], ctx.lang)
            ),
        ]

    return serve(request, "page.prices", frozenset({"exchange", "regulator"}), build)


@router.get("/exchange/actions")
def exchange_actions(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        notices = data.corporate_actions(ctx.node)
        registered = [
            {
                "height": e["height"],
                "code": e["payload"].get("code"),
                "kind": e["payload"].get("kind"),
                "payload": e["payload"],
                "tx_id": e["tx_id"],
            }
            for e in data.events(ctx.node, ["corporate_action"])
        ]
        return [
            table_section(ctx.t("page.corporate_actions"), table(notices, None, ctx.lang)),
            table_section(
                ctx.t("page.events"),
                table(
                    registered,
                    ["height", "code", "kind", "payload"],
                    ctx.lang,
                    links={"height": "/explorer/tx/{tx_id}"},
                ),
            ),
        ]

    return serve(request, "page.corporate_actions", frozenset({"exchange", "registrar", "regulator"}), build)
