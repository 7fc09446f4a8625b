"""The contribution contract: who brought what to a federated job, recorded once and recomputed by every peer.

A job's guest (or whoever ran the measurement) records the job's *utility table* and the contract computes
the Shapley values from it with exact rational arithmetic, so no float ever touches state and every peer
writes the same values. Utilities are integers: a model quality in parts per million (AUC 0.731204 is
731204), measured off chain by ``pledgenet.fl.contribution``.

Two table shapes:

- ``exact``: ``utilities`` is a list of ``2**n`` integers, the utility of every coalition, indexed by bit
  mask (bit ``i`` set when player ``i`` is in the coalition; index 0 is the empty coalition). The value of
  player ``i`` is ``sum over S not containing i of |S|! (n-|S|-1)! / n! * (v(S + i) - v(S))``.
- ``permutation``: ``walks``, each ``{"group", "order", "utilities"}``: a permutation of the players and the
  ``n + 1`` utilities of its prefixes (the empty prefix first; a truncated walk repeats the last utility it
  measured, so its remaining marginals are zero). A player's value is, summed over groups, the mean of its
  marginal over the group's walks. Truncated Monte Carlo Shapley is one group; GTG-Shapley has one group per
  training round (a round's values sum to that round's gain, the rounds' sum telescopes to the whole gain).

The values are stored as reduced fractions ``[numerator, denominator]`` and as integers in ppm rounded
toward minus infinity (``values_ppm``), with the table itself, so any member recomputes them.

State::

    ctb/job/<job>      {"job", "players", "metric", "method", "estimator", "utilities" | "walks",
                        "values": {member: [num, den]}, "values_ppm": {member: int}, "table_hash",
                        "recorded_by", "recorded_at"}

A job's record is written once. When the ``data`` contract has a job of that id (``data/job/<job>``), the
record must follow it: the job finished, the submitter is its guest, the players are exactly its data
parties (guest and hosts). Any other id is a job of the recorder's own naming (a job run outside the data
contract, a benchmark).
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from math import factorial
from typing import Any

from pledgenet.contracts.data import keys as data_keys
from pledgenet.encoding import canonical
from pledgenet.errors import ContributionError
from pledgenet.ledger.contract_api import Contract, StateReader, TxContext

JOB = "ctb/job/"
METRICS = ("auc", "ks", "logloss_gain")
METHODS = ("exact", "permutation")
#: exact and reference produce full tables; tmc and gtg permutation walks
ESTIMATORS = ("exact", "reference", "tmc", "gtg")
MAX_EXACT_PARAM = "contribution.max_exact_players"
MAX_WALKS = 400
#: utilities are ppm of a quality measure: anything outside +-10**7 is not one
MAX_UTILITY = 10_000_000

contract = Contract(name="contribution", default_params={MAX_EXACT_PARAM: 10})


def _refuse(message: str) -> ContributionError:
    return ContributionError(message, code="bad_contribution")


def _utility(value: Any) -> int:
    if type(value) is not int or not -MAX_UTILITY <= value <= MAX_UTILITY:
        raise _refuse(f"a utility must be an integer (ppm) within +-{MAX_UTILITY}, not {value!r}")
    return value


def exact_shapley(utilities: list[int], players: int) -> list[Fraction]:
    """The Shapley value of each of ``players`` from the utility of every coalition (indexed by bit mask)."""
    if len(utilities) != 1 << players:
        raise _refuse(
            f"an exact table of {players} players has {1 << players} utilities, not {len(utilities)}"
        )
    weights = [
        Fraction(factorial(size) * factorial(players - size - 1), factorial(players))
        for size in range(players)
    ]
    values = []
    for player in range(players):
        bit = 1 << player
        total = Fraction(0)
        for mask in range(1 << players):
            if not mask & bit:
                total += weights[mask.bit_count()] * (utilities[mask | bit] - utilities[mask])
        values.append(total)
    return values


def permutation_shapley(walks: list[dict[str, Any]], players: int) -> list[Fraction]:
    """Per group, the mean marginal of each player over the group's walks; summed over the groups."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for walk in walks:
        groups.setdefault(walk["group"], []).append(walk)
    values = [Fraction(0)] * players
    for group in sorted(groups):
        sums = [0] * players
        for walk in groups[group]:
            for position, player in enumerate(walk["order"]):
                sums[player] += walk["utilities"][position + 1] - walk["utilities"][position]
        count = len(groups[group])
        values = [value + Fraction(total, count) for value, total in zip(values, sums, strict=True)]
    return values


def _check_walks(walks: Any, players: int) -> list[dict[str, Any]]:
    if type(walks) is not list or not 1 <= len(walks) <= MAX_WALKS:
        raise _refuse(f"'walks' must be a list of 1 to {MAX_WALKS} permutation walks")
    checked = []
    for walk in walks:
        if type(walk) is not dict or set(walk) != {"group", "order", "utilities"}:
            raise _refuse("a walk is an object with exactly 'group', 'order' and 'utilities'")
        group, order, utilities = walk["group"], walk["order"], walk["utilities"]
        if type(group) is not int or group < 0:
            raise _refuse("a walk's 'group' must be an integer >= 0")
        if (
            type(order) is not list
            or any(type(i) is not int for i in order)
            or sorted(order) != list(range(players))
        ):
            raise _refuse(f"a walk's 'order' must be a permutation of 0..{players - 1}")
        if type(utilities) is not list or len(utilities) != players + 1:
            raise _refuse(f"a walk's 'utilities' must hold {players + 1} prefix utilities")
        checked.append({"group": group, "order": list(order), "utilities": [_utility(u) for u in utilities]})
    return checked


def table_hash(table: Any) -> str:
    """SHA-256 of the canonical encoding of a utility table (what a member compares with its own copy)."""
    return hashlib.sha256(canonical(table)).hexdigest()


def shapley_from_table(method: str, table: Any, players: int) -> list[Fraction]:
    """The values the contract derives from a table of ``method`` (checked first)."""
    if method == "exact":
        if type(table) is not list:
            raise _refuse("an exact table is a list of utilities indexed by coalition bit mask")
        return exact_shapley([_utility(u) for u in table], players)
    return permutation_shapley(_check_walks(table, players), players)


def _players(ctx: TxContext, value: Any) -> list[str]:
    if type(value) is not list or not 1 <= len(value) <= 64 or any(type(p) is not str for p in value):
        raise _refuse("'players' must be a list of 1 to 64 member ids")
    if len(set(value)) != len(value):
        raise _refuse("a member appears twice in 'players'")
    for member in value:
        if not ctx.roles_of(member):
            raise _refuse(f"player {member!r} is not a member of the alliance")
    return list(value)


@contract.operation("record")
def record(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A player of the job: the job's utility table; every peer derives and stores the Shapley values."""
    job = args.get("job")
    if type(job) is not str or not 1 <= len(job) <= 64 or "/" in job:
        raise _refuse("'job' must be 1 to 64 characters without '/'")
    players = _players(ctx, args.get("players"))
    if ctx.submitter not in players:
        raise ContributionError("only a player of the job records its contribution", code="not_a_player")
    metric, method, estimator = (
        args.get("metric"),
        args.get("method"),
        args.get("estimator", args.get("method")),
    )
    if metric not in METRICS:
        raise _refuse(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if method not in METHODS:
        raise _refuse(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if estimator not in ESTIMATORS:
        raise _refuse(f"unknown estimator {estimator!r}; known: {', '.join(ESTIMATORS)}")
    if (method == "exact") != (estimator in ("exact", "reference")):
        raise _refuse(f"estimator {estimator!r} does not produce a table of method {method!r}")
    if method == "exact" and len(players) > int(ctx.param(MAX_EXACT_PARAM)):
        raise _refuse(f"an exact table is for at most {ctx.param(MAX_EXACT_PARAM)} players; use walks")
    table = args.get("utilities" if method == "exact" else "walks")
    values = shapley_from_table(method, table, len(players))
    claimed = args.get("values_ppm")
    derived = {member: _floor_ppm(value) for member, value in zip(players, values, strict=True)}
    if claimed is not None and claimed != derived:
        raise ContributionError("the submitted values do not follow from the table", code="values_mismatch")
    if ctx.get(JOB + job) is not None:
        raise ContributionError(
            f"job {job!r} already has a contribution record", code="duplicate_contribution"
        )
    _check_data_job(ctx, job, players)

    stored = {
        "job": job,
        "players": players,
        "metric": metric,
        "method": method,
        "estimator": estimator,
        ("utilities" if method == "exact" else "walks"): table,
        "table_hash": table_hash(table),
        "values": {m: [v.numerator, v.denominator] for m, v in zip(players, values, strict=True)},
        "values_ppm": derived,
        "recorded_by": ctx.submitter,
        "recorded_at": ctx.block_time,
    }
    ctx.put(JOB + job, stored)
    ctx.emit("contribution.recorded", {"job": job, "method": method, "estimator": estimator})
    return {"job": job, "values_ppm": derived, "table_hash": stored["table_hash"]}


def _check_data_job(ctx: TxContext, job: str, players: list[str]) -> None:
    """A job the data contract knows is measured once finished, by its guest, over its data parties."""
    data_job = ctx.get(data_keys.job(job))
    if data_job is None:
        return
    data_parties = sorted(org for org, role in data_job["participants"].items() if role in ("guest", "host"))
    if data_job["status"] != "finished":
        raise ContributionError(f"data job {job} is {data_job['status']}, not finished", code="job_mismatch")
    if ctx.submitter != data_job["creator"]:
        raise ContributionError(
            f"only the guest of data job {job} records its contribution", code="job_mismatch"
        )
    if sorted(players) != data_parties:
        raise ContributionError(
            f"the players of data job {job} are its data parties {data_parties}", code="job_mismatch"
        )


def _floor_ppm(value: Fraction) -> int:
    return value.numerator // value.denominator


def contribution_record(reader: StateReader, job: str) -> dict[str, Any] | None:
    """The contribution record of ``job``, or None."""
    value = reader.get(JOB + job)
    return None if value is None else dict(value)


def record_values(record: dict[str, Any]) -> dict[str, Fraction]:
    """A record's stored values as fractions, by member."""
    return {member: Fraction(num, den) for member, (num, den) in record["values"].items()}


def jobs_of(reader: StateReader, member: str) -> list[dict[str, Any]]:
    """Every contribution record in which ``member`` is a player."""
    return [dict(value) for _key, value in reader.range(JOB) if member in value["players"]]
