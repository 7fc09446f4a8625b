"""The contribution contract: every peer derives exact Shapley values from the recorded utility table."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from memory_context import MemoryLedger

from pledgenet.contracts import benefit, contribution, governance
from pledgenet.contracts.contribution import JOB, exact_shapley, permutation_shapley
from pledgenet.contracts.data import keys as data_keys
from pledgenet.encoding import canonical

MEMBERS = {org: {"org": org, "roles": ["bank"]} for org in ("guest", "host-a", "host-b")}
MEMBERS["outsider"] = {"org": "outsider", "roles": ["broker"]}


def walks(order: list[object], utilities: int) -> dict[str, object]:
    """Table arguments of one permutation walk (for refusals)."""
    walk = {"group": 0, "order": order, "utilities": [0] * utilities}
    return {"method": "permutation", "estimator": "tmc", "walks": [walk]}


def ledger() -> MemoryLedger:
    return MemoryLedger([governance.contract, contribution.contract, benefit.contract], MEMBERS)


def glove_table() -> list[int]:
    """Utilities of a 3-player game by bit mask: guest alone 0, any host alone 0, guest + a host 600000."""
    table = []
    for mask in range(8):
        guest, hosts = mask & 1, (mask >> 1 & 1) + (mask >> 2 & 1)
        table.append(600_000 if guest and hosts else 0)
    return table


def test_exact_shapley_of_a_known_game_is_exact_and_sums_to_the_whole_gain() -> None:
    # Execute
    values = exact_shapley(glove_table(), 3)

    # Assert: the guest is in every productive coalition (4/6 of the gain); the hosts split the rest
    assert values == [Fraction(400_000), Fraction(100_000), Fraction(100_000)]
    assert sum(values) == glove_table()[7] - glove_table()[0]


def test_walks_over_every_permutation_give_the_exact_values() -> None:
    # Prepare: one walk per order, the prefix utilities read from the table
    table = glove_table()
    walks = []
    for order in itertools.permutations(range(3)):
        masks = [sum(1 << p for p in order[:k]) for k in range(4)]
        walks.append({"group": 0, "order": list(order), "utilities": [table[m] for m in masks]})

    # Execute / Assert
    assert permutation_shapley(walks, 3) == exact_shapley(table, 3)


def test_a_recorded_table_stores_values_every_peer_derives_and_is_written_once() -> None:
    # Prepare
    chain = ledger()
    args = {"job": "job-1", "players": ["guest", "host-a", "host-b"], "metric": "auc", "method": "exact",
            "utilities": glove_table()}  # fmt: skip

    # Execute
    first = chain.submit("contribution.record", args, ["guest"])
    again = chain.submit("contribution.record", args, ["guest"])

    # Assert
    assert first.valid, first.message
    stored = chain.get(JOB + "job-1")
    assert stored["values_ppm"] == {"guest": 400_000, "host-a": 100_000, "host-b": 100_000}
    assert stored["values"]["guest"] == [400_000, 1]
    assert (again.valid, again.code) == (False, "duplicate_contribution")


@pytest.mark.parametrize(
    ("change", "signer", "code"),
    [
        ({}, "outsider", "not_a_player"),
        ({"utilities": [0] * 7}, "guest", "bad_contribution"),
        ({"utilities": ["0.5"] * 8}, "guest", "bad_contribution"),
        ({"players": ["guest", "host-a", "nobody"]}, "guest", "bad_contribution"),
        ({"metric": "accuracy"}, "guest", "bad_contribution"),
        ({"estimator": "gtg"}, "guest", "bad_contribution"),
        ({"values_ppm": {"guest": 600_000, "host-a": 0, "host-b": 0}}, "guest", "values_mismatch"),
        (walks([0, 0, 1], 4), "guest", "bad_contribution"),
        (walks([0, "b", 1], 4), "guest", "bad_contribution"),
        (walks([0, 2, 1], 3), "guest", "bad_contribution"),
    ],
)  # fmt: skip
def test_a_bad_record_is_refused_and_writes_nothing(
    change: dict[str, object], signer: str, code: str
) -> None:
    # Prepare
    chain = ledger()
    args = {"job": "job-1", "players": ["guest", "host-a", "host-b"], "metric": "auc", "method": "exact",
            "utilities": glove_table(), **change}  # fmt: skip

    # Execute
    receipt = chain.submit("contribution.record", args, [signer])

    # Assert
    assert (receipt.valid, receipt.code) == (False, code)
    assert chain.snapshot("ctb/") == {}


def test_a_job_of_the_data_contract_is_measured_once_finished_by_its_guest_over_its_data_parties() -> None:
    # Prepare: the data contract's record of a vertical job (guest, one host, a coordinator), still running
    chain = ledger()
    data_job = {"job": "j0123", "creator": "guest", "status": "accepted",
                "participants": {"guest": "guest", "host-a": "host", "host-b": "coordinator"}}  # fmt: skip
    chain.state[data_keys.job("j0123")] = canonical(data_job)
    table = {
        "job": "j0123",
        "metric": "auc",
        "method": "exact",
        "utilities": [500_000, 600_000, 550_000, 700_000],
    }

    # Execute
    running = chain.submit("contribution.record", {**table, "players": ["guest", "host-a"]}, ["guest"])
    chain.state[data_keys.job("j0123")] = canonical({**data_job, "status": "finished"})
    with_coordinator = chain.submit(
        "contribution.record", {**table, "players": ["guest", "host-b"]}, ["guest"]
    )
    by_host = chain.submit("contribution.record", {**table, "players": ["guest", "host-a"]}, ["host-a"])
    by_guest = chain.submit("contribution.record", {**table, "players": ["guest", "host-a"]}, ["guest"])

    # Assert
    assert [r.code for r in (running, with_coordinator, by_host)] == ["job_mismatch"] * 3
    assert by_guest.valid, by_guest.message
    assert chain.get(JOB + "j0123")["values_ppm"] == {"guest": 125_000, "host-a": 75_000}
