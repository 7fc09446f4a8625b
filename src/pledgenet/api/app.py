"""The app factory: one member's node API over a ``MemberBackend``.

    app = create_app(backend, settings)         # backend: EmbeddedMember(dir, org), or a node's backend

Everything under ``/api/v1`` needs a client credential of this node's member (``api.auth``), except
``POST /api/v1/session/credential`` (the credential itself is presented). ``/health``, ``/openapi.json``
and ``/docs`` (Swagger UI served from the ``fastapi-offline`` package's files: no CDN, works without
internet) are open: they say nothing about the register.

Later layers (the web pages) add their routers to the returned app or pass them in ``routers``; each is
mounted as given, so a page router decides its own prefix and dependencies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from pledgenet.api import problems
from pledgenet.api.auth import AuthenticationMiddleware, Authenticator
from pledgenet.api.backend import MemberBackend
from pledgenet.api.core.config import ApiSettings
from pledgenet.api.deps import current_caller
from pledgenet.api.routes import governance, ledger, market, register, risk, session, transactions

API_PREFIX = "/api/v1"
DOCS_STATIC = Path(fastapi_offline.__file__).parent / "static"
DOCS_STATIC_URL = "/static/docs"


def create_app(
    backend: MemberBackend,
    settings: ApiSettings | None = None,
    *,
    revoked: Callable[[], frozenset[int]] = frozenset,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The API of ``backend``'s member. ``revoked``: the member's revoked client serials, read per request."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title=f"pledgenet node of {backend.org}",
        summary="A member node of a stock-pledge data alliance: ledger, pledge register, risk supervision.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.backend = backend
    app.state.settings = settings
    app.state.authenticator = authenticator = Authenticator(backend, settings, revoked=revoked)
    problems.install(app)
    app.add_middleware(
        AuthenticationMiddleware,
        authenticator=authenticator,
        prefix=API_PREFIX + "/",
        open_paths=frozenset({API_PREFIX + "/session/credential"}),
    )

    protected = [Depends(current_caller)]
    for module in (ledger, transactions, register, risk, governance, market):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=protected)
    app.include_router(session.router, prefix=API_PREFIX, dependencies=protected)
    app.include_router(session.open_router, prefix=API_PREFIX)
    for router in routers:
        app.include_router(router)

    app.mount(DOCS_STATIC_URL, StaticFiles(directory=DOCS_STATIC), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API",
            swagger_js_url=f"{root}{DOCS_STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
        )

    @app.get("/health", tags=["node"])
    def health() -> dict[str, object]:
        """Liveness for supervisors: the member and its peer's height (no credentials needed)."""
        return {"status": "ok", "org": backend.org, "height": backend.height}

    return app
