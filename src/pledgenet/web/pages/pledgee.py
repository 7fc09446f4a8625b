"""The pledgee's pages (brokers, banks, trusts): its contracts against their lines, the alert inbox, a
contract with its sealed terms, history and proofs, the actions its role may take, and a new pledge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pledgenet.api.routes import views_inbox as inbox
from pledgenet.api.routes import views_register as data
from pledgenet.api.routes import views_risk as risk
from pledgenet.api.routes.views_register import PLEDGEE_ROLES
from pledgenet.contracts.register.terms import make_terms
from pledgenet.errors import BadRegisterArguments, PledgenetError
from pledgenet.web.columns import heading, kind_of, table
from pledgenet.web.context import Ctx, status_of
from pledgenet.web.format import cell, trade_date
from pledgenet.web.pages import alert_sections, serve
from pledgenet.web.render import Field, Form, Problem, Section, form_section, summary_section, table_section

router = APIRouter()


@router.get("/pledgee/contracts")
def contracts(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        view = risk.my_contracts(ctx.node)
        return [
            table_section(
                f"{ctx.t('as_of')} {view['trade_date']}",
                table(
                    view["contracts"],
                    [
                        "contract",
                        "code",
                        "pledgor",
                        "shares",
                        "owed_fen",
                        "ratio",
                        "lines",
                        "to_warning",
                        "to_closing",
                        "status",
                        "closing_price_fen",
                    ],
                    ctx.lang,
                    links={"contract": "/pledgee/contract/{contract}"},
                ),
            )
        ]

    return serve(request, "page.contracts", PLEDGEE_ROLES, build)


@router.get("/pledgee/alerts")
def alerts(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        return alert_sections(ctx, dated=True)

    return serve(request, "page.alerts", PLEDGEE_ROLES, build)


def _action_forms(ctx: Ctx, contract_no: str, registrations: list[dict[str, Any]]) -> list[Section]:
    numbers = [(r["registration_no"], r["registration_no"]) for r in registrations]
    base = f"/pledgee/contract/{contract_no}"
    forms = [
        Form(
            ctx.t("action.release"),
            f"{base}/release",
            [
                Field("registration_no", ctx.t("field.registration_no"), "select", options=numbers),
                Field("quantity", ctx.t("field.quantity"), "number", required=False),
            ],
            ctx.t("action.release"),
        ),
        Form(
            ctx.t("action.topup"),
            f"{base}/topup",
            [
                Field("quantity", ctx.t("field.quantity"), "number"),
                Field("price_yuan", ctx.t("field.price_yuan"), "number", step="0.01"),
            ],
            ctx.t("action.topup"),
        ),
        Form(
            ctx.t("action.extend"),
            f"{base}/extend",
            [
                Field("term_days", ctx.t("field.term_days"), "number"),
                Field("price_yuan", ctx.t("field.price_yuan"), "number", step="0.01"),
            ],
            ctx.t("action.extend"),
        ),
        Form(
            ctx.t("action.default"),
            f"{base}/default",
            [
                Field(
                    "reason",
                    ctx.t("field.reason"),
                    "select",
                    options=[(r, r) for r in ("closing_line", "failure_to_repurchase")],
                )
            ],
            ctx.t("action.default"),
        ),
        Form(
            ctx.t("action.dispose"),
            f"{base}/dispose",
            [
                Field("registration_no", ctx.t("field.registration_no"), "select", options=numbers),
                Field("quantity", ctx.t("field.quantity"), "number"),
            ],
            ctx.t("action.dispose"),
        ),
    ]
    return [form_section(form) for form in forms]


def _contract_sections(ctx: Ctx, contract_no: str) -> list[Section]:
    view = data.contract(ctx.node, contract_no)
    registrations = view["registrations"]
    sealed_rows = []
    for registration in registrations:
        terms = registration.get("terms")
        row = {
            "registration_no": registration["registration_no"],
            "code": registration.get("code"),
            "quantity": registration.get("quantity"),
            "status": registration.get("status"),
        }
        if isinstance(terms, dict):
            row.update(terms)
        else:
            row.update(
                dict.fromkeys(("amount_fen", "annual_rate_bp", "warning_line_bp", "closing_line_bp"), terms)
            )
        sealed_rows.append(row)
    valued = risk.contract_valuation(ctx.node, contract_no)
    sections = []
    if valued is not None:
        sections.append(
            summary_section(
                [(ctx.t("as_of"), trade_date(valued["trade_date"], ctx.lang))]
                + [(heading(field, ctx.lang), cell(valued[field], kind_of(field), ctx.lang))
                   for field in ("ratio", "status", "lines", "to_warning", "to_closing", "closing_price_fen")]
            )
        )  # fmt: skip
    sections += [
        table_section(
            ctx.t("section.terms"),
            table(
                sealed_rows,
                [
                    "registration_no",
                    "code",
                    "quantity",
                    "status",
                    "amount_fen",
                    "annual_rate_bp",
                    "term_days",
                    "warning_line_bp",
                    "closing_line_bp",
                ],
                ctx.lang,
            ),
        ),
        table_section(
            ctx.t("section.history"),
            table(
                view["history"],
                ["height", "tx_id", "tx_type", "submitter", "valid"],
                ctx.lang,
                links={"tx_id": "/explorer/tx/{tx_id}"},
            ),
        ),
        Section("text", title=ctx.t("section.actions")),
    ]
    if view["contract"]["pledgee"]["org"] == ctx.node.org:
        sections += _action_forms(ctx, contract_no, registrations)
    return sections


@router.get("/pledgee/contract/{contract_no}")
def contract(request: Request, contract_no: str) -> Response:
    return serve(
        request,
        "page.contract",
        PLEDGEE_ROLES | {"registrar", "regulator"},
        lambda ctx: _contract_sections(ctx, contract_no),
        f" {contract_no}",
    )


def _number(form: Any, name: str, ctx: Ctx, required: bool = True) -> int | None:
    text = str(form.get(name, "") or "").strip()
    if not text:
        if required:
            raise BadRegisterArguments(f"{name} is required")
        return None
    try:
        return int(text)
    except ValueError:
        raise BadRegisterArguments(f"{name} must be a whole number, not {text!r}") from None


def _fen(form: Any, name: str) -> int:
    text = str(form.get(name, "") or "").strip()
    try:
        return round(float(text) * 100)
    except ValueError:
        raise BadRegisterArguments(f"{name} must be an amount in yuan, not {text!r}") from None


def _terms(
    business_type: str,
    amount_fen: int,
    price_fen: int,
    term_days: int = 365,
    rate_bp: int = 600,
    lines: tuple[int, int] = (16_000, 14_000),
) -> dict[str, Any]:
    return make_terms(
        business_type=business_type,
        amount_fen=amount_fen,
        annual_rate_bp=rate_bp,
        term_days=term_days,
        use_of_funds="01",
        warning_line_bp=lines[0],
        closing_line_bp=lines[1],
        start_price_fen=price_fen,
    )


@router.post("/pledgee/contract/{contract_no}/{action}")
async def contract_action(request: Request, contract_no: str, action: str) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        title = f"{ctx.t('page.contract')} {contract_no}"
        try:
            with ctx.node.register() as client:
                if action == "release":
                    receipt = client.release(
                        registration_no=str(form.get("registration_no")),
                        quantity=_number(form, "quantity", ctx, required=False),
                    )
                elif action == "topup":
                    terms = _terms("financing_top_up", 0, _fen(form, "price_yuan"), rate_bp=0)
                    receipt = client.top_up(
                        contract_no=contract_no, quantity=_number(form, "quantity", ctx) or 0, terms=terms
                    )
                elif action == "extend":
                    terms = _terms(
                        "financing_initial",
                        0,
                        _fen(form, "price_yuan"),
                        term_days=_number(form, "term_days", ctx) or 0,
                    )
                    receipt = client.extend(contract_no=contract_no, terms=terms)
                elif action == "default":
                    receipt = client.declare_default(contract_no=contract_no, reason=str(form.get("reason")))
                elif action == "dispose":
                    receipt = client.dispose(
                        registration_no=str(form.get("registration_no")),
                        mode="sellable",
                        quantity=_number(form, "quantity", ctx),
                    )
                else:
                    raise BadRegisterArguments(f"no action {action!r} on a contract")
        except PledgenetError as error:
            problem = Problem.of(error, ctx.lang, status_of(error))
            return ctx.page(title, _contract_sections(ctx, contract_no), problem=problem)
        notice = f"{ctx.t('done')}: {receipt.tx_type} ({ctx.t('page.block')} {receipt.height})"
        return ctx.page(title, _contract_sections(ctx, contract_no), notice=notice)

    return serve(request, "page.contract", PLEDGEE_ROLES, build, form=form)


def _new_pledge_form(ctx: Ctx) -> Form:
    return Form(
        title=ctx.t("page.new_pledge"),
        action="/pledgee/new",
        fields=[
            Field("contract_no", ctx.t("field.contract_no")),
            Field("account", ctx.t("field.account")),
            Field("code", ctx.t("field.code")),
            Field("quantity", ctx.t("field.quantity"), "number"),
            Field("amount_yuan", ctx.t("field.amount_yuan"), "number", step="0.01"),
            Field("price_yuan", ctx.t("field.price_yuan"), "number", step="0.01"),
            Field("rate_pct", ctx.t("field.rate_pct"), "number", value="6.00", step="0.01"),
            Field("term_days", ctx.t("field.term_days"), "number", value="365"),
            Field("warning_pct", ctx.t("field.warning_pct"), "number", value="160", step="0.01"),
            Field("closing_pct", ctx.t("field.closing_pct"), "number", value="140", step="0.01"),
        ],
        submit=ctx.t("action.pledge"),
        long=True,
    )


@router.get("/pledgee/new")
def new_pledge_form(request: Request) -> Response:
    return serve(request, "page.new_pledge", PLEDGEE_ROLES, lambda ctx: [form_section(_new_pledge_form(ctx))])


@router.post("/pledgee/new")
async def new_pledge(request: Request) -> Response:
    form = await request.form()

    def build(ctx: Ctx) -> HTMLResponse:
        title = ctx.t("page.new_pledge")
        try:
            terms = _terms(
                "financing_initial",
                _fen(form, "amount_yuan"),
                _fen(form, "price_yuan"),
                term_days=_number(form, "term_days", ctx) or 0,
                rate_bp=_fen(form, "rate_pct"),
                lines=(_fen(form, "warning_pct"), _fen(form, "closing_pct")),
            )
            proposal = inbox.propose_pledge(
                ctx.node,
                terms=terms,
                contract_no=str(form.get("contract_no", "")).strip(),
                account=str(form.get("account", "")).strip(),
                code=str(form.get("code", "")).strip(),
                quantity=_number(form, "quantity", ctx),
                pledgee=ctx.node.org,
            )
        except PledgenetError as error:
            problem = Problem.of(error, ctx.lang, status_of(error))
            return ctx.page(title, [form_section(_new_pledge_form(ctx))], problem=problem)
        notice = f"{ctx.t('done')}: {proposal['args']['contract_no']}. {ctx.t('queued.help')}"
        return ctx.page(title, [form_section(_new_pledge_form(ctx))], notice=notice)

    return serve(request, "page.new_pledge", PLEDGEE_ROLES, build, form=form)
