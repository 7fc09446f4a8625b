"""Privacy, tested: a non-grantee's node never receives the plaintext or the data key; the copy a grantee
receives is sealed for it alone; no cell of a dataset ever reaches the chain; hidden names stay hidden."""

from __future__ import annotations

import json
from typing import Any

import pytest
from data_world import DATA, World, all_columns, approved_grant

from pledgenet.crypto.envelope import open_envelope, recipients_of
from pledgenet.data.files import read_table
from pledgenet.data.sharing import FetchRequest
from pledgenet.errors import AccessDenied, BadDataArguments


def _cells(count: int = 40) -> list[str]:
    """Distinctive cells of the bank's file (values with six decimals, not ids)."""
    table = read_table(DATA / "breast_hetero_host.csv")
    return [value for column in table.columns[1:] for value in column[:4]][:count]


def _request(world: World, requester: str, grant: str) -> dict[str, Any]:
    request = FetchRequest(
        requester, "bank-credit", grant, "credit_modelling", all_columns(world, "bank-credit")
    )
    return request.__dict__


def test_a_non_grantee_receives_neither_plaintext_nor_the_data_key(world: World) -> None:
    # Prepare: the bank's node, and everything it sends back to each requester
    grant = approved_grant(world, operations=["plaintext_copy"])
    service = world.service("bank-01")
    # Execute: the non-grantee asks (with the grantee's grant), then the grantee asks
    to_outsider = service.serve(_request(world, "broker-02", grant))
    to_grantee = service.serve(_request(world, "broker-01", grant))
    # Assert: the outsider gets a refusal and nothing else
    assert to_outsider == {"status": "refused", "reason": "not_grantee", "use": 1}
    # the grantee's answer carries no cell in clear, and its data key is wrapped for the grantee alone
    wire = json.dumps(to_grantee)
    assert to_grantee["status"] == "served"
    assert not [cell for cell in _cells() if cell in wire]
    envelope = to_grantee["envelope"]
    assert recipients_of(envelope) == {"broker-01"}
    for org in ("broker-02", "registrar", "regulator"):
        with pytest.raises(AccessDenied):
            open_envelope(envelope, org, world.alliance.member(org).encryption_private_key)
    opened = open_envelope(envelope, "broker-01", world.alliance.member("broker-01").encryption_private_key)
    assert opened["columns"]["x0"][:4] == read_table(DATA / "breast_hetero_host.csv").column("x0")[:4]


def test_no_cell_of_a_dataset_reaches_the_chain(world: World) -> None:
    # Prepare / Execute: a grant, a served copy, a refused one
    grant = approved_grant(world, operations=["plaintext_copy"])
    world.service("bank-01").serve(_request(world, "broker-01", grant))
    world.service("bank-01").serve(_request(world, "broker-02", grant))
    peer = world.alliance.peer("broker-02")
    # Assert: every transaction every peer holds, byte for byte
    chain = b"".join(tx for height in range(peer.height + 1) for tx in peer.block(height).txs)
    assert chain and not [cell for cell in _cells() if cell.encode() in chain]


def test_hidden_column_names_are_read_only_by_the_entitled(world: World) -> None:
    # Prepare
    grant = world["broker-01"].request(
        "bank-credit", columns=["c1", "c7"], purpose="credit_modelling", operations=["psi"]
    )
    world["registrar"].approve(grant)
    world["bank-01"].approve(grant)

    def names(org: str) -> dict[str, str | None]:
        return {c["id"]: c["name"] for c in world[org].dataset("bank-credit")["schema"][:7]}

    # Execute / Assert: the owner, registrar and regulator read every name; the grantee its granted ones
    full = {"c1": "id", "c2": "x0", "c3": "x1", "c4": "x2", "c5": "x3", "c6": "x4", "c7": "x5"}
    assert names("bank-01") == names("registrar") == names("regulator") == full
    assert names("broker-01") == {**{k: None for k in full}, "c1": "id", "c7": "x5"}
    assert names("broker-02") == {**{k: None for k in full}, "c7": "x5"}


def test_a_malformed_request_to_the_owners_node_is_refused_before_anything_is_recorded(world: World) -> None:
    # Prepare
    grant = approved_grant(world, operations=["plaintext_copy"])
    request = {**_request(world, "broker-01", grant), "all_columns": True}
    before = world.data_state()
    # Execute
    with pytest.raises(BadDataArguments):
        world.service("bank-01").serve(request)
    # Assert
    assert world.data_state() == before
