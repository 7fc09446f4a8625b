"""The data owner's page, for every member: its own datasets, the grants on them (approve, refuse or
revoke where the member may act), the grants it holds, and the uses log of its datasets with the alerts
highlighted. A view over ``/api/v1/views/data`` (``api.routes.views_data``); actions go through
``DataClient`` as the signed-in member, and a refusal shows the CLI's ``error [code]: message`` line."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_data as data
from pledgenet.errors import PledgenetError
from pledgenet.web.columns import table
from pledgenet.web.context import ALL_ROLES, Ctx, status_of
from pledgenet.web.pages import serve
from pledgenet.web.render import Field, Form, Problem, Section, form_section, table_section

router = APIRouter()

GRANT_FIELDS = ["grant", "dataset", "grantee", "purpose", "operations", "expires_at", "uses", "status",
                "grant_approvals", "grant_required"]  # fmt: skip
HELD_FIELDS = ["grant", "dataset", "owner", *GRANT_FIELDS[3:]]
USE_FIELDS = ["use", "dataset", "user", "grant", "purpose", "operation", "outcome", "refusal", "alerts", "at"]


def _action_form(ctx: Ctx, action: str, row: dict[str, Any]) -> Form:
    label = ctx.t(f"action.{action}_grant")
    fields = [] if action == "approve" else [Field("reason", ctx.t("field.reason"), required=False)]
    return Form(
        title=ctx.t("grant_action_title", action=label, grant=row["grant"]),
        action=f"/data/grant/{action}",
        fields=fields,
        submit=label,
        hidden={"grant": str(row["grant"])},
    )


def _sections(ctx: Ctx) -> list[Section]:
    view = data.data_overview(ctx.node)
    sections = [
        table_section(
            ctx.t("section.my_datasets"),
            table(
                view["datasets"], ["dataset", "title", "version", "level", "rows", "content_hash"], ctx.lang
            ),
        ),
        table_section(ctx.t("section.grants_on_mine"), table(view["grants"], GRANT_FIELDS, ctx.lang)),
    ]
    for row in view["grants"]:
        sections += [form_section(_action_form(ctx, action, row)) for action in row["actions"]]
    sections += [
        table_section(ctx.t("section.grants_held"), table(view["held"], HELD_FIELDS, ctx.lang)),
        table_section(ctx.t("section.data_alerts"), table(view["alerts"], USE_FIELDS, ctx.lang)),
        table_section(ctx.t("section.uses_log"), table(view["uses"], USE_FIELDS, ctx.lang)),
    ]
    return sections


@router.get("/data")
def data_page(request: Request) -> Response:
    return serve(request, "page.data", ALL_ROLES, _sections)


@router.post("/data/grant/{action}")
async def grant_action(request: Request, action: str) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        grant = str(form.get("grant", ""))
        try:
            result = data.act(ctx.node, action, grant, str(form.get("reason", "") or "").strip())
        except PledgenetError as error:
            problem = Problem.of(error, ctx.lang, status_of(error))
            return ctx.page(ctx.t("page.data"), _sections(ctx), problem=problem)
        notice = f"{ctx.t('done')}: {action} {grant} {result.get('status', '')}".rstrip()
        return ctx.page(ctx.t("page.data"), _sections(ctx), notice=notice)

    return serve(request, "page.data", ALL_ROLES, build, form=form)
