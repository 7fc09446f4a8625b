"""The court's pages: its freezes (effective and queued), the freeze form, lifting and judicial transfer,
and the freeze queue of a holding."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_register as data
from pledgenet.errors import NotFound, PledgenetError
from pledgenet.web.columns import heading, table
from pledgenet.web.context import Ctx, status_of
from pledgenet.web.format import integer
from pledgenet.web.pages import serve
from pledgenet.web.render import (
    Field,
    Form,
    Problem,
    Section,
    form_section,
    summary_section,
    table_section,
)

router = APIRouter()


def _freeze_form(ctx: Ctx) -> Form:
    return Form(
        title=ctx.t("action.freeze"),
        action="/court/freeze",
        fields=[
            Field("code", ctx.t("field.code")),
            Field("account", ctx.t("field.holder_account")),
            Field("quantity", ctx.t("field.freeze_quantity"), "number"),
            Field("case_no", ctx.t("field.case_no")),
            Field("queued", ctx.t("field.queued"), "checkbox", required=False),
        ],
        submit=ctx.t("action.freeze"),
    )


def _judicial_forms(ctx: Ctx, rows: list[dict[str, Any]]) -> list[Section]:
    """Lift or transfer one of this court's live freezes."""
    live = [(r["freeze_id"], f"{r['freeze_id']} · {r['case_no']}") for r in rows
            if r["court"] == ctx.node.org and r["state"] in ("effective", "queued")]  # fmt: skip
    if not live:
        return []
    lift = Form(
        title=ctx.t("action.unfreeze"),
        action="/court/unfreeze",
        fields=[Field("freeze_id", ctx.t("field.freeze_id"), "select", options=live)],
        submit=ctx.t("action.unfreeze"),
    )
    transfer = Form(
        title=ctx.t("action.judicial_transfer"),
        action="/court/transfer",
        fields=[
            Field("freeze_id", ctx.t("field.freeze_id"), "select", options=live),
            Field("to_account", ctx.t("field.to_account")),
            Field("quantity", ctx.t("field.quantity"), "number", required=False),
        ],
        submit=ctx.t("action.judicial_transfer"),
    )
    return [form_section(lift), form_section(transfer)]


def _freezes_sections(ctx: Ctx) -> list[Section]:
    rows = data.freezes(ctx.node)
    return [
        table_section(
            "",
            table(
                rows,
                ["freeze_id", "court", "case_no", "code", "account", "quantity", "state", "requested_at"],
                ctx.lang,
                links={"account": "/court/queue?code={code}&account={account}"},
            ),
        ),
        form_section(_freeze_form(ctx)),
        *_judicial_forms(ctx, rows),
    ]


@router.get("/court/freezes")
def court_freezes(request: Request) -> Response:
    return serve(request, "page.freezes", frozenset({"court"}), _freezes_sections)


@router.post("/court/freeze")
async def court_freeze(request: Request) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        try:
            with ctx.node.register() as client:
                receipt = client.freeze(
                    code=str(form.get("code", "")),
                    account=str(form.get("account", "")),
                    quantity=int(str(form.get("quantity", "0")) or 0),
                    case_no=str(form.get("case_no", "")),
                    queued=form.get("queued") == "1",
                )
        except PledgenetError as error:
            problem = Problem.of(error, ctx.lang, status_of(error))
            return ctx.page(ctx.t("page.freezes"), _freezes_sections(ctx), problem=problem)
        return ctx.page(
            ctx.t("page.freezes"), _freezes_sections(ctx), notice=f"{ctx.t('done')}: {receipt.result}"
        )

    return serve(request, "page.freezes", frozenset({"court"}), build, form=form)


@router.post("/court/{action}")
async def court_action(request: Request, action: str) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        freeze_id = str(form.get("freeze_id", ""))
        try:
            with ctx.node.register() as client:
                if action == "unfreeze":
                    receipt = client.unfreeze(freeze_id=freeze_id)
                elif action == "transfer":
                    quantity = str(form.get("quantity", "") or "").strip()
                    receipt = client.judicial_transfer(
                        freeze_id=freeze_id,
                        to_account=str(form.get("to_account", "")).strip(),
                        quantity=int(quantity) if quantity.isdigit() else None,
                    )
                else:
                    raise NotFound(f"no court action {action!r}")
        except PledgenetError as error:
            problem = Problem.of(error, ctx.lang, status_of(error))
            return ctx.page(ctx.t("page.freezes"), _freezes_sections(ctx), problem=problem)
        notice = f"{ctx.t('done')}: {receipt.tx_type} {receipt.result}"
        return ctx.page(ctx.t("page.freezes"), _freezes_sections(ctx), notice=notice)

    return serve(request, "page.freezes", frozenset({"court"}), build, form=form)


@router.get("/court/queue")
def court_queue(request: Request, code: str = "", account: str = "") -> Response:
    def build(ctx: Ctx) -> list[Section]:
        queue = data.freeze_queue(ctx.node, code, account)
        return [
            summary_section(
                [
                    (ctx.t("field.code"), code),
                    (ctx.t("field.holder_account"), account),
                    *[
                        (heading(field, ctx.lang), integer(queue[field], ctx.lang))
                        for field in ("total", "free", "pledged", "frozen")
                    ],
                ]
            ),
            table_section(
                ctx.t("section.effective"),
                table(queue["effective"], ["freeze_id", "court", "case_no", "quantity"], ctx.lang),
            ),
            table_section(
                ctx.t("section.queued"),
                table(queue["queued"], ["position", "freeze_id", "court", "case_no", "quantity"], ctx.lang),
            ),
        ]

    return serve(request, "page.freeze_queue", frozenset({"court", "registrar", "regulator"}), build)
