"""Listing, accounts, transfers, corporate actions and the weekly statistics."""

from __future__ import annotations

import pytest
from register_world import (
    BANK,
    BROKER_A,
    BROKER_B,
    COURT,
    KEYS,
    REGISTRAR,
    STOCK_A,
    STOCK_B,
    TRUST,
    World,
)

from pledgenet.crypto.envelope import open_envelope
from pledgenet.errors import AccessDenied
from pledgenet.register.lookups import holdings, weekly_statistics


@pytest.fixture
def world() -> World:
    return World()


def test_listing_must_place_the_whole_capital(world: World) -> None:
    # Execute
    receipt = world.submit(
        "register.list_security",
        {
            "code": "688001",
            "short_name": "STAR ONE",
            "board": "star",
            "total_shares": 1_000,
            "holdings": [{"account": "A001", "unrestricted": 999}],
        },
        [REGISTRAR],
    )
    # Assert
    assert receipt.code == "bad_arguments" and "999 unrestricted" in receipt.message
    assert world.ledger.get("reg/sec/688001") is None


def test_identity_data_is_sealed_for_the_custody_broker_not_other_brokers(world: World) -> None:
    # Prepare
    identity = world.ledger.get("reg/acct/A001")["identity"]
    # Execute
    opened = open_envelope(identity, BROKER_A, KEYS[BROKER_A])
    # Assert
    assert opened == {"id_type": "licence", "id_number": "91A001"}
    with pytest.raises(AccessDenied):
        open_envelope(identity, BROKER_B, KEYS[BROKER_B])


def test_broker_opens_only_accounts_it_keeps(world: World) -> None:
    # Execute
    receipt = world.submit(
        "register.open_accounts",
        {
            "accounts": [
                {"account": "X1", "holder_name": "X", "holder_type": "0", "custody_broker": BROKER_B},
            ]
        },
        [BROKER_A],
    )
    # Assert
    assert receipt.code == "not_a_party"


def test_transfer_moves_only_free_shares(world: World) -> None:
    # Prepare: A002 holds 200,000 of stock A, pledges 150,000
    world.pledge("C-1", "A002", STOCK_A, 150_000)
    args = {"code": STOCK_A, "from_account": "A002", "to_account": "B003"}
    # Execute
    too_many = world.submit("register.transfer", {**args, "quantity": 50_001}, [BROKER_A, BROKER_B])
    unsigned = world.submit("register.transfer", {**args, "quantity": 50_000}, [BROKER_A])
    fine = world.submit("register.transfer", {**args, "quantity": 50_000}, [BROKER_A, BROKER_B])
    # Assert
    assert too_many.code == "insufficient_free_shares"
    assert unsigned.code == "endorsement_missing"
    assert fine.valid and world.holding(STOCK_A, "B003")["unrestricted"]["held"] == 100_000


def test_bonus_shares_follow_pledges_and_freezes(world: World) -> None:
    # Prepare: 10-for-3 bonus on stock A after a pledge and a freeze
    registration_no = world.pledge("C-1", "A002", STOCK_A, 100_001).result["registration_no"]
    freeze_id = world.ok(
        "register.freeze", {"code": STOCK_A, "account": "A002", "quantity": 50_000, "case_no": "c"}, [COURT]
    ).result["freeze_id"]
    # Execute
    receipt = world.submit(
        "register.corporate_action", {"code": STOCK_A, "kind": "bonus", "per_10": 3}, [REGISTRAR]
    )
    # Assert
    assert receipt.valid
    assert world.holding(STOCK_A, "A002")["unrestricted"] == {
        "held": 260_000,
        "pledged": 130_001,
        "frozen": 65_000,
    }
    assert world.ledger.get(f"reg/pledge/{registration_no}")["quantity"] == 130_001
    assert world.ledger.get(f"reg/freeze/{freeze_id}")["quantity"] == 65_000
    security = world.ledger.get(f"reg/sec/{STOCK_A}")
    total = sum(h["total"] for h in holdings(world.ledger, code=STOCK_A))
    assert security["total_shares"] == total == 1_300_000
    assert security["exposure"][BANK] == 130_001


def test_weekly_statistics_per_stock_and_buckets(world: World) -> None:
    # Prepare: stock A 25.5% pledged across two registrations, stock B 5% pledged
    world.pledge("C-1", "A001", STOCK_A, 55_000, share_class="restricted")
    world.pledge("C-2", "A002", STOCK_A, 200_000, pledgee=TRUST)
    world.pledge("C-3", "B003", STOCK_B, 20_000)
    # Execute
    stats = weekly_statistics(world.ledger, as_of="2024-12-06", prices={STOCK_A: 1_500})
    # Assert
    by_code = {s["code"]: s for s in stats["stocks"]}
    assert by_code[STOCK_A] == {
        "code": STOCK_A,
        "short_name": f"S{STOCK_A}",
        "board": "main",
        "pledges": 2,
        "unrestricted_pledged": 200_000,
        "restricted_pledged": 55_000,
        "total_shares": 1_000_000,
        "pledge_ratio_bp": 2550,
    }
    market = stats["market"]
    assert market["companies_with_pledges"] == 2 and market["pledged_shares"] == 275_000
    assert market["buckets"] == {">50": 0, "30-50": 0, "20-30": 1, "10-20": 0, "<10": 1}
    assert market["pledged_value_fen"] == 255_000 * 1_500 and market["unpriced"] == [STOCK_B]
