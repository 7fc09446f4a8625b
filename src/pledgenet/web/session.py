"""Signing in to a member's node in a browser: the API's own sessions (``api.auth``), opened from the page.

A person signs in with a client credential of the node's member (the file ``pledgenet client-key issue``
writes: a key and a certificate signed by the member's key). The sign-in page posts the file and the node
opens a session exactly as ``POST /api/v1/session/credential`` does (the same route function runs), so the
browser holds the API's HttpOnly, SameSite=Strict session cookie and acts as that one member, for the
pages and for the JSON routes alike. Every form of a page carries the session's CSRF token; a POST without
it is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from pledgenet.api.auth import SESSION_COOKIE, Authenticator
from pledgenet.api.auth import Session as ApiSession
from pledgenet.api.models import CredentialCreate
from pledgenet.api.routes.session import open_session_with_credential
from pledgenet.errors import NotAuthenticated

LANG_COOKIE = "pledgenet_lang"


@dataclass(frozen=True)
class Session:
    """The signed-in member as a page sees it."""

    org: str
    name: str
    roles: tuple[str, ...]
    csrf: str


def authenticator_of(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def open_session(request: Request, response: Response, credential_text: str) -> str:
    """Check the credential and set the session cookie on ``response``; returns the member's org."""
    opened = open_session_with_credential(
        request, response, CredentialCreate(credential=credential_text), authenticator_of(request)
    )
    return opened.org


def api_session(request: Request) -> ApiSession | None:
    """The API session of the request's cookie, when it is open, unexpired and not revoked."""
    authenticator = authenticator_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with authenticator._lock:  # the API keeps its sessions in memory, under this lock
        session = authenticator._sessions.get(token)
    if session is None or session.expires_ms < authenticator.clock():
        return None
    if session.caller.serial in authenticator.revoked():
        return None
    return session


def close_session(request: Request) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        authenticator_of(request).close_session(token)


def check_csrf(session: Session, submitted: object) -> None:
    """Guard of every form post: it carries this session's CSRF token."""
    if not isinstance(submitted, str) or not secrets.compare_digest(submitted, session.csrf):
        raise NotAuthenticated("the form is not from this session's page (CSRF token missing)", code="csrf")
