"""Sign-in with the member's credential, sign-out, and the landing page (each role's main page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pledgenet.errors import AccessDenied
from pledgenet.web.app import Web, page_context
from pledgenet.web.i18n import language, translate
from pledgenet.web.render import Problem, render
from pledgenet.web.session import COOKIE, LANG_COOKIE, SESSION_SECONDS, check_credential

router = APIRouter()
#: each role's main page, the first role that matches wins
MAIN_PAGES = [
    ("registrar", "/registrar/queue"),
    ("regulator", "/regulator/views"),
    ("court", "/court/freezes"),
    ("exchange", "/exchange/prices"),
    *[(role, "/pledgee/contracts") for role in ("broker", "bank", "trust", "insurer")],
]


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
        next=next_path if next_path.startswith("/") else "/",
        problem=problem,
    )
    return HTMLResponse(html, status_code=problem.status if problem else 200)


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    return _signin_page(request, next)


@router.post("/signin")
async def signin(request: Request) -> Response:
    web: Web = request.app.state.web
    lang = language(request.cookies.get(LANG_COOKIE))
    form = await request.form()
    org = str(form.get("org", "")).strip()
    next_path = str(form.get("next", "/"))
    upload = form.get("credential")
    credential = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    try:
        if org != web.node.org:
            raise AccessDenied(
                f"this node serves {web.node.org}; {org or 'nobody'} signs in at its own node",
                code="wrong_member",
            )
        with web.node.read() as peer:
            record = peer.get("gov/member/" + org)
        if record is None:
            raise AccessDenied(f"{org} is not a member of the alliance", code="not_a_member")
        check_credential(credential, str(record["certificate"]), org)
    except AccessDenied as error:
        return _signin_page(request, next_path, Problem.of(error, lang, 403))
    response = RedirectResponse(next_path if next_path.startswith("/") else "/", status_code=303)
    response.set_cookie(
        COOKIE, web.sessions.issue(org), httponly=True, samesite="strict", max_age=SESSION_SECONDS
    )
    return response


@router.post("/signout")
def signout() -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/")
def home(request: Request) -> Response:
    """Each member's main page: the first page of the navigation its roles open."""
    ctx = page_context(request)
    if ctx is None:
        return RedirectResponse("/signin", status_code=303)
    roles = set(ctx.session.roles)
    first = next((url for role, url in MAIN_PAGES if role in roles), "/explorer")
    return RedirectResponse(first, status_code=303)
