"""The benefit contract: a pool of fen split among a job's players by their recorded contributions.

A player of a job (typically the guest, who collects the fees of the joint model's use) submits a pool; every
peer computes the same payouts from chain state alone (the job's contribution record and the governed
rules), with integers and fractions only:

1. every player first gets the **floor**, ``pool * benefit.floor_bps // 10000`` fen;
2. the rest is shared in proportion to the players' **non-negative** Shapley values (a negative value
   weighs zero; when no value is positive, the rest is shared equally);
3. nobody gets more than the **cap**, ``pool * benefit.cap_bps // 10000`` fen: a share above it is held
   at the cap and the excess is shared again among the others, by the same weights (water-filling). A cap
   too low for the pool to be shared at all (``players * cap < pool``) rises to the equal share, rounded up;
4. exact shares are rounded by the **largest remainder**: everyone gets the whole fen of the share, and the
   fen left over go one each to the largest fractional parts (ties to the member id first in order). The
   payouts sum to the pool exactly: no fen is created or lost.

The floor and cap are governed (changed only by a governance vote) and are read at the split, so a split
says which rules it used.

State::

    ben/split/<job>/<tx_id>               {"job", "pool", "payouts": {member: fen}, "floor_bps",
                                           "cap_bps", "by", "at"}
    ben/member/<member>/<job>/<tx_id>     {"job", "fen", "pool", "split"}
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pledgenet.contracts.contribution import contribution_record, record_values
from pledgenet.errors import ContributionError
from pledgenet.ledger.contract_api import Contract, StateReader, TxContext

SPLIT = "ben/split/"
MEMBER = "ben/member/"
FLOOR_PARAM = "benefit.floor_bps"
CAP_PARAM = "benefit.cap_bps"
#: a pool above a trillion yuan is a typo
MAX_POOL_FEN = 10**14

contract = Contract(name="benefit", default_params={FLOOR_PARAM: 200, CAP_PARAM: 6000})


def _shares(pool: int, weights: dict[str, Fraction], floor: int, cap: int) -> dict[str, Fraction]:
    """Exact shares: the floor, then the rest by weight, no share above ``cap`` (water-filling)."""
    shares = {member: Fraction(floor) for member in weights}
    open_members = sorted(weights)
    rest = Fraction(pool - floor * len(weights))
    while rest > 0 and open_members:
        total = sum((weights[m] for m in open_members), Fraction(0))
        offered = {
            m: rest * weights[m] / total if total > 0 else rest / len(open_members) for m in open_members
        }
        over = [m for m in open_members if shares[m] + offered[m] > cap]
        if not over:
            for member in open_members:
                shares[member] += offered[member]
            break
        for member in over:
            rest -= cap - shares[member]
            shares[member] = Fraction(cap)
            open_members.remove(member)
    return shares


def largest_remainder(shares: dict[str, Fraction]) -> dict[str, int]:
    """Whole fen of each share, the fen left over to the largest fractional parts (ties by member id)."""
    payouts = {member: share.numerator // share.denominator for member, share in shares.items()}
    left = int(sum(shares.values(), Fraction(0))) - sum(payouts.values())
    ranked = sorted(shares, key=lambda m: (-(shares[m] - payouts[m]), m))
    for member in ranked[:left]:
        payouts[member] += 1
    return payouts


def split_pool(pool: int, values: dict[str, Fraction], floor_bps: int, cap_bps: int) -> dict[str, int]:
    """The payouts of ``pool`` fen among the players of ``values`` under the governed floor and cap."""
    players = len(values)
    floor = pool * floor_bps // 10_000
    cap = max(pool * cap_bps // 10_000, -(-pool // players))
    weights = {member: max(value, Fraction(0)) for member, value in values.items()}
    return largest_remainder(_shares(pool, weights, floor, cap))


def _governed_rules(ctx: TxContext) -> tuple[int, int]:
    floor_bps, cap_bps = ctx.param(FLOOR_PARAM), ctx.param(CAP_PARAM)
    if type(floor_bps) is not int or type(cap_bps) is not int or not 0 <= floor_bps <= cap_bps <= 10_000:
        raise ContributionError(
            "the governed floor and cap must be 0 <= floor <= cap <= 10000 bps", code="bad_benefit"
        )
    return floor_bps, cap_bps


@contract.operation("split")
def split(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """A player of the job: split ``pool`` fen among the job's players; payouts recorded per member."""
    job, pool = args.get("job"), args.get("pool")
    if type(job) is not str:
        raise ContributionError("'job' must be a job id", code="bad_benefit")
    if type(pool) is not int or not 1 <= pool <= MAX_POOL_FEN:
        raise ContributionError(
            f"'pool' must be an integer number of fen, 1 to {MAX_POOL_FEN}", code="bad_benefit"
        )
    record = contribution_record(ctx, job)
    if record is None:
        raise ContributionError(f"job {job!r} has no contribution record", code="unknown_contribution")
    if ctx.submitter not in record["players"]:
        raise ContributionError("only a player of the job splits its benefit", code="not_a_player")
    floor_bps, cap_bps = _governed_rules(ctx)
    if floor_bps * len(record["players"]) > 10_000:
        raise ContributionError(
            f"a floor of {floor_bps} bps for {len(record['players'])} players exceeds the pool",
            code="bad_benefit",
        )

    payouts = split_pool(pool, record_values(record), floor_bps, cap_bps)
    stored = {
        "job": job,
        "pool": pool,
        "payouts": payouts,
        "floor_bps": floor_bps,
        "cap_bps": cap_bps,
        "by": ctx.submitter,
        "at": ctx.block_time,
    }
    ctx.put(f"{SPLIT}{job}/{ctx.tx_id}", stored)
    for member, fen in payouts.items():
        ctx.put(
            f"{MEMBER}{member}/{job}/{ctx.tx_id}", {"job": job, "fen": fen, "pool": pool, "split": ctx.tx_id}
        )
    ctx.emit("benefit.split", {"job": job, "pool": pool, "payouts": payouts})
    return {"job": job, "split": ctx.tx_id, "payouts": payouts}


def splits_of_job(reader: StateReader, job: str) -> list[dict[str, Any]]:
    """Every split of ``job``'s benefit, with its id."""
    return [{"split": key.rsplit("/", 1)[1], **value} for key, value in reader.range(f"{SPLIT}{job}/")]


def payouts_of_member(reader: StateReader, member: str) -> list[dict[str, Any]]:
    """Every payout recorded to ``member``, by job and split."""
    return [dict(value) for _key, value in reader.range(f"{MEMBER}{member}/")]
