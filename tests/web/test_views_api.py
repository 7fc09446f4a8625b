"""The JSON views the pages draw, for programs: behind the API's authentication, refusals as problem+json
with the CLI's message, each member's view its own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pledgenet.client import NodeClient
from pledgenet.errors import PledgenetError


def test_a_view_without_credentials_is_a_401_problem(nodes: Any) -> None:
    response = httpx.get(nodes.urls["regulator"] + "/api/v1/views/risk/stock")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "no_credentials"


def test_the_regulator_reads_the_penetrating_view_with_its_signed_client(nodes: Any) -> None:
    with NodeClient(nodes.urls["regulator"], nodes.credentials["regulator"]) as client:
        view = client.get("/views/risk/pledgee")
    by_pledgee = {row["org"]: row for row in view["rows"]}
    assert {"broker-01", "bank-01", "trust-01"} <= set(by_pledgee)
    assert by_pledgee["bank-01"]["distance_to_firm_cap"] is None  # a cap that does not apply to a bank


def test_a_bank_is_refused_the_regulators_view_with_the_clis_message(nodes: Any) -> None:
    with NodeClient(nodes.urls["bank-01"], nodes.credentials["bank-01"]) as client:
        with pytest.raises(PledgenetError) as refused:
            client.get("/views/risk/stock")
        own = client.get("/views/pledgee/contracts")
    assert refused.value.code == "role_denied"
    assert {row["pledgee"] for row in own["contracts"]} == {"bank-01"}


def test_a_contract_view_keeps_another_pledgees_terms_sealed(nodes: Any) -> None:
    with NodeClient(nodes.urls["bank-01"], nodes.credentials["bank-01"]) as client:
        other = client.get("/views/contracts/HG2024-0001")
        own = client.get("/views/contracts/ZY2024-0002")
    assert {r["terms"] for r in other["registrations"]} == {"sealed (not entitled)"}
    assert all(isinstance(r["terms"], dict) for r in own["registrations"])
    assert own["history"][0]["tx_type"] == "register.pledge"
