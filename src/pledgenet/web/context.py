"""What every page handler shares: the navigation per role, the request's context (language, signed-in
member, node), the guard that turns a refusal into the page's problem box, the sign-in redirect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pledgenet.api.problems import status_for
from pledgenet.api.routes.views_node import NodeView
from pledgenet.api.routes.views_register import PLEDGEE_ROLES, roles_of
from pledgenet.errors import AccessDenied, PledgenetError, RoleDenied
from pledgenet.web.i18n import language, translate
from pledgenet.web.render import Problem, Section, render
from pledgenet.web.session import LANG_COOKIE, Session, api_session

ALL_ROLES = frozenset(
    {"registrar", "regulator", "exchange", "court", "governing", "broker", "bank", "trust", "insurer"}
)
#: the pages in the navigation: who sees them, where, their title's key
NAV: list[tuple[frozenset[str], str, str]] = [
    (frozenset({"registrar"}), "/registrar/queue", "page.registrar_queue"),
    (frozenset({"registrar"}), "/registrar/book", "page.registrar_book"),
    (PLEDGEE_ROLES, "/pledgee/contracts", "page.contracts"),
    (PLEDGEE_ROLES, "/pledgee/new", "page.new_pledge"),
    (PLEDGEE_ROLES, "/pledgee/alerts", "page.alerts"),
    (frozenset({"regulator"}), "/regulator/views", "page.views"),
    (frozenset({"regulator"}), "/regulator/concentration", "page.concentration"),
    (frozenset({"regulator"}), "/regulator/alerts", "page.alerts"),
    (frozenset({"regulator"}), "/regulator/stress", "page.stress"),
    (frozenset({"regulator"}), "/regulator/report", "page.report"),
    (frozenset({"registrar", "regulator"}), "/registrar/weekly", "page.weekly"),
    (frozenset({"registrar", "regulator"}), "/registrar/events", "page.events"),
    (frozenset({"court"}), "/court/freezes", "page.freezes"),
    (frozenset({"exchange"}), "/exchange/prices", "page.prices"),
    (frozenset({"exchange"}), "/exchange/actions", "page.corporate_actions"),
    (ALL_ROLES, "/data", "page.data"),
    (ALL_ROLES, "/governance", "page.governance"),
    (ALL_ROLES, "/explorer", "page.explorer"),
    (ALL_ROLES, "/me", "page.me"),
]


@dataclass
class Web:
    """What the page handlers share: the member's node."""

    node: NodeView


@dataclass
class Ctx:
    """One request's page context: the language, the signed-in member, the path."""

    request: Request
    lang: str
    session: Session
    web: Web

    @property
    def node(self) -> NodeView:
        return self.web.node

    def t(self, key: str, **values: Any) -> str:
        return translate(key, self.lang, **values)

    def nav(self) -> list[dict[str, str]]:
        roles = set(self.session.roles)
        return [{"url": url, "label": self.t(key)} for allowed, url, key in NAV if roles & allowed]

    def require(self, allowed: frozenset[str] | set[str], what: str) -> None:
        if not set(self.session.roles) & set(allowed):
            raise RoleDenied(
                f"{what} is for members with the role {' or '.join(sorted(allowed))}; "
                f"{self.session.org} has {', '.join(self.session.roles) or 'no role'}",
            )

    def page(
        self,
        title: str,
        sections: list[Section],
        *,
        problem: Problem | None = None,
        notice: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        html = render(
            "page.html",
            self.lang,
            title=title,
            sections=sections,
            session=self.session,
            csrf=self.session.csrf,
            node_org=self.node.org,
            nav=self.nav(),
            path=self.request.url.path,
            problem=problem,
            notice=notice,
        )
        return HTMLResponse(html, status_code=problem.status if problem else status)


def status_of(error: PledgenetError) -> int:
    """The HTTP status of a refusal: the API's own table (``api.problems``)."""
    return status_for(error)


Handler = Callable[..., Response]


def page_context(request: Request) -> Ctx | None:
    web: Web = request.app.state.web
    lang = language(request.cookies.get(LANG_COOKIE))
    opened = api_session(request)
    if opened is None or opened.caller.org != web.node.org:
        return None
    caller = opened.caller
    return Ctx(request, lang, Session(caller.org, caller.name, roles_of(web.node), opened.csrf), web)


def signin_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)


def guarded(ctx: Ctx, title: str, build: Callable[[], HTMLResponse]) -> HTMLResponse:
    """Run a page builder; a pledgenet refusal becomes the page's problem box with its HTTP status."""
    try:
        return build()
    except PledgenetError as error:
        problem = Problem.of(error, ctx.lang, status_of(error))
        heading = ctx.t("forbidden.title") if isinstance(error, (AccessDenied, RoleDenied)) else title
        return ctx.page(heading, [], problem=problem)
