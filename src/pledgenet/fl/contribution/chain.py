"""A member's client of the ``contribution`` and ``benefit`` contracts, and the check any member runs.

``ContributionClient(alliance, org)`` records a measurement (``record``: the report's table goes on chain and
every peer derives the values), splits a pool of fen (``split``), and reads back what the chain holds.
``check_record`` is the independent check: it recomputes the values from the table the record carries and
compares them with the stored ones and with the table's hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pledgenet.contracts.benefit import payouts_of_member, splits_of_job
from pledgenet.contracts.contribution import contribution_record, jobs_of, shapley_from_table, table_hash
from pledgenet.errors import ContributionError, refusal
from pledgenet.fl.contribution.shapley import ContributionReport
from pledgenet.ledger.contract_api import StateReader

if TYPE_CHECKING:
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer
    from pledgenet.ledger.records import TxReceipt


def check_record(record: dict[str, Any]) -> dict[str, Any]:
    """Recompute a record's values from its own table: ``{"ok", "table_hash_ok", "values_ok"}``."""
    table = record["utilities"] if record["method"] == "exact" else record["walks"]
    values = shapley_from_table(record["method"], table, len(record["players"]))
    recomputed = {m: [v.numerator, v.denominator] for m, v in zip(record["players"], values, strict=True)}
    hash_ok = table_hash(table) == record["table_hash"]
    values_ok = recomputed == record["values"]
    return {"ok": hash_ok and values_ok, "table_hash_ok": hash_ok, "values_ok": values_ok}


def show_job(reader: StateReader, job: str) -> dict[str, Any]:
    """``job``'s record as ``reader`` holds it, the reader's own check of its values, and its splits."""
    record = contribution_record(reader, job)
    if record is None:
        raise ContributionError(f"job {job!r} has no contribution record", code="unknown_contribution")
    return {**record, "check": check_record(record), "splits": splits_of_job(reader, job)}


def _raise_refused(receipt: TxReceipt) -> TxReceipt:
    if not receipt.valid:
        raise refusal(receipt.code, receipt.message)
    return receipt


class ContributionClient:
    """Contribution and benefit calls made by member ``org`` of ``alliance``."""

    def __init__(self, alliance: Alliance, org: str) -> None:
        alliance.member(org)
        self.alliance = alliance
        self.org = org

    @property
    def peer(self) -> Peer:
        return self.alliance.peer(self.org)

    def record(self, job: str, report: ContributionReport | dict[str, Any]) -> TxReceipt:
        """Record a measurement of ``job`` (a report, or its ``as_dict`` form read back from a file)."""
        if isinstance(report, ContributionReport):
            args = report.chain_args(job)
        else:
            try:
                key = "utilities" if report["method"] == "exact" else "walks"
                args = {
                    "job": job,
                    "players": report["players"],
                    "metric": report["metric"],
                    "method": report["method"],
                    "estimator": report["estimator"],
                    key: report["table"],
                }
            except (KeyError, TypeError):
                raise ContributionError(
                    "a report needs players, metric, method, estimator and table", code="bad_contribution"
                ) from None
        return _raise_refused(self.alliance.submit("contribution.record", args, [self.org]))

    def split(self, job: str, pool: int) -> TxReceipt:
        """Split ``pool`` fen among ``job``'s players under the governed floor and cap."""
        return _raise_refused(self.alliance.submit("benefit.split", {"job": job, "pool": pool}, [self.org]))

    def show(self, job: str) -> dict[str, Any]:
        """``job``'s record as this member's peer holds it, with the member's own check of its values."""
        return show_job(self.peer, job)

    def jobs(self, member: str | None = None) -> list[dict[str, Any]]:
        return jobs_of(self.peer, member or self.org)

    def payouts(self, member: str | None = None) -> list[dict[str, Any]]:
        return payouts_of_member(self.peer, member or self.org)
