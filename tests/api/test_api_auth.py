"""Only the member's own people use its node: signed requests, 401 / 403, replay, revocation, sessions."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import httpx
import pytest
from api_nodes import Nodes

from pledgenet.api import clients
from pledgenet.crypto.client_credential import (
    ClientCredential,
    certificate_header,
    issue_client_credential,
    request_message,
)
from pledgenet.crypto.identity import SigningKey, load_certificate
from pledgenet.crypto.keystore import Member
from pledgenet.errors import IdentityError

BANK, BROKER = "bank-01", "broker-02"
#: an operation bank-01 may not do but that would leave a trace on the chain (an invalid transaction)
DEFAULT_BODY = {"reason": "closing_line"}
DEFAULT_PATH = "/api/v1/register/contracts/HG2024-0001/default"


def signed(
    credential: ClientCredential,
    node: str,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers of a signed request, with the parts a test may want to bend."""
    timestamp = timestamp if timestamp is not None else time.time_ns() // 1_000_000
    nonce = nonce or secrets.token_urlsafe(18)
    message = request_message(
        node=node, method=method, target=target, timestamp_ms=timestamp, nonce=nonce, body=body
    )
    return {
        "X-Pledgenet-Certificate": certificate_header(credential.certificate_pem),
        "X-Pledgenet-Timestamp": str(timestamp),
        "X-Pledgenet-Nonce": nonce,
        "X-Pledgenet-Signature": credential.key.sign(message).hex(),
        "Content-Type": "application/json",
    }


def post(url: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(url + path, content=body, headers=headers or {"Content-Type": "application/json"})


def test_a_request_without_credentials_gets_401_and_leaves_no_trace(nodes: Nodes) -> None:
    # Prepare
    url, before = nodes.url(BANK), nodes.height()
    # Execute
    read = httpx.get(url + "/api/v1/register/holdings", params={"code": "600100"})
    write = post(url, DEFAULT_PATH, json.dumps(DEFAULT_BODY).encode())
    garbage = post(url, "/api/v1/transactions", b"not even json")
    # Assert: refused for want of credentials before anything else is looked at
    for response in (read, write, garbage):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "no_credentials"
    assert nodes.height() == before


def test_another_members_credentials_open_nothing_on_this_node(nodes: Nodes) -> None:
    # Prepare: a valid credential of broker-02
    broker = ClientCredential.load(nodes.credential(BROKER))
    url, before = nodes.url(BANK), nodes.height()
    body = json.dumps(DEFAULT_BODY).encode()
    # Execute: a correctly signed request for bank-01's node, and one signed for broker-02's own node
    aimed = post(url, DEFAULT_PATH, body, signed(broker, BANK, "POST", DEFAULT_PATH, body))
    elsewhere = post(url, DEFAULT_PATH, body, signed(broker, BROKER, "POST", DEFAULT_PATH, body))
    # Assert
    assert aimed.status_code == 403 and aimed.json()["code"] == "not_this_member"
    assert elsewhere.status_code == 401 and elsewhere.json()["code"] == "bad_request_signature"
    assert nodes.height() == before


def test_a_certificate_not_signed_by_the_member_is_refused(nodes: Nodes, directory: Path) -> None:
    # Prepare: the issuing helper refuses a key that is not the member's ...
    member = Member.load(BANK, directory / "orgs" / BANK)
    impostor_key = SigningKey.generate()
    with pytest.raises(IdentityError, match="does not belong"):
        issue_client_credential(impostor_key, member.certificate_pem, name="mallory", now_ms=0, days=1)
    # ... so the impostor copies a genuine certificate's fields and signs them with its own key
    genuine = ClientCredential.load(nodes.credential(BANK))
    tampered = _resigned(genuine, impostor_key)
    url = nodes.url(BANK)
    # Execute
    response = httpx.get(url + "/api/v1/node", headers=signed(tampered, BANK, "GET", "/api/v1/node"))
    # Assert
    assert response.status_code == 401
    assert response.json()["code"] == "client_certificate_forged"


def _resigned(credential: ClientCredential, key: SigningKey) -> ClientCredential:
    """The same certificate fields, signed by ``key`` instead of the member."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    original = load_certificate(credential.certificate_pem)
    builder = (
        x509.CertificateBuilder()
        .subject_name(original.subject)
        .issuer_name(original.issuer)
        .public_key(key.public_key())
        .serial_number(original.serial_number + 1)
        .not_valid_before(original.not_valid_before_utc)
        .not_valid_after(original.not_valid_after_utc)
    )
    for extension in original.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    pem = builder.sign(key.to_cryptography(), None).public_bytes(serialization.Encoding.PEM).decode()
    return ClientCredential(key, pem)


def test_a_replayed_request_is_refused_and_does_nothing_twice(nodes: Nodes) -> None:
    # Prepare: one signed write (bank-01 declaring a default it may not declare: recorded as invalid)
    credential = ClientCredential.load(nodes.credential(BANK))
    url, body = nodes.url(BANK), json.dumps(DEFAULT_BODY).encode()
    headers = signed(credential, BANK, "POST", DEFAULT_PATH, body)
    before = nodes.height()
    # Execute
    first = post(url, DEFAULT_PATH, body, headers)
    after_first = nodes.height()
    replay = post(url, DEFAULT_PATH, body, headers)
    # Assert
    assert first.status_code == 403 and first.json()["code"] == "not_a_party"
    assert after_first == before + 1  # the refusal is on the chain, as every refused operation is
    assert replay.status_code == 401 and replay.json()["code"] == "replayed_request"
    assert nodes.height() == after_first


@pytest.mark.parametrize(
    ("bend", "code"),
    [
        ("stale", "stale_request"),
        ("body", "bad_request_signature"),
        ("path", "bad_request_signature"),
        ("query", "bad_request_signature"),
        ("node", "bad_request_signature"),
        ("nonce", "bad_nonce"),
    ],
)
def test_a_signature_covers_time_body_path_query_and_node(nodes: Nodes, bend: str, code: str) -> None:
    # Prepare: a request signed for one thing, sent as another
    credential = ClientCredential.load(nodes.credential(BANK))
    url, target, body = nodes.url(BANK), "/api/v1/state?prefix=gov/member/", b""
    now = time.time_ns() // 1_000_000
    sent = target
    headers = signed(credential, BANK, "GET", target, body)
    if bend == "stale":
        headers = signed(credential, BANK, "GET", target, body, timestamp=now - 5 * 60_000)
    elif bend == "body":
        headers = signed(credential, BANK, "GET", target, b'{"x": 1}')
    elif bend == "path":
        sent = "/api/v1/state?prefix=gov/"
        headers = signed(credential, BANK, "GET", "/api/v1/history/gov/member/bank-01", body)
    elif bend == "query":
        sent = "/api/v1/state?prefix=reg/"
    elif bend == "node":
        headers = signed(credential, BROKER, "GET", target, body)
    elif bend == "nonce":
        headers = signed(credential, BANK, "GET", target, body, nonce="short")
    # Execute
    response = httpx.get(url + sent, headers=headers)
    # Assert
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_an_expired_or_revoked_credential_is_refused(nodes: Nodes, directory: Path) -> None:
    # Prepare: one credential issued 40 days ago for 30 days, one valid and then revoked
    expired = nodes.credential(BANK, days=30, issued_ms=time.time_ns() // 10**6 - 40 * 86_400_000)
    revoked = nodes.credential(BANK)
    node = nodes.client(BANK)
    url = node.http.base_url
    works = httpx.get(
        f"{url}/api/v1/node", headers=signed(ClientCredential.load(revoked), BANK, "GET", "/api/v1/node")
    )
    assert works.status_code == 200
    clients.revoke(
        directory, BANK, load_certificate(ClientCredential.load(revoked).certificate_pem).serial_number
    )
    # Execute
    responses = {
        name: httpx.get(
            f"{url}/api/v1/node", headers=signed(ClientCredential.load(path), BANK, "GET", "/api/v1/node")
        )
        for name, path in (("expired", expired), ("revoked", revoked))
    }
    # Assert
    assert responses["expired"].status_code == 401
    assert responses["expired"].json()["code"] == "client_certificate_expired"
    assert responses["revoked"].status_code == 401
    assert responses["revoked"].json()["code"] == "client_certificate_revoked"


def test_a_browser_session_needs_the_credential_and_a_csrf_token_for_writes(nodes: Nodes) -> None:
    # Prepare
    url = nodes.url(BANK)
    credential_text = nodes.credential(BANK).read_text()
    browser = httpx.Client(base_url=url)
    # Execute: sign in with the credential file, read, write without and with the CSRF token, sign out
    opened = browser.post("/api/v1/session/credential", json={"credential": credential_text})
    read = browser.get("/api/v1/node")
    before = nodes.height()
    no_csrf = browser.post(DEFAULT_PATH, json=DEFAULT_BODY)
    height_after_refusal = nodes.height()
    with_csrf = browser.post(
        DEFAULT_PATH, json=DEFAULT_BODY, headers={"X-Pledgenet-CSRF": opened.json()["csrf"]}
    )
    closed = browser.delete("/api/v1/session", headers={"X-Pledgenet-CSRF": opened.json()["csrf"]})
    stale = httpx.Client(base_url=url, cookies={"pledgenet_session": opened.cookies["pledgenet_session"]})
    after_close = stale.get("/api/v1/node")
    # Assert
    assert opened.status_code == 200 and "httponly" in opened.headers["set-cookie"].lower()
    assert read.status_code == 200 and read.json()["caller"] == opened.json()["name"]
    assert no_csrf.status_code == 401 and no_csrf.json()["code"] == "csrf"
    assert height_after_refusal == before
    assert with_csrf.status_code == 403 and with_csrf.json()["code"] == "not_a_party"
    assert closed.status_code == 204
    assert after_close.status_code == 401


def test_a_credential_file_of_another_member_opens_no_session(nodes: Nodes) -> None:
    # Prepare
    url = nodes.url(BANK)
    broker_text = nodes.credential(BROKER).read_text()
    # Execute
    response = httpx.post(url + "/api/v1/session/credential", json={"credential": broker_text})
    garbage = httpx.post(url + "/api/v1/session/credential", json={"credential": "not a key"})
    # Assert
    assert response.status_code == 403 and "pledgenet_session" not in response.cookies
    assert garbage.status_code == 401 and garbage.json()["code"] == "malformed_credential"
