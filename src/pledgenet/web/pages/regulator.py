"""The regulator's pages: penetrating views, concentration and the largest exposures, every alert, stress
tests and the fire-sale cascade with parameters a supervisor sets, drawn as charts."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_risk as risk
from pledgenet.errors import DataError
from pledgenet.web.columns import table
from pledgenet.web.context import Ctx
from pledgenet.web.format import integer
from pledgenet.web.pages import alert_sections, serve
from pledgenet.web.render import (
    Field,
    Form,
    Section,
    chart_section,
    form_section,
    summary_section,
    table_section,
)
from pledgenet.web.reports import risk_html

router = APIRouter()
REGULATOR = frozenset({"regulator"})
#: the columns each penetrating view shows
VIEW_COLUMNS = {
    "stock": [
        "code",
        "name",
        "board",
        "pledges",
        "pledge_ratio",
        "distance_to_cap",
        "pledged_value_fen",
        "pledgee_hhi",
    ],
    "shareholder": [
        "shareholder",
        "code",
        "controlling",
        "pledged_of_holding",
        "contracts",
        "owed_fen",
        "min_ratio",
        "worst_status",
    ],
    "controller": [
        "controller",
        "companies",
        "contracts",
        "owed_fen",
        "warning",
        "triggered",
        "ratio",
        "min_ratio",
    ],
    "pledgee": [
        "org",
        "kind",
        "contracts",
        "exposure_fen",
        "share_warning",
        "share_triggered",
        "distance_to_firm_cap",
        "distance_to_product_cap",
        "hhi_by_stock",
    ],
    "industry": [
        "industry",
        "companies",
        "contracts",
        "exposure_fen",
        "share_warning",
        "share_triggered",
        "ratio",
    ],
    "board": ["board", "companies", "contracts", "exposure_fen", "share_warning", "share_triggered", "ratio"],
}


@router.get("/regulator/views")
def views(request: Request, by: str = "stock") -> Response:
    def build(ctx: Ctx) -> list[Section]:
        view = risk.penetrating(ctx.node, by)
        chooser = Form(
            title=ctx.t("field.view_by"),
            action="/regulator/views",
            fields=[
                Field(
                    "by",
                    ctx.t("field.view_by"),
                    "select",
                    value=by,
                    options=[(name, ctx.t(f"view.{name}")) for name in risk.VIEWS],
                )
            ],
            submit=ctx.t("show"),
            method="get",
        )
        return [
            form_section(chooser),
            summary_section(
                [
                    (ctx.t("as_of"), view["trade_date"]),
                    (ctx.t("contracts_seen"), integer(view["contracts"], ctx.lang)),
                ]
            ),
            table_section(ctx.t(f"view.{by}"), table(view["rows"], VIEW_COLUMNS[by], ctx.lang, top=50)),
            table_section(
                ctx.t("section.flags"),
                table(view["flags"], ["kind", "subject", "code", "value", "threshold"], ctx.lang),
            ),
        ]

    return serve(request, "page.views", REGULATOR, build)


@router.get("/regulator/concentration")
def concentration(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        view = risk.concentration(ctx.node)
        report = view["report"]
        hhi = [{"measure": name.replace("_", " "), "hhi": value} for name, value in view["hhi"].items()]
        status = report["by_status"]
        status_chart = go.Figure(
            go.Bar(
                x=[ctx.t(f"value.{s}") for s in status],
                y=list(status.values()),
                marker_color=["#2a9d8f", "#b7791f", "#a4161a"][: len(status)],
            )
        )
        ratios = report["ratio_distribution"]
        ratio_chart = go.Figure(go.Bar(x=list(ratios), y=list(ratios.values()), marker_color="#0b4f9c"))
        return [
            table_section(ctx.t("section.hhi"), table(hhi, ["measure", "hhi"], ctx.lang)),
            table_section(
                ctx.t("section.largest"),
                table(
                    view["largest_exposures"],
                    ["contract_id", "code", "pledgee", "owed_fen", "guarantee_ratio", "status"],
                    ctx.lang,
                    links={"contract_id": "/pledgee/contract/{contract_id}"},
                ),
            ),
            chart_section(status_chart, ctx.t("section.by_status")),
            chart_section(ratio_chart, ctx.t("section.ratio_distribution")),
        ]

    return serve(request, "page.concentration", REGULATOR, build)


@router.get("/regulator/alerts")
def alerts(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        return alert_sections(ctx, dated=False)

    return serve(request, "page.alerts", REGULATOR, build)


def _parameters(ctx: Ctx, shock_pct: float, days: int) -> Form:
    return Form(
        title=ctx.t("section.stress_parameters"),
        action="/regulator/stress",
        fields=[
            Field("shock_pct", ctx.t("field.shock_pct"), "number", value=f"{shock_pct:g}", step="0.1"),
            Field("days", ctx.t("field.days"), "number", value=str(days)),
        ],
        submit=ctx.t("action.run_stress"),
        long=True,
    )


@router.get("/regulator/stress")
def stress(request: Request, shock_pct: str = "20", days: str = "10") -> Response:
    return _stress(request, shock_pct, days, None)


def _stress(request: Request, shock_pct: str, days: str, form: Any) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        try:
            fall, horizon = float(shock_pct), int(days)
        except ValueError:
            raise DataError("the price fall is a percentage and the days a whole number") from None
        if not 0 < fall < 100:
            raise DataError("the price fall must lie between 0% and 100%")
        view = risk.stress(ctx.node, fall / 100, horizon)
        results = view["stress"]
        stress_chart = go.Figure(
            go.Bar(
                x=[r["scenario"] for r in results],
                y=[r["triggered"] for r in results],
                marker_color="#a4161a",
            )
        )
        days_axis = [row["day"] for row in view["cascade"]]
        cascade_chart = go.Figure(
            go.Scatter(
                x=days_axis,
                y=[row["triggered"] for row in view["cascade"]],
                mode="lines+markers",
                name=ctx.t("section.cascade"),
            )
        )
        return [
            form_section(_parameters(ctx, fall, horizon)),
            table_section(
                ctx.t("section.stress_results"),
                table(
                    results,
                    [
                        "scenario",
                        "warning",
                        "triggered",
                        "exposure_triggered_fen",
                        "shortfall_fen",
                        "uncovered_fen",
                        "worst_pledgee",
                    ],
                    ctx.lang,
                ),
            ),
            chart_section(stress_chart, ctx.t("section.stress_results")),
            table_section(
                ctx.t("section.cascade"),
                table(
                    view["cascade"],
                    ["day", "triggered", "new", "in_disposal", "shortfall_fen", "uncovered_fen", "sales_fen"],
                    ctx.lang,
                ),
            ),
            chart_section(cascade_chart, ctx.t("section.cascade")),
            table_section(
                "",
                table(
                    view["losses"],
                    ["org", "kind", "realized_loss_fen", "uncovered_fen", "total_loss_fen"],
                    ctx.lang,
                ),
            ),
        ]

    return serve(request, "page.stress", REGULATOR, build, form=form)


@router.post("/regulator/stress")
async def stress_run(request: Request) -> Response:
    form = await request.form()
    return _stress(request, str(form.get("shock_pct", "20")), str(form.get("days", "10")), form)


@router.get("/regulator/report")
def report(request: Request) -> Response:
    """The risk report as the CLI writes it (one self-contained page), at the latest closes."""

    def build(ctx: Ctx) -> HTMLResponse:
        view = risk.report(ctx.node)
        page = risk_html(
            view["report"], view["boards"], view["industries"], view["stress"], view["trade_date"], ctx.lang
        )
        return HTMLResponse(page)

    return serve(request, "page.report", REGULATOR, build)
