"""The grading rules are governed: a vote changes them, within the limits every peer checks."""

from __future__ import annotations

from typing import Any

import pytest
from data_world import World

from pledgenet.contracts.data.params import DEFAULT_PARAMS, GRADING, PURPOSES


def _vote(world: World, name: str, value: Any) -> tuple[bool, str]:
    action = {"kind": "set_param", "name": name, "value": value}
    receipt = world.alliance.submit("gov.propose", {"action": action}, ["registrar"])
    return receipt.valid, receipt.code


def _grading(level: str, operations: list[str]) -> dict[str, Any]:
    grading = {key: dict(rule) for key, rule in DEFAULT_PARAMS[GRADING].items()}
    grading[level]["operations"] = operations
    return grading


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        (GRADING, _grading("4", ["plaintext_copy", "psi"]), "bad_param"),  # never in plaintext
        (GRADING, _grading("2", ["psi"]), "bad_param"),  # level 3 would allow more than level 2
        (GRADING, {"1": {"operations": [], "approvers": []}}, "bad_param"),  # levels without a rule
        (PURPOSES, [], "bad_param"),
        ("data.volume_alert_count", 0, "bad_param"),
        ("data.no_such_rule", 1, "unknown_param"),
    ],
)
def test_a_vote_outside_the_limits_is_refused_and_changes_nothing(
    world: World, name: str, value: Any, code: str
) -> None:
    # Prepare
    before = world.alliance.peer("regulator").get("gov/param/" + name)
    # Execute
    valid, refusal = _vote(world, name, value)
    # Assert
    assert (valid, refusal) == (False, code)
    assert world.alliance.peer("regulator").get("gov/param/" + name) == before


def test_a_purpose_added_by_vote_can_be_granted(world: World) -> None:
    # Prepare
    purposes = [*DEFAULT_PARAMS[PURPOSES], "collateral_valuation"]
    # Execute
    valid, _ = _vote(world, PURPOSES, purposes)
    grant = world["broker-01"].request(
        "bank-credit", columns=["c1"], purpose="collateral_valuation", operations=["psi"]
    )
    # Assert
    assert valid and world["regulator"].grant(grant)["purpose"] == "collateral_valuation"
