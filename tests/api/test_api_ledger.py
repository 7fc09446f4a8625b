"""Submitting signed envelopes, receipts, the commit stream, blocks, proofs, state and history over HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_nodes import TRADE_DATE, Nodes

from pledgenet.client import NodeBlockSource
from pledgenet.contracts.catalog import all_contracts, open_alliance
from pledgenet.errors import IntegrityError, MalformedTransaction, NotFound
from pledgenet.ledger.alliance import read_config
from pledgenet.ledger.block import BlockHeader
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.proofs import TxProof, check_tx_proof
from pledgenet.ledger.records import SignedHeader

EXCHANGE, BANK = "exchange", "bank-01"


def envelope(directory: Path, tx_type: str, args: dict[str, Any], signers: list[str]) -> bytes:
    """A signed envelope, made with the members' keys in the directory (as a member's own tool would)."""
    with open_alliance(directory) as alliance:
        return alliance.sign(tx_type, args, signers)


_LATER = itertools.count(1)


def closes(price: int) -> dict[str, Any]:
    """The next day's closes (closes only move forward, and each day's are published once)."""
    day = dt.date.fromisoformat(TRADE_DATE) + dt.timedelta(days=next(_LATER))
    return {"trade_date": str(day), "closes": {"600100": price}}


def signed_header(row: dict[str, Any]) -> SignedHeader:
    fields = {name: row[name] for name in BlockHeader.__dataclass_fields__}
    return SignedHeader(BlockHeader(**fields), bytes.fromhex(row["signature"]))


def test_a_signed_envelope_commits_and_its_receipt_says_where_and_whether(
    nodes: Nodes, directory: Path
) -> None:
    # Prepare: the exchange's closes (valid) and a bank's governance proposal (refused: not governing)
    exchange, bank = nodes.client(EXCHANGE), nodes.client(BANK)
    good = envelope(directory, "market.publish_closes", closes(615), [EXCHANGE])
    denied = envelope(
        directory, "gov.propose", {"action": {"kind": "set_param", "name": "x", "value": 1}}, [BANK]
    )
    # Execute
    committed = exchange.submit_envelope(good)
    refused = bank.submit_envelope(denied)
    # Assert
    assert committed["status"] == "committed" and committed["receipt"]["valid"] is True
    assert committed["receipt"]["code"] == "ok" and committed["receipt"]["height"] > 0
    assert refused["receipt"]["valid"] is False and refused["receipt"]["code"] == "role_denied"
    assert bank.receipt(committed["tx_id"]).index == committed["receipt"]["index"]


def test_a_batch_is_ordered_as_sent_and_receipts_can_be_awaited_later(nodes: Nodes, directory: Path) -> None:
    # Prepare
    exchange = nodes.client(EXCHANGE)
    with open_alliance(directory) as alliance:
        envelopes = [
            alliance.sign("market.publish_closes", closes(price), [EXCHANGE]) for price in (620, 621)
        ]
    # Execute
    acknowledged = exchange.submit_envelopes(envelopes, wait=False)
    receipts = [exchange.receipt(item["tx_id"], wait_s=10) for item in acknowledged]
    # Assert
    assert [item["status"] for item in acknowledged] == ["acknowledged", "acknowledged"]
    assert all(receipt.valid for receipt in receipts)
    assert (receipts[0].height, receipts[0].index) < (receipts[1].height, receipts[1].index)


def test_a_node_relays_only_its_members_well_formed_transactions(nodes: Nodes, directory: Path) -> None:
    # Prepare
    bank = nodes.client(BANK)
    foreign = envelope(directory, "market.publish_closes", closes(630), [EXCHANGE])
    before = nodes.height()
    # Execute / Assert
    with pytest.raises(MalformedTransaction) as refused:
        bank.submit_envelope(foreign)
    assert refused.value.code == "foreign_submitter"
    with pytest.raises(MalformedTransaction) as broken:
        bank.submit_envelope(b'{"body": {}, "signatures": []}')
    assert broken.value.code == "malformed"
    assert nodes.height() == before
    with pytest.raises(NotFound) as missing:
        bank.receipt("ab" * 32)
    assert missing.value.code == "not_committed"


def test_the_commit_stream_sends_each_block_with_its_receipts(nodes: Nodes, directory: Path) -> None:
    # Prepare: a listener on the next block
    bank, exchange = nodes.client(BANK), nodes.client(EXCHANGE)
    start = bank.node()["height"] + 1
    received: list[dict[str, Any]] = []
    listener = threading.Thread(target=lambda: received.extend(bank.commits(from_height=start, max_blocks=1)))
    listener.start()
    # Execute
    submitted = exchange.submit_envelope(
        envelope(directory, "market.publish_closes", closes(640), [EXCHANGE])
    )
    listener.join(timeout=20)
    replayed = list(bank.commits(from_height=start, max_blocks=1))
    # Assert
    assert not listener.is_alive()
    assert [event["height"] for event in received] == [start]
    assert [tx["tx_id"] for tx in received[0]["txs"]] == [submitted["tx_id"]]
    assert replayed == received


def test_a_transaction_comes_with_a_proof_the_headers_check(nodes: Nodes, directory: Path) -> None:
    # Prepare: a committed transaction, then one more block so its outcome is provable
    exchange, bank = nodes.client(EXCHANGE), nodes.client(BANK)
    tx_id = exchange.submit_envelope(envelope(directory, "market.publish_closes", closes(650), [EXCHANGE]))[
        "tx_id"
    ]
    exchange.submit_envelope(envelope(directory, "market.publish_closes", closes(651), [EXCHANGE]))
    # Execute
    record = bank.tx(tx_id)
    headers = bank.blocks(start=record["height"], limit=2)
    block = bank.block(record["height"])
    # Assert
    proof = TxProof.from_dict(record["proof"])
    by_height = {row["height"]: signed_header(row) for row in headers}
    assert all(signed.hash == row["hash"] for signed, row in zip(by_height.values(), headers, strict=True))
    assert record["proven"] is True and check_tx_proof(proof, by_height) is True
    assert tx_id in [tx["tx_id"] for tx in block["txs"]]
    with pytest.raises(NotFound):
        bank.block(10**6)


def test_state_by_key_and_prefix_and_a_keys_history(nodes: Nodes) -> None:
    # Prepare
    bank = nodes.client(BANK)
    # Execute
    members = bank.range("gov/member/")
    own = bank.get_state("gov/member/bank-01")
    versions = bank.history("gov/member/bank-01")
    # Assert
    assert "gov/member/bank-01" in dict(members) and own["org"] == BANK
    assert versions[0]["height"] == 0 and versions[-1]["value"] == own
    with pytest.raises(NotFound):
        bank.get_state("gov/member/nobody")


def test_openapi_and_the_docs_page_work_without_internet(nodes: Nodes) -> None:
    # Prepare
    url = nodes.url(BANK)
    # Execute
    schema = httpx.get(url + "/openapi.json")
    page = httpx.get(url + "/docs")
    script = httpx.get(url + "/static/docs/swagger-ui-bundle.js")
    # Assert: every asset the page loads is served by the node itself
    assert schema.status_code == 200 and "/api/v1/register/pledges" in schema.json()["paths"]
    assert (
        page.status_code == 200
        and "http" not in page.text.split("<body>")[1].replace(url, "").split("SwaggerUIBundle")[0]
    )
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert "cdn." not in page.text


def test_a_client_checks_what_the_node_says_from_the_genesis_hash_alone(
    nodes: Nodes, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prepare: a committed transaction with a block after it, and the genesis hash the client trusts
    exchange, bank = nodes.client(EXCHANGE), nodes.client(BANK)
    tx_id = exchange.submit_envelope(envelope(directory, "market.publish_closes", closes(660), [EXCHANGE]))[
        "tx_id"
    ]
    exchange.submit_envelope(envelope(directory, "market.publish_closes", closes(661), [EXCHANGE]))
    genesis_hash = read_config(directory).genesis_hash
    honest = bank.tx

    def lying(wanted: str) -> dict[str, Any]:
        """A node that reports the valid transaction as refused, proof included."""
        record = honest(wanted)
        proof = {**record["proof"], "valid": False, "code": "role_denied"}
        return {**record, "valid": False, "code": "role_denied", "proof": proof}

    # Execute
    proven = bank.proven_tx(tx_id, genesis_hash=genesis_hash)
    # Assert
    assert proven["proven"] is True and proven["valid"] is True
    with pytest.raises(IntegrityError, match="trusted genesis"):
        bank.proven_tx(tx_id, genesis_hash="00" * 32)
    monkeypatch.setattr(bank, "tx", lambda wanted: {**honest(wanted), "valid": False, "code": "role_denied"})
    with pytest.raises(IntegrityError, match="not of the transaction and outcome"):
        bank.proven_tx(tx_id, genesis_hash=genesis_hash)
    monkeypatch.setattr(bank, "tx", lying)
    with pytest.raises(IntegrityError, match="do not chain"):
        bank.proven_tx(tx_id, genesis_hash=genesis_hash)


def test_concurrent_clients_of_two_nodes_on_one_directory_see_one_chain(
    nodes: Nodes, directory: Path
) -> None:
    # Prepare: the exchange publishes while bank-01's clients read, each from its own thread
    exchange = nodes.client(EXCHANGE)
    readers = [nodes.client(BANK) for _ in range(3)]
    with open_alliance(directory) as alliance:
        envelopes = [alliance.sign("market.publish_closes", closes(700 + n), [EXCHANGE]) for n in range(4)]
    failures: list[BaseException] = []

    def publish() -> None:
        try:
            for item in envelopes:
                assert exchange.submit_envelope(item)["receipt"]["valid"]
        except BaseException as error:  # reported below, with the thread's failure
            failures.append(error)

    def read(client: Any) -> None:
        try:
            for _ in range(6):
                client.holdings(code="600100")
                client.blocks(limit=3)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=publish)] + [threading.Thread(target=read, args=(c,)) for c in readers]
    # Execute
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Assert
    assert failures == []
    tips = {client.node()["height"] for client in [exchange, *readers]}
    assert tips == {nodes.height()}
    assert readers[0].blocks(limit=1)[0]["hash"] == exchange.blocks(limit=1)[0]["hash"]


def test_the_stream_resumes_after_the_last_event_id_and_health_says_only_the_height(nodes: Nodes) -> None:
    # Prepare
    bank = nodes.client(BANK)
    tip = bank.node()["height"]
    # Execute: a reconnecting EventSource sends the id of the last event it saw
    with bank.http.stream(
        "GET", "/api/v1/events", params={"max_blocks": 2}, headers={"Last-Event-ID": str(tip - 2)}
    ) as response:
        ids = [line.split(":", 1)[1].strip() for line in response.iter_lines() if line.startswith("id:")]
    health = httpx.get(nodes.url(BANK) + "/health")
    # Assert
    assert ids == [str(tip - 1), str(tip)]
    assert health.status_code == 200 and set(health.json()) == {"status", "org", "height"}


def test_a_whole_block_comes_in_its_wire_form_and_a_fresh_peer_applies_it(
    nodes: Nodes, tmp_path: Path
) -> None:
    # Prepare: an empty peer of the same alliance, trusting only the genesis hash
    bank = nodes.client(BANK)
    tip, genesis_hash = bank.node()["height"], bank.node()["genesis_hash"]
    fresh = Peer(tmp_path / "fresh.db", contracts=all_contracts(), org=BANK, genesis_hash=genesis_hash)
    # Execute: every block but the last through the peer's own checks (signatures, links, contracts, roots)
    for block in NodeBlockSource(bank).blocks(0, tip):
        fresh.apply_block(block)
    # Assert: the state it computed is the one the last header commits to, and the last block applies too
    assert fresh.state_root.hex() == bank.blocks(start=tip, limit=1)[0]["state_root"]
    fresh.apply_block(bank.block_wire(tip))
    assert fresh.height == tip
    assert fresh.get("gov/member/bank-01") == bank.get_state("gov/member/bank-01")
    fresh.close()
