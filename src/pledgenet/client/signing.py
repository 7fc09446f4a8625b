"""Signs each outgoing request with a client credential (an ``httpx.Auth``): see ``api.auth`` for the
headers and ``crypto.client_credential.request_message`` for what the signature covers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Generator

import httpx

from pledgenet.crypto.client_credential import ClientCredential, certificate_header, request_message


class RequestSigner(httpx.Auth):
    """Adds the certificate, timestamp, nonce and signature headers for node ``node``."""

    requires_request_body = True

    def __init__(
        self,
        credential: ClientCredential,
        node: str | Callable[[], str],
        *,
        clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self.credential = credential
        self._node = node
        self._certificate = certificate_header(credential.certificate_pem)
        self.clock = clock

    @property
    def node(self) -> str:
        return self._node if isinstance(self._node, str) else self._node()

    def sign(self, request: httpx.Request) -> None:
        timestamp, nonce = self.clock(), secrets.token_urlsafe(18)
        message = request_message(
            node=self.node,
            method=request.method,
            target=request.url.raw_path.decode("ascii"),
            timestamp_ms=timestamp,
            nonce=nonce,
            body=request.content,
        )
        request.headers["X-Pledgenet-Certificate"] = self._certificate
        request.headers["X-Pledgenet-Timestamp"] = str(timestamp)
        request.headers["X-Pledgenet-Nonce"] = nonce
        request.headers["X-Pledgenet-Signature"] = self.credential.key.sign(message).hex()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request
