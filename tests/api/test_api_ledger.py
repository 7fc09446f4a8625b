"""Submitting signed envelopes, receipts, the commit stream, blocks, proofs, state and history over HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import TRADE_DATE, Nodes

from pledgenet.errors import MalformedTransaction, NotFound
from pledgenet.ledger.alliance import Alliance
from pledgenet.ledger.block import BlockHeader
from pledgenet.ledger.proofs import TxProof, check_tx_proof
from pledgenet.ledger.records import SignedHeader

EXCHANGE, BANK = "exchange", "bank-01"


def envelope(directory: Path, tx_type: str, args: dict[str, Any], signers: list[str]) -> bytes:
    """A signed envelope, made with the members' keys in the directory (as a member's own tool would)."""
    with Alliance.open(directory) as alliance:
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
    with Alliance.open(directory) as alliance:
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
    assert refused.value.code == "not_this_member"
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
