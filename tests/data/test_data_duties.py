"""Separation of duties in grants: the owner's approval counts once, as the owner's, whatever roles it
holds; the grantee approves nothing; every approval comes from a different member; a grant no set of
independent members could approve is refused at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_world import DATA, Clock

from pledgenet.contracts.catalog import init_alliance
from pledgenet.data.client import DataClient
from pledgenet.errors import GradingForbids, NotAnApprover
from pledgenet.ledger.alliance import MemberSpec

MEMBERS = [
    MemberSpec("registrar", ["registrar", "governing"]),
    MemberSpec("registrar-2", ["registrar", "regulator"]),
    MemberSpec("bank-01", ["bank"]),
    MemberSpec("broker-01", ["broker"]),
]


def register(client: DataClient, dataset: str, level: int) -> list[str]:
    client.register(dataset, DATA / "breast_hetero_host.csv", title=dataset, description="d", level=level)
    return [column["id"] for column in client.dataset(dataset)["schema"]][:2]


def test_an_owner_holding_the_registrar_role_approves_only_as_owner(tmp_path: Path) -> None:
    # Prepare: the registrar owns a level-3 dataset; the broker asks for it
    alliance = init_alliance(tmp_path / "a", MEMBERS, clock=Clock())
    try:
        registrar, second, broker = (
            DataClient(alliance, org) for org in ("registrar", "registrar-2", "broker-01")
        )
        columns = register(registrar, "registry-stats", 3)
        grant = broker.request("registry-stats", columns=columns, purpose="statistics", operations=["psi"])

        # Execute: the owner approves, then tries to approve again as registrar; the other registrar approves
        registrar.approve(grant)
        with pytest.raises(NotAnApprover) as twice:
            registrar.approve(grant)
        after_owner = broker.grant(grant)["status"]
        second.approve(grant)

        # Assert
        assert "registrar" in twice.value.message
        assert after_owner == "requested"
        approved = broker.grant(grant)
        assert approved["status"] == "approved"
        assert {slot: entry["org"] for slot, entry in approved["approvals"].items()} == {
            "owner": "registrar",
            "registrar": "registrar-2",
        }
    finally:
        alliance.close()


def test_the_grantee_and_a_member_with_two_roles_give_one_approval_at_most(tmp_path: Path) -> None:
    # Prepare: registrar-2 (registrar and regulator) asks for the bank's level-3 data; the broker asks for
    # the bank's level-5 data, which needs a registrar and a regulator
    alliance = init_alliance(tmp_path / "a", MEMBERS, clock=Clock())
    try:
        bank, registrar, second, broker = (
            DataClient(alliance, org) for org in ("bank-01", "registrar", "registrar-2", "broker-01")
        )
        level3 = register(bank, "bank-credit", 3)
        level5 = register(bank, "bank-aggregates", 5)
        own = second.request("bank-credit", columns=level3, purpose="supervision", operations=["psi"])
        pooled = broker.request(
            "bank-aggregates", columns=level5, purpose="statistics", operations=["attested_compute"]
        )

        # Execute
        with pytest.raises(NotAnApprover):
            second.approve(own)  # the grantee approving its own request
        second.approve(pooled)  # as registrar or regulator: one of the two
        with pytest.raises(NotAnApprover):
            second.approve(pooled)  # the other role of the same member
        registrar.approve(pooled)
        bank.approve(pooled)

        # Assert: the level-5 grant needed three distinct members
        approved = broker.grant(pooled)
        assert approved["status"] == "approved"
        assert sorted(entry["org"] for entry in approved["approvals"].values()) == [
            "bank-01",
            "registrar",
            "registrar-2",
        ]
        assert broker.grant(own)["approvals"] == {}
    finally:
        alliance.close()


def test_a_grant_without_independent_approvers_is_refused_at_once(tmp_path: Path) -> None:
    # Prepare: registrar-2 owns a level-5 dataset; the only other registrar asks for it, so no member
    # independent of owner and grantee can approve as registrar (and regulator)
    alliance = init_alliance(tmp_path / "a", MEMBERS, clock=Clock())
    try:
        owner, registrar = DataClient(alliance, "registrar-2"), DataClient(alliance, "registrar")
        columns = register(owner, "supervision-set", 5)
        before = dict(alliance.peer("bank-01").range("data/grant/"))

        # Execute
        with pytest.raises(GradingForbids) as refused:
            registrar.request(
                "supervision-set", columns=columns, purpose="supervision", operations=["attested_compute"]
            )

        # Assert
        assert refused.value.code == "no_independent_approver"
        assert dict(alliance.peer("bank-01").range("data/grant/")) == before
    finally:
        alliance.close()
