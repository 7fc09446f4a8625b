"""The API's dependencies, as ``Annotated`` types a route declares (full-stack FastAPI template style).

``NodeDep``: the member backend this app serves; ``SettingsDep``: its settings; ``AuthDep``: the
authenticator; ``CallerDep``: the authenticated client (every router of the API depends on
``current_caller``, so a request without valid credentials is refused before any route runs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pledgenet.api.auth import Authenticator, Caller
from pledgenet.api.backend import MemberBackend
from pledgenet.api.core.config import ApiSettings


def get_backend(request: Request) -> MemberBackend:
    backend: MemberBackend = request.app.state.backend
    return backend


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


NodeDep = Annotated[MemberBackend, Depends(get_backend)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
AuthDep = Annotated[Authenticator, Depends(get_authenticator)]


async def current_caller(request: Request, authenticator: AuthDep) -> Caller:
    """The authenticated client of this request (401 / 403 problem otherwise).

    Under ``/api/v1`` the ``AuthenticationMiddleware`` has already checked the request; elsewhere (pages
    mounted on the same app) the check runs here.
    """
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:
        caller = await authenticator.authenticate(request)
        request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
