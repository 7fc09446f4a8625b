"""Judicial freezes, queued freezes in order, unfreeze and judicial transfer."""

from __future__ import annotations

from typing import Any

import pytest
from register_world import BANK, COURT, COURT_2, STOCK_A, World


@pytest.fixture
def world() -> World:
    return World()


def freeze_args(quantity: int, account: str = "A002", case_no: str = "(2024)Hu01") -> dict[str, Any]:
    return {"code": STOCK_A, "account": account, "quantity": quantity, "case_no": case_no}


def test_judicial_freeze_takes_free_shares_only(world: World) -> None:
    # Prepare: A002 holds 200,000 of stock A, pledges 150,000
    world.pledge("C-1", "A002", STOCK_A, 150_000)
    # Execute
    too_many = world.submit("register.freeze", freeze_args(60_000), [COURT])
    fits = world.submit("register.freeze", freeze_args(50_000), [COURT])
    # Assert
    assert too_many.code == "insufficient_free_shares" and "queued freeze" in too_many.message
    assert fits.valid and fits.result["state"] == "effective"
    assert world.holding(STOCK_A, "A002")["unrestricted"] == {
        "held": 200_000,
        "pledged": 150_000,
        "frozen": 50_000,
    }


def test_only_a_court_freezes(world: World) -> None:
    # Execute
    receipt = world.submit("register.freeze", freeze_args(1_000), [BANK])
    # Assert
    assert receipt.code == "role_denied"


def test_queued_freezes_reserve_nothing_and_take_effect_in_order(world: World) -> None:
    # Prepare: court-sh freezes 150,000 now; court-bj queues 100,000, court-sh queues 60,000 behind it
    first = world.ok("register.freeze", freeze_args(150_000), [COURT]).result["freeze_id"]
    queued_big = world.ok("register.queue_freeze", freeze_args(100_000, case_no="(2024)Jing2"), [COURT_2])
    queued_small = world.ok("register.queue_freeze", freeze_args(60_000, case_no="(2024)Hu03"), [COURT])
    # Assert: nothing reserved, so 50,000 shares can still be pledged (the small one does not jump the queue)
    assert queued_big.result["state"] == "queued" and queued_small.result["position"] == 2
    assert world.holding(STOCK_A, "A002")["unrestricted"]["frozen"] == 150_000
    assert world.pledge("C-1", "A002", STOCK_A, 50_000).valid
    # Execute: the first freeze lifts; only the head of the queue fits
    lifted = world.ok("register.unfreeze", {"freeze_id": first}, [COURT])
    # Assert
    big_id, small_id = queued_big.result["freeze_id"], queued_small.result["freeze_id"]
    assert lifted.result["promoted"] == [big_id]
    holding = world.holding(STOCK_A, "A002")
    assert holding["unrestricted"] == {"held": 200_000, "pledged": 50_000, "frozen": 100_000}
    assert holding["queue"] == [small_id]
    assert world.ledger.get(f"reg/freeze/{big_id}")["state"] == "effective"


def test_queued_freeze_on_pledged_shares_is_a_default_trigger(world: World) -> None:
    # Prepare
    registration_no = world.pledge("C-1", "A002", STOCK_A, 200_000).result["registration_no"]
    # Execute
    queued = world.ok("register.queue_freeze", freeze_args(120_000), [COURT])
    released = world.release(registration_no, 150_000)
    # Assert: the pledgee is told; the freeze takes effect when the shares come free
    trigger = [e["payload"] for e in queued.events if e["name"] == "register.default_trigger"]
    assert trigger[0]["contract_no"] == "C-1" and trigger[0]["pledgee"] == BANK
    assert [e["name"] for e in released.events] == ["register.freeze_effective", "register.pledge_released"]
    assert world.holding(STOCK_A, "A002")["unrestricted"] == {
        "held": 200_000,
        "pledged": 50_000,
        "frozen": 120_000,
    }


def test_only_the_freezing_court_lifts_or_transfers(world: World) -> None:
    # Prepare
    freeze_id = world.ok("register.freeze", freeze_args(10_000), [COURT]).result["freeze_id"]
    # Execute
    other_court = world.submit("register.unfreeze", {"freeze_id": freeze_id}, [COURT_2])
    # Assert
    assert other_court.code == "not_a_party"
    assert world.holding(STOCK_A, "A002")["unrestricted"]["frozen"] == 10_000


def test_judicial_transfer_moves_frozen_shares(world: World) -> None:
    # Prepare
    freeze_id = world.ok("register.freeze", freeze_args(30_000), [COURT]).result["freeze_id"]
    # Execute
    part = world.submit(
        "register.judicial_transfer",
        {"freeze_id": freeze_id, "to_account": "B003", "quantity": 10_000},
        [COURT],
    )
    rest = world.submit("register.judicial_transfer", {"freeze_id": freeze_id, "to_account": "B003"}, [COURT])
    again = world.submit(
        "register.judicial_transfer", {"freeze_id": freeze_id, "to_account": "B003"}, [COURT]
    )
    # Assert
    assert part.valid and rest.result["transferred"] == 20_000
    assert again.code == "wrong_state"
    assert world.holding(STOCK_A, "A002")["unrestricted"] == {"held": 170_000, "pledged": 0, "frozen": 0}
    assert world.holding(STOCK_A, "B003")["unrestricted"]["held"] == 80_000


def test_queued_freeze_larger_than_the_holding_is_refused(world: World) -> None:
    # Execute
    receipt = world.submit("register.queue_freeze", freeze_args(200_001), [COURT])
    # Assert
    assert receipt.code == "exceeds_holding"
