"""Browser sessions: open one with a signed request or the credential file, close it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pledgenet.api.auth import SESSION_COOKIE, Caller, Session
from pledgenet.api.deps import AuthDep, CallerDep
from pledgenet.api.models import CredentialCreate, SessionPublic
from pledgenet.crypto.client_credential import ClientCredential
from pledgenet.crypto.identity import load_certificate
from pledgenet.errors import ConfigError, NotAuthenticated

router = APIRouter(tags=["session"])
#: routes that authenticate by what they are given (the credential itself), not by a prior credential
open_router = APIRouter(tags=["session"])


def _opened(response: Response, token: str, session: Session, ttl_ms: int, secure: bool) -> SessionPublic:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ttl_ms // 1000,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return SessionPublic(
        org=session.caller.org, name=session.caller.name, expires_ms=session.expires_ms, csrf=session.csrf
    )


@router.post("/session", response_model=SessionPublic)
def open_session(
    request: Request, response: Response, caller: CallerDep, authenticator: AuthDep
) -> SessionPublic:
    """Open a browser session from a signed request: sets the HttpOnly session cookie."""
    token, session = authenticator.open_session(caller)
    return _opened(response, token, session, authenticator.session_ttl_ms, request.url.scheme == "https")


@open_router.post("/session/credential", response_model=SessionPublic)
def open_session_with_credential(
    request: Request, response: Response, body: CredentialCreate, authenticator: AuthDep
) -> SessionPublic:
    """Open a browser session by presenting the client credential file (sign-in page).

    The node checks the certificate as for a signed request and that the key in the file is the
    certificate's; it keeps nothing of the key.
    """
    try:
        credential = ClientCredential.from_text(body.credential)
    except ConfigError as error:
        raise NotAuthenticated(error.message, code="malformed_credential") from None
    identity = authenticator.identity(load_certificate(credential.certificate_pem))
    if credential.key.public_bytes != identity.public:
        raise NotAuthenticated(
            "the key in the credential is not the certificate's", code="credential_key_mismatch"
        )
    caller: Caller = authenticator.own(identity)
    token, session = authenticator.open_session(caller)
    return _opened(response, token, session, authenticator.session_ttl_ms, request.url.scheme == "https")


@router.delete("/session", status_code=204)
def close_session(request: Request, response: Response, authenticator: AuthDep) -> None:
    """Close this browser session (sign out)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        authenticator.close_session(token)
    response.delete_cookie(SESSION_COOKIE, path="/")
