"""The register and risk views through a member's node: what each member may see, operations, refusals."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from api_nodes import Nodes

from pledgenet.cli.app import app
from pledgenet.cli.run import run
from pledgenet.demo.demo_book import terms_for
from pledgenet.errors import DataError, NotAParty, OverPledge, PledgenetError, UnknownRecord
from pledgenet.register.member_views import SEALED


def cli_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """The error line ``pledgenet words...`` prints."""
    monkeypatch.setattr(sys, "argv", ["pledgenet", *words])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        run(app)
    return capsys.readouterr().err.strip()


def test_sealed_terms_open_only_on_an_entitled_members_node(nodes: Nodes) -> None:
    # Prepare: ZY2024-0002 is pledged to bank-01; broker-02 is no party to it
    bank, broker = nodes.client("bank-01"), nodes.client("broker-02")
    registration_no = next(
        row["registration_no"] for row in bank.pledges(code="600100") if row["contract_no"] == "ZY2024-0002"
    )
    # Execute
    seen_by_pledgee = bank.registration(registration_no)
    seen_by_stranger = broker.registration(registration_no)
    # Assert
    assert seen_by_pledgee["terms"]["amount_fen"] > 0
    assert seen_by_stranger["terms"] == SEALED
    assert seen_by_stranger["quantity"] == seen_by_pledgee["quantity"]  # public elements are public


def test_a_pledge_made_through_the_node_is_seen_by_the_pledgee(nodes: Nodes) -> None:
    # Prepare: F0006 keeps its 600100 shares at broker-01
    broker, pledgee = nodes.client("broker-01"), nodes.client("bank-02")
    before = next(row for row in broker.holdings(code="600100") if row["account"] == "F0006")
    # Execute
    receipt = broker.pledge(
        contract_no="API-0001",
        account="F0006",
        code="600100",
        quantity=10_000_000,
        pledgee="bank-02",
        terms=terms_for(amount_fen=2_000_000_000, price_fen=612),
    )
    # Assert
    assert receipt.valid and receipt.tx_type == "register.pledge"
    after = next(row for row in broker.holdings(code="600100") if row["account"] == "F0006")
    assert after["pledged"] == before["pledged"] + 10_000_000
    row = next(row for row in pledgee.pledges(account="F0006") if row["contract_no"] == "API-0001")
    assert row["terms"]["amount_fen"] == 2_000_000_000
    assert pledgee.pledge_contract("API-0001")["pledgee"]["org"] == "bank-02"


def test_a_refusal_carries_the_reason_code_and_the_message_the_cli_prints(
    nodes: Nodes, directory: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prepare: C600100 (custody broker-01) cannot transfer more than its free shares
    url = nodes.url("broker-01")
    broker = nodes.client("broker-01")
    args = ["600100", "C600100", "F0001", "999999999999"]
    # Execute
    printed = cli_error(
        monkeypatch, capsys, "security", "transfer", "--dir", str(directory), "--as", "broker-01", *args
    )
    with pytest.raises(PledgenetError) as refused:
        broker.transfer(code="600100", from_account="C600100", to_account="F0001", quantity=999_999_999_999)
    raw = broker.http.post(
        url + "/api/v1/register/transfers",
        json={
            "code": "600100",
            "from_account": "C600100",
            "to_account": "F0001",
            "quantity": 999_999_999_999,
        },
    )
    # Assert
    problem = raw.json()
    assert raw.status_code == 422 and raw.headers["content-type"] == "application/problem+json"
    assert problem["message"] == printed
    assert problem["code"] == refused.value.code and printed.startswith(f"error [{problem['code']}]")
    assert str(refused.value) == problem["detail"]


def test_an_operation_by_a_member_that_is_no_party_is_forbidden(nodes: Nodes) -> None:
    # Prepare
    bank = nodes.client("bank-01")
    # Execute / Assert: bank-01 is not the pledgee of HG2024-0001
    with pytest.raises(NotAParty):
        bank.declare_default(contract_no="HG2024-0001", reason="closing_line")
    with pytest.raises(UnknownRecord):
        bank.pledge_contract("NO-SUCH-CONTRACT")
    with pytest.raises(OverPledge):
        nodes.client("broker-01").pledge(
            contract_no="API-0002", account="F0006", code="600100", quantity=200_000_000, pledgee="bank-02",
            terms=terms_for(amount_fen=2_000_000_000, price_fen=612),
        )  # fmt: skip


def test_account_identity_is_opened_for_its_custody_broker_only(nodes: Nodes) -> None:
    # Prepare: F0001 keeps its shares at broker-02
    custody, bank = nodes.client("broker-02"), nodes.client("bank-01")
    # Execute
    opened, sealed = custody.account("F0001"), bank.account("F0001")
    # Assert
    assert opened["identity"]["id_type"] == "resident_id"
    assert sealed["identity"] == SEALED and "broker-02" in sealed["identity_readers"]


def test_a_court_freezes_through_its_node_and_the_queue_shows_it(nodes: Nodes) -> None:
    # Prepare
    court = nodes.client("court-01")
    # Execute
    receipt = court.freeze(code="600200", account="F0002", quantity=1_000_000, case_no="(2024)API01")
    queue = court.freeze_queue("600200", "F0002")
    events = court.events(names=["freeze_effective"], code="600200")
    # Assert
    assert receipt.valid
    assert queue["frozen"] == 1_000_000 and queue["effective"][0]["case_no"] == "(2024)API01"
    assert events[-1]["payload"]["account"] == "F0002"


def test_weekly_statistics_and_securities_are_public(nodes: Nodes) -> None:
    # Prepare
    trust = nodes.client("trust-01")
    # Execute
    stats = trust.weekly_statistics(as_of="2024-12-06", prices={"600100": 612})
    listed = trust.securities()
    # Assert
    assert stats["market"]["companies_with_pledges"] == 4 and stats["market"]["unpriced"]
    assert {row["code"] for row in listed} == {"600100", "600200", "300300", "688400"}


def test_risk_views_cover_only_the_contracts_the_member_may_read(nodes: Nodes) -> None:
    # Prepare
    regulator, bank = nodes.client("regulator"), nodes.client("bank-01")
    # Execute
    everything = regulator.risk("contracts")
    own = bank.risk("contracts")
    by_pledgee = regulator.risk("views/pledgee")
    cascade = regulator.risk("cascade", shock=0.3, days=3)
    # Assert
    assert len(everything["rows"]) >= 8
    assert {row["pledgee"] for row in own["rows"]} == {"bank-01"}
    assert any("not entitled" in note for note in own["notes"])
    assert "bank-01" in {row["org"] for row in by_pledgee["rows"]}
    assert len(cascade["triggered_per_day"]) == 3
    with pytest.raises(DataError):
        regulator.risk("views/nonsense")


def test_bad_input_is_a_400_problem_naming_the_field(nodes: Nodes) -> None:
    # Prepare
    broker = nodes.client("broker-01")
    # Execute
    response: httpx.Response = broker.http.post(
        nodes.url("broker-01") + "/api/v1/register/transfers", json={"code": 1}
    )
    # Assert
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request" and "from_account" in response.json()["detail"]
