"""The dashboard: server-rendered pages over the member node's JSON views, on the node's API app.

``create_app(backend, settings)`` is the API's app (``api.app.create_app``) with the dashboard's JSON view
routes (``/api/v1/views/...``, behind the API's authentication) and ``mount_web``: the static files (the
node's own plotly.js, no CDN), sign-in and sign-out (the API's sessions), the language switch and every
role's pages. A page for another role answers 403 with the refusal, a refused action shows the same
``error [code]: message`` line the CLI prints, and a page without a session leads to the sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from pledgenet.api.backend import MemberBackend
from pledgenet.api.core.config import ApiSettings
from pledgenet.web.context import Web
from pledgenet.web.i18n import LANGUAGES
from pledgenet.web.session import LANG_COOKIE


def _static_routes(app: FastAPI) -> None:
    static = resources.files("pledgenet.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")


def mount_web(app: FastAPI) -> None:
    """Add the dashboard to an API app (``api.app.create_app``) for the member its backend serves."""
    from pledgenet.web.pages import chain, court, data, exchange, pledgee, register, regulator, signin

    app.state.web = Web(app.state.backend)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        source = resources.files("plotly") / "package_data" / "plotly.min.js"
        return Response(
            source.read_bytes(),
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.post("/lang", include_in_schema=False)
    async def switch_language(request: Request) -> RedirectResponse:
        form = await request.form()
        chosen = str(form.get("lang", ""))
        target = str(form.get("next", "/"))
        response = RedirectResponse(target if target.startswith("/") else "/", status_code=303)
        if chosen in LANGUAGES:
            response.set_cookie(LANG_COOKIE, chosen, samesite="strict", max_age=365 * 86400)
        return response

    for module in (signin, register, pledgee, regulator, court, exchange, data, chain):
        app.include_router(module.router, include_in_schema=False)
    _static_routes(app)


def create_app(
    backend: MemberBackend,
    settings: ApiSettings | None = None,
    *,
    revoked: Callable[[], frozenset[int]] = frozenset,
) -> FastAPI:
    """The member's node: the API, the dashboard's JSON view routes and the dashboard."""
    from pledgenet.api.app import API_PREFIX
    from pledgenet.api.app import create_app as create_api
    from pledgenet.api.deps import current_caller
    from pledgenet.api.routes import views_json

    app = create_api(backend, settings, revoked=revoked)
    app.include_router(views_json.router, prefix=API_PREFIX, dependencies=[Depends(current_caller)])
    mount_web(app)
    return app
