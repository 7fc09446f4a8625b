"""Errors as problem+json (RFC 9457), mapped from pledgenet's one exception tree in one place.

Every refusal the API gives is a ``application/problem+json`` object::

    {"type": "urn:pledgenet:error:<code>", "title": "...", "status": 422, "code": "<code>",
     "detail": "<the message>", "message": "error [<code>]: <the message>", "instance": "/api/v1/..."}

``code`` is the reason code the ledger records beside an invalid transaction (or the error's own code),
``detail`` the message, and ``message`` the very line the CLI prints for the same refusal.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pledgenet import errors

PROBLEM_JSON = "application/problem+json"

#: HTTP status by error branch, most specific first (the first class the error is an instance of wins)
STATUS: list[tuple[type[errors.PledgenetError], int]] = [
    (errors.NotAuthenticated, 401),
    (errors.AccessDenied, 403),
    (errors.RoleDenied, 403),
    (errors.NotAParty, 403),
    (errors.NotFound, 404),
    (errors.UnknownRecord, 404),
    (errors.DuplicateRecord, 409),
    (errors.ReplayedNonce, 409),
    (errors.WrongState, 409),
    (errors.MalformedTransaction, 400),
    (errors.BadRegisterArguments, 400),
    (errors.StateDivergence, 503),
    (errors.IntegrityError, 500),
    (errors.ConfigError, 500),
    (errors.ContractError, 422),
    (errors.LedgerError, 422),
    (errors.DataError, 422),
    (errors.PrivacyError, 422),
    (errors.PledgenetError, 500),
]

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Refused",
    500: "Node error",
    503: "Node halted",
    504: "Timed out",
}


def kind_of(error: errors.PledgenetError) -> type[errors.PledgenetError]:
    """The most specific class ``error`` stands for: the class its code belongs to (``errors.CODES``)
    when that is one of its own kind, else its own class (a refusal re-raised under a wider class, or a
    401 carrying the code of the certificate check that failed, keeps its branch)."""
    named = errors.CODES.get(error.code)
    return named if named is not None and issubclass(named, type(error)) else type(error)


def status_for(error: errors.PledgenetError) -> int:
    """The status of the most specific class the error stands for (``kind_of``)."""
    named = kind_of(error)
    for kind, status in STATUS:
        if issubclass(named, kind):
            return status
    return 500


def problem(status: int, code: str, detail: str, *, instance: str = "", **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:pledgenet:error:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        "message": f"error [{code}]: {detail}",
        **({"instance": instance} if instance else {}),
        **extra,
    }
    headers = {"WWW-Authenticate": 'Pledgenet-Ed25519 realm="pledgenet"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_detail(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
    return "; ".join(parts) or "the request does not match its schema"


def install(app: FastAPI) -> None:
    """Register the handlers: pledgenet errors, request validation, plain HTTP errors."""

    async def pledgenet_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, errors.PledgenetError)
        return problem(status_for(error), error.code, error.message, instance=request.url.path)

    async def validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return problem(400, "bad_request", _validation_detail(error), instance=request.url.path)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problem(error.status_code, code, str(error.detail), instance=request.url.path)

    app.add_exception_handler(errors.PledgenetError, pledgenet_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
