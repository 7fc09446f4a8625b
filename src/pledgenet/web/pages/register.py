"""The register's pages: the registrar's verdict queue, book, weekly statistics and events; governance;
the court's freezes; the exchange's price feed and corporate actions."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_inbox as inbox
from pledgenet.api.routes import views_register as data
from pledgenet.errors import BadRegisterArguments, NotFound, PledgenetError
from pledgenet.web.columns import heading, table
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


# ---------------------------------------------------------------------------------------------- court


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


# ------------------------------------------------------------------------------------------- exchange


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
