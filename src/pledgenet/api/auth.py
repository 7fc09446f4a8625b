"""Who is calling: signed requests from the member's own clients, or a browser session opened by one.

Every API request carries four headers (``pledgenet.client`` adds them):

    X-Pledgenet-Certificate   the client certificate, base64 DER (issued by the member's key)
    X-Pledgenet-Timestamp     milliseconds since the epoch, within the node's window of its clock
    X-Pledgenet-Nonce         16 to 64 characters [A-Za-z0-9_-], never used twice within the window
    X-Pledgenet-Signature     hex Ed25519 signature over ``client_credential.request_message``

The node checks, in order: the headers are there, the certificate claims an organisation and verifies
under that organisation's certificate as recorded on the chain, is valid now and not revoked, the
timestamp is within the window, the signature covers this node, method, path, query, timestamp, nonce
and body (any of these failing: 401); then that the client is this node's member's (else 403: broker-02's
valid, correctly signed request opens nothing on bank-01's node); and last that the nonce is fresh (else
401 ``replayed_request``).
All of it happens in ``AuthenticationMiddleware``, before routing and before the body is parsed, so a
refused request leaves no trace in state and gets 401 / 403 whatever its body holds.

A browser cannot sign each request, so a signed ``POST /api/v1/session`` (or the credential file posted
to ``/api/v1/session/credential``) opens a session: an HttpOnly, SameSite=Strict cookie, valid for
``session_ttl_s``, and a CSRF token that every non-GET request on the cookie must echo in
``X-Pledgenet-CSRF``. Sessions live in the node's memory; a restart signs everyone out.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pledgenet.api.backend import MemberBackend
from pledgenet.api.core.config import ApiSettings
from pledgenet.api.problems import problem, status_for
from pledgenet.contracts.governance import member_key
from pledgenet.crypto.client_credential import (
    ClientIdentity,
    certificate_from_header,
    check_client_certificate,
    claimed_org,
    request_message,
)
from pledgenet.crypto.signing import verify
from pledgenet.errors import AccessDenied, IdentityError, NotAuthenticated, PledgenetError

CERTIFICATE_HEADER = "x-pledgenet-certificate"
TIMESTAMP_HEADER = "x-pledgenet-timestamp"
NONCE_HEADER = "x-pledgenet-nonce"
SIGNATURE_HEADER = "x-pledgenet-signature"
CSRF_HEADER = "x-pledgenet-csrf"
SESSION_COOKIE = "pledgenet_session"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Caller:
    """An authenticated client of this node's member."""

    org: str
    name: str
    serial: int
    #: "signature" (a signed request) or "session" (a browser cookie)
    via: str


@dataclass(frozen=True)
class Session:
    caller: Caller
    expires_ms: int
    csrf: str


class ReplayGuard:
    """Nonces seen within the window, per client certificate; a second use is refused."""

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[int, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def spend(self, serial: int, nonce: str, *, until_ms: int, now: int) -> None:
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if (serial, nonce) in self._seen:
                raise NotAuthenticated(
                    "this request was already made once (nonce reused)", code="replayed_request"
                )
            self._seen[(serial, nonce)] = until_ms


class Authenticator:
    """Checks callers of one member's node."""

    def __init__(
        self,
        backend: MemberBackend,
        settings: ApiSettings,
        *,
        revoked: Callable[[], frozenset[int]] = frozenset,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.backend = backend
        self.window_ms = settings.request_window_s * 1000
        self.session_ttl_ms = settings.session_ttl_s * 1000
        self.revoked = revoked
        self.clock = clock
        self.replays = ReplayGuard()
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ certificates

    def member_certificate(self, org: str) -> str | None:
        """The organisation's certificate as its member record on the chain holds it (None: no member)."""
        with self.backend.read() as peer:
            record = peer.get(member_key(org))
        return None if record is None else str(record["certificate"])

    def client(self, certificate: x509.Certificate) -> Caller:
        """The caller a client certificate names, checked; 401 when not valid, 403 when another member's."""
        return self.own(self.identity(certificate))

    def identity(self, certificate: x509.Certificate) -> ClientIdentity:
        """The checked identity of a client certificate under its member's certificate (else 401)."""
        try:
            org = claimed_org(certificate)
            pem = self.member_certificate(org)
            if pem is None:
                raise IdentityError(
                    f"the client certificate names {org!r}, not a member of this alliance",
                    code="client_of_no_member",
                )
            return check_client_certificate(
                certificate,
                pem,
                at_ms=self.clock(),
                revoked_serials=self.revoked() if org == self.backend.org else frozenset(),
            )
        except IdentityError as error:
            raise NotAuthenticated(f"client certificate refused: {error.message}", code=error.code) from None

    def own(self, identity: ClientIdentity) -> Caller:
        """The caller, when ``identity`` is a client of this node's member (else 403)."""
        if identity.org != self.backend.org:
            raise AccessDenied(
                f"{identity.name} is a client of {identity.org}; this is {self.backend.org}'s node, which "
                f"serves only {self.backend.org}'s own clients",
                code="not_this_member",
            )
        return Caller(identity.org, identity.name, identity.serial, "signature")

    # ------------------------------------------------------------------ requests

    async def authenticate(self, request: Request, body: bytes | None = None) -> Caller:
        """The caller of ``request`` (``body``: its bytes, when already read), or raise 401 / 403.

        The checks read the member records and verify signatures: they run in a worker thread, never on
        the event loop (the backend's lock may be held by a submission).
        """
        body = await request.body() if body is None else body
        return await run_in_threadpool(self.check, request, body)

    def check(self, request: Request, body: bytes) -> Caller:
        """``authenticate``, synchronously."""
        headers = request.headers
        if CERTIFICATE_HEADER in headers or SIGNATURE_HEADER in headers:
            return self._signed(request, body)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            return self._session(request, token)
        raise NotAuthenticated(
            f"this is {self.backend.org}'s node: sign the request with a client credential of "
            f"{self.backend.org} (pledgenet client-key issue) or open a session",
            code="no_credentials",
        )

    def _signed(self, request: Request, body: bytes) -> Caller:
        headers = request.headers
        missing = [
            name
            for name in (CERTIFICATE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
            if name not in headers
        ]
        if missing:
            raise NotAuthenticated(f"signed request lacks {', '.join(missing)}", code="no_credentials")
        try:
            certificate = certificate_from_header(headers[CERTIFICATE_HEADER])
        except IdentityError as error:
            raise NotAuthenticated(error.message, code=error.code) from None
        identity = self.identity(certificate)
        nonce, stamp = headers[NONCE_HEADER], headers[TIMESTAMP_HEADER]
        # the request must verify before a valid client of another member is told so (403)
        if not NONCE.match(nonce):
            raise NotAuthenticated("the nonce is 16 to 64 characters of [A-Za-z0-9_-]", code="bad_nonce")
        if not stamp.isdigit():
            raise NotAuthenticated("the timestamp is milliseconds since the epoch", code="bad_timestamp")
        timestamp, now = int(stamp), self.clock()
        if abs(now - timestamp) > self.window_ms:
            raise NotAuthenticated(
                f"the request's timestamp is {abs(now - timestamp) / 1000:.0f} s from the node's clock; "
                f"at most {self.window_ms // 1000} s is accepted",
                code="stale_request",
            )
        try:
            signature = bytes.fromhex(headers[SIGNATURE_HEADER])
        except ValueError:
            raise NotAuthenticated("the signature is not hex", code="bad_request_signature") from None
        message = request_message(
            node=self.backend.org,
            method=request.method,
            target=request_target(request),
            timestamp_ms=timestamp,
            nonce=nonce,
            body=body,
        )
        if len(signature) != 64 or not verify(identity.public, message, signature):
            raise NotAuthenticated(
                "the request signature does not verify (wrong key, node, path, query, time, nonce or body)",
                code="bad_request_signature",
            )
        caller = self.own(identity)
        self.replays.spend(identity.serial, nonce, until_ms=timestamp + self.window_ms, now=now)
        return caller

    # ------------------------------------------------------------------ sessions

    def open_session(self, caller: Caller) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(
            Caller(caller.org, caller.name, caller.serial, "session"),
            self.clock() + self.session_ttl_ms,
            secrets.token_urlsafe(24),
        )
        with self._lock:
            now = self.clock()
            for stale in [key for key, value in self._sessions.items() if value.expires_ms < now]:
                del self._sessions[stale]
            self._sessions[token] = session
        return token, session

    def close_session(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def _session(self, request: Request, token: str) -> Caller:
        with self._lock:
            session = self._sessions.get(token)
        if session is None or session.expires_ms < self.clock():
            raise NotAuthenticated("the session has expired or was closed: sign in again", code="no_session")
        if session.caller.serial in self.revoked():
            raise NotAuthenticated(
                "the client certificate of this session was revoked", code="session_revoked"
            )
        if request.method not in SAFE_METHODS and not secrets.compare_digest(
            request.headers.get(CSRF_HEADER, ""), session.csrf
        ):
            raise NotAuthenticated(
                f"a session's {request.method} request must carry its CSRF token in X-Pledgenet-CSRF",
                code="csrf",
            )
        return session.caller


def request_target(request: Request) -> str:
    """The path and query exactly as the client sent them (what the signature covers)."""
    scope = request.scope
    raw = scope.get("raw_path") or scope["path"].encode()
    path = bytes(raw).split(b"?", 1)[0].decode("latin-1")
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{path}?{query}" if query else path


class AuthenticationMiddleware:
    """Authenticates every request under ``prefix`` before routing (pure ASGI).

    Running before the route means a request without valid credentials is refused (401 / 403) before its
    body is parsed or validated, whatever it holds. The body is read once, checked against the signature
    and handed on unchanged; the caller is left in ``request.state.caller`` for ``deps.current_caller``.
    """

    def __init__(
        self, app: ASGIApp, *, authenticator: Authenticator, prefix: str, open_paths: frozenset[str]
    ) -> None:
        self.app, self.authenticator = app, authenticator
        self.prefix, self.open_paths = prefix, open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.open_paths:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            caller = await self.authenticator.authenticate(Request(scope), body)
        except PledgenetError as error:
            await problem(status_for(error), error.code, error.message, instance=path)(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
