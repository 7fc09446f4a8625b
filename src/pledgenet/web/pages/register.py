"""The register's pages: the registrar's verdict queue, book, weekly statistics and events; governance."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_inbox as inbox
from pledgenet.api.routes import views_register as data
from pledgenet.errors import BadRegisterArguments, PledgenetError
from pledgenet.web.columns import table
from pledgenet.web.context import Ctx, status_of
from pledgenet.web.format import exposure, integer
from pledgenet.web.pages import serve
from pledgenet.web.render import (
    Field,
    Form,
    Problem,
    Section,
    chart_section,
    form_section,
    summary_section,
    table_section,
    text_section,
)

router = APIRouter()
REGISTRAR = frozenset({"registrar"})
OVERSEERS = frozenset({"registrar", "regulator"})


def _queue_sections(ctx: Ctx) -> list[Section]:
    rows = data.registrar_queue(ctx.node)
    sections: list[Section] = [Section("text", title=ctx.t("section.pending"))]
    if not rows:
        return [*sections, text_section(ctx.t("section.pending_empty"), "muted")]
    for row in rows:
        terms = row["terms"]
        flat = {
            **row,
            **{
                k: terms.get(k)
                for k in ("amount_fen", "annual_rate_bp", "warning_line_bp", "closing_line_bp", "term_days")
            },
        }
        flat["preflight"] = row["verdict"]
        sections.append(
            table_section(
                f"{row['contract_no']} · {row['code']}",
                table(
                    [flat],
                    [
                        "submitted_by",
                        "submitted_at",
                        "account",
                        "code",
                        "quantity",
                        "pledgee",
                        "amount_fen",
                        "annual_rate_bp",
                        "warning_line_bp",
                        "closing_line_bp",
                        "term_days",
                        "preflight",
                    ],
                    ctx.lang,
                ),
            )
        )
        sections.append(
            form_section(
                Form(
                    title=f"{ctx.t('action.endorse')}: {row['contract_no']}",
                    action=f"/registrar/queue/{row['id']}/endorse",
                    fields=[],
                    submit=ctx.t("action.endorse"),
                    long=True,
                )
            )
        )
    return sections


@router.get("/registrar/queue")
def registrar_queue(request: Request) -> Response:
    return serve(request, "page.registrar_queue", REGISTRAR, _queue_sections)


@router.post("/registrar/queue/{proposal_id}/endorse")
async def registrar_endorse(request: Request, proposal_id: str) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        title = ctx.t("page.registrar_queue")
        try:
            receipt = inbox.endorse(ctx.node, proposal_id)
        except PledgenetError as error:
            problem = Problem.of(error, ctx.lang, status_of(error))
            return ctx.page(title, _queue_sections(ctx), problem=problem)
        notice = f"{ctx.t('done')}: {receipt.tx_type} · {receipt.result.get('registration_no', '')}"
        return ctx.page(title, _queue_sections(ctx), notice=notice)

    return serve(request, "page.registrar_queue", REGISTRAR, build, form=form)


@router.get("/registrar/book")
def registrar_book(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        securities = data.securities(ctx.node)
        accounts = data.accounts(ctx.node)
        holdings = data.holdings(ctx.node)
        return [
            table_section(
                ctx.t("section.securities"),
                table(
                    securities,
                    [
                        "code",
                        "short_name",
                        "board",
                        "industry",
                        "total_shares",
                        "restricted_shares",
                        "pledges",
                    ],
                    ctx.lang,
                ),
            ),
            table_section(
                ctx.t("section.accounts"),
                table(
                    accounts,
                    ["account", "holder_name", "holder_type", "custody_broker", "identity"],
                    ctx.lang,
                ),
            ),
            table_section(
                ctx.t("section.holdings"),
                table(holdings, ["code", "account", "total", "free", "pledged", "frozen"], ctx.lang, top=60),
            ),
        ]

    return serve(request, "page.registrar_book", REGISTRAR, build)


def _weekly_frame(stats: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(stats["stocks"])
    if len(frame):
        frame["pledge_ratio"] = frame["pledge_ratio_bp"] / 10_000
    return frame


@router.get("/registrar/weekly")
def weekly(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        stats = data.weekly(ctx.node)
        market = stats["market"]
        frame = _weekly_frame(stats)
        buckets = market["buckets"]
        sections = [
            summary_section(
                [
                    (ctx.t("as_of"), str(stats["as_of"])),
                    (ctx.t("section.per_stock"), integer(market["companies_with_pledges"], ctx.lang)),
                    (ctx.t("section.holdings"), integer(market["pledged_shares"], ctx.lang)),
                    (ctx.t("section.summary"), exposure(market["pledged_value_fen"], ctx.lang)),
                ]
            ),
            table_section(
                ctx.t("section.per_stock"),
                table(
                    frame,
                    [
                        "code",
                        "short_name",
                        "board",
                        "pledges",
                        "unrestricted_pledged",
                        "restricted_pledged",
                        "total_shares",
                        "pledge_ratio",
                    ],
                    ctx.lang,
                ),
                csv="/registrar/weekly.csv",
            ),
        ]
        if buckets:
            figure = go.Figure(go.Bar(x=list(buckets), y=list(buckets.values()), marker_color="#0b4f9c"))
            sections.append(chart_section(figure, ctx.t("section.buckets")))
        if len(frame):
            ratio = go.Figure(go.Bar(x=frame["code"], y=frame["pledge_ratio"] * 100, marker_color="#2a6f97"))
            ratio.update_yaxes(title_text="%")
            sections.append(chart_section(ratio, ctx.t("page.weekly")))
        return sections

    return serve(request, "page.weekly", OVERSEERS, build)


@router.get("/registrar/weekly.csv")
def weekly_csv(request: Request) -> Response:
    def build(ctx: Ctx) -> HTMLResponse:
        stats = data.weekly(ctx.node)
        buffer = io.StringIO()
        pd.DataFrame(stats["stocks"]).to_csv(buffer, index=False)
        return HTMLResponse(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f"attachment; filename=weekly_{stats['as_of']}.csv"},
        )

    return serve(request, "page.weekly", OVERSEERS, build)


@router.get("/registrar/events")
def events(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        rows = [
            {
                "height": e["height"],
                "event": e["name"].removeprefix("register."),
                "code": e["payload"].get("code"),
                "account": e["payload"].get("account"),
                "payload": e["payload"],
                "tx_id": e["tx_id"],
            }
            for e in data.events(ctx.node)
        ][::-1]
        return [
            table_section(
                "",
                table(
                    rows,
                    ["height", "event", "code", "account", "payload"],
                    ctx.lang,
                    top=200,
                    links={"height": "/explorer/tx/{tx_id}"},
                ),
            )
        ]

    return serve(request, "page.events", OVERSEERS, build)


@router.get("/governance")
def governance(request: Request) -> Response:
    return serve(request, "page.governance", None, _governance_sections)


def _governance_sections(ctx: Ctx) -> list[Section]:
    state = data.governance(ctx.node)
    sections = [
        table_section(
            ctx.t("section.members"), table(state["members"], ["member", "name", "roles"], ctx.lang)
        ),
        table_section(ctx.t("section.params"), table(state["params"], ["param", "setting"], ctx.lang)),
        table_section(
            ctx.t("section.proposals"),
            table(
                state["proposals"],
                ["proposal", "action", "subject", "proposer", "approvals", "status"],
                ctx.lang,
            ),
        ),
    ]
    if "governing" in ctx.session.roles:
        params = [(row["param"], row["param"]) for row in state["params"]]
        sections.append(
            form_section(
                Form(
                    title=ctx.t("action.propose_param"),
                    action="/governance/propose",
                    fields=[
                        Field("name", ctx.t("field.param"), "select", options=params),
                        Field("value", ctx.t("field.param_value"), "number"),
                    ],
                    submit=ctx.t("action.propose_param"),
                )
            )
        )
        for proposal in (p for p in state["proposals"] if p["status"] == "open"):
            sections.append(
                form_section(
                    Form(
                        title=f"{ctx.t('section.proposals')}: {proposal['proposal'][:12]}…",
                        action=f"/governance/{proposal['proposal']}/vote",
                        fields=[
                            Field(
                                "approve",
                                ctx.t("action.vote_yes"),
                                "checkbox",
                                value=True,
                                required=False,
                            )
                        ],
                        submit=ctx.t("submit"),
                    )
                )
            )
    return sections


@router.post("/governance/propose")
async def propose(request: Request) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        from pledgenet.register.review import raise_for

        text = str(form.get("value", "")).strip()
        if not text.lstrip("-").isdigit():
            raise BadRegisterArguments(f"a parameter's value is a whole number here, not {text!r}")
        action = {"kind": "set_param", "name": str(form.get("name", "")), "value": int(text)}
        with ctx.node.register() as client:
            receipt = raise_for(client.alliance.submit("gov.propose", {"action": action}, [ctx.node.org]))
        return ctx.page(
            ctx.t("page.governance"), _governance_sections(ctx), notice=f"{ctx.t('done')}: {receipt.result}"
        )

    return serve(request, "page.governance", frozenset({"governing"}), build, form=form)


@router.post("/governance/{proposal_id}/vote")
async def vote(request: Request, proposal_id: str) -> Response:
    form = await request.form()
    approve = form.get("approve") == "1"

    def build(ctx: Ctx) -> HTMLResponse:
        with ctx.node.register() as client:
            receipt = client.alliance.submit(
                "gov.vote", {"proposal": proposal_id, "approve": approve}, [ctx.node.org]
            )
        if not receipt.valid:
            from pledgenet.register.review import raise_for

            raise_for(receipt)
        notice = f"{ctx.t('done')}: {receipt.result}"
        return ctx.page(ctx.t("page.governance"), _governance_sections(ctx), notice=notice)

    return serve(request, "page.governance", frozenset({"governing"}), build, form=form)
