"""Everyone's pages: the chain explorer (blocks, transactions with their validity codes, inclusion proofs
checked in the browser) and the member's own record."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pledgenet.api.routes import views_chain as chain
from pledgenet.api.routes import views_register as data
from pledgenet.web.columns import table
from pledgenet.web.context import Ctx
from pledgenet.web.pages import serve
from pledgenet.web.render import Section, summary_section, table_section

router = APIRouter()


@router.get("/explorer")
def explorer(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        blocks = chain.blocks(ctx.node, limit=50)
        return [
            table_section(
                ctx.t("section.blocks"),
                table(
                    blocks,
                    ["height", "timestamp", "producer", "tx_count", "hash"],
                    ctx.lang,
                    links={"height": "/explorer/block/{height}"},
                ),
            )
        ]

    return serve(request, "page.explorer", None, build)


@router.get("/explorer/block/{height}")
def block(request: Request, height: int) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        view = chain.block(ctx.node, height)
        header = view["header"]
        return [
            summary_section(
                [
                    (ctx.t("page.block"), str(height)),
                    ("producer", header["producer"]),
                    ("tx_root", header["tx_root"][:16] + "…"),
                    ("state_root", header["state_root"][:16] + "…"),
                ]
            ),
            table_section(
                ctx.t("section.txs"),
                table(
                    view["txs"],
                    ["tx_id", "tx_type", "submitter", "valid", "reason", "message"],
                    ctx.lang,
                    links={"tx_id": "/explorer/tx/{tx_id}"},
                ),
            ),
        ]

    return serve(request, "page.block", None, build, f" {height}")


@router.get("/explorer/tx/{tx_id}")
def tx(request: Request, tx_id: str) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        view = chain.transaction(ctx.node, tx_id)
        receipt = view["receipt"]
        data_for_check = {
            "proof": view["proof"],
            "tx_root": view["tx_root"],
            "ok_text": ctx.t("proof.ok", height=receipt["height"]),
            "bad_text": ctx.t("proof.bad"),
        }
        return [
            table_section(
                "",
                table(
                    [{**receipt, "reason": receipt["code"]}],
                    ["height", "tx_type", "submitter", "valid", "reason", "message"],
                    ctx.lang,
                ),
            ),
            Section("proof", title=ctx.t("action.check_proof"), data=data_for_check),
        ]

    return serve(request, "page.tx", None, build, f" {tx_id[:16]}…")


@router.get("/me")
def me(request: Request) -> Response:
    def build(ctx: Ctx) -> list[Section]:
        record = data.member_record(ctx.node)
        return [
            table_section(
                "",
                table(
                    [record],
                    ["org", "name", "roles", "serial", "admitted_at", "height"],
                    ctx.lang,
                    kinds={"admitted_at": "time", "org": "text"},
                ),
            ),
        ]

    return serve(request, "page.me", None, build)
