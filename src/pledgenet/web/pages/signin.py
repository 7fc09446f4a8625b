"""Sign-in with a client credential of the member, sign-out, and the landing page (each role's main page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pledgenet.errors import PledgenetError
from pledgenet.web.context import Web, page_context, status_of
from pledgenet.web.i18n import language, translate
from pledgenet.web.render import Problem, render
from pledgenet.web.session import LANG_COOKIE, close_session, open_session

router = APIRouter()
#: each role's main page, the first role that matches wins
MAIN_PAGES = [
    ("registrar", "/registrar/queue"),
    ("regulator", "/regulator/views"),
    ("court", "/court/freezes"),
    ("exchange", "/exchange/prices"),
    *[(role, "/pledgee/contracts") for role in ("broker", "bank", "trust", "insurer")],
]


def _safe(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _signin_page(request: Request, next_path: str, problem: Problem | None = None) -> HTMLResponse:
    web: Web = request.app.state.web
    lang = language(request.cookies.get(LANG_COOKIE))
    html = render(
        "signin.html",
        lang,
        title=translate("signin.title", lang),
        node_org=web.node.org,
        session=None,
        nav=[],
        path=request.url.path,
        next=_safe(next_path),
        problem=problem,
    )
    return HTMLResponse(html, status_code=problem.status if problem else 200)


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    return _signin_page(request, next)


@router.post("/signin")
async def signin(request: Request) -> Response:
    lang = language(request.cookies.get(LANG_COOKIE))
    form = await request.form()
    next_path = _safe(str(form.get("next", "/")))
    upload = form.get("credential")
    raw = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    response = RedirectResponse(next_path, status_code=303)
    try:
        open_session(request, response, raw.decode("utf-8", errors="replace"))
    except PledgenetError as error:
        return _signin_page(request, next_path, Problem.of(error, lang, status_of(error)))
    return response


@router.post("/signout")
def signout(request: Request) -> RedirectResponse:
    from pledgenet.api.auth import SESSION_COOKIE

    close_session(request)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request) -> Response:
    """Each member's main page: the one of its first role that has one."""
    ctx = page_context(request)
    if ctx is None:
        return RedirectResponse("/signin", status_code=303)
    roles = set(ctx.session.roles)
    first = next((url for role, url in MAIN_PAGES if role in roles), "/explorer")
    return RedirectResponse(first, status_code=303)
