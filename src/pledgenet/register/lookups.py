"""Read-only queries over the register's state: holdings, pledges, freezes, and the weekly statistics.

Each query takes a ``StateReader`` (anything with ``get`` and ``range`` over world state: a peer, a
``TxContext``, the in-memory test state), so the same code serves the client, the CLI and the tests.

The weekly statistics are the registrar's published figures (as of each Friday): per stock the number of
pledges, unrestricted and restricted shares pledged, total shares and the pledge ratio; market-wide the
companies with pledges, pledged shares and value, and companies per ratio bucket (>50%, 30-50%, 20-30%,
10-20%, <10%). Ratios are integer basis points; value is integer fen at the prices given (a stock
without a price is listed under ``unpriced`` rather than silently valued at zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from pledgenet.contracts.register import common, keys
from pledgenet.errors import IntegrityError
from pledgenet.ledger.transaction import parse_envelope


class StateReader(Protocol):
    def get(self, key: str) -> Any: ...

    def range(self, prefix: str) -> Iterable[tuple[str, Any]]: ...


class TxRecordLike(Protocol):
    @property
    def envelope(self) -> bytes: ...


class ChainReader(StateReader, Protocol):
    """A peer: world state plus its transactions (where sealed terms are kept)."""

    def tx(self, tx_id: str) -> TxRecordLike: ...


BUCKETS = (">50", "30-50", "20-30", "10-20", "<10")


def bucket_of(ratio_bp: int) -> str:
    """The registrar's bucket of a stock's pledge ratio (upper bounds inclusive below 50%)."""
    if ratio_bp > 5000:
        return ">50"
    if ratio_bp > 3000:
        return "30-50"
    if ratio_bp > 2000:
        return "20-30"
    if ratio_bp > 1000:
        return "10-20"
    return "<10"


def holding_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A holding in the registrar's words: total, free, restricted, pledged and frozen quantities."""
    unrestricted, restricted = record[keys.UNRESTRICTED], record[keys.RESTRICTED]
    return {
        "code": record["code"],
        "account": record["account"],
        "total": unrestricted["held"] + restricted["held"],
        "free": common.free(dict(record), keys.UNRESTRICTED) + common.free(dict(record), keys.RESTRICTED),
        "restricted": restricted["held"],
        "pledged": unrestricted["pledged"] + restricted["pledged"],
        "frozen": unrestricted["frozen"] + restricted["frozen"],
        "pledges": list(record["pledges"]),
        "freezes": list(record["freezes"]),
        "queued_freezes": list(record["queue"]),
    }


def holdings(
    reader: StateReader, *, account: str | None = None, code: str | None = None
) -> list[dict[str, Any]]:
    """Holdings of one stock (a cheap range) or of one account (a scan), in key order."""
    prefix = keys.holding(code, "") if code is not None else keys.HOLDING
    found = []
    for _, record in reader.range(prefix):
        if account is None or record["account"] == account:
            found.append(holding_view(record))
    return found


def pledge(reader: StateReader, registration_no: str) -> dict[str, Any] | None:
    value = reader.get(keys.pledge(registration_no))
    return None if value is None else dict(value)


def sealed_terms(reader: ChainReader, record: Mapping[str, Any], field: str = "terms_tx") -> dict[str, Any]:
    """The sealed terms envelope of a registration (or, with ``field="extension_terms_tx"``, of a
    contract's latest extension), read from the transaction that carried it and checked against the hash
    the record keeps."""
    envelope = parse_envelope(reader.tx(record[field]).envelope).args.get("terms")
    if not isinstance(envelope, dict) or envelope.get("hash") != record["terms_hash"]:
        raise IntegrityError(
            f"transaction {record[field]} does not carry the sealed terms whose hash the record keeps"
        )
    return envelope


def pledge_contract(reader: StateReader, contract_no: str) -> dict[str, Any] | None:
    value = reader.get(keys.contract(contract_no))
    return None if value is None else dict(value)


def freeze(reader: StateReader, freeze_id: str) -> dict[str, Any] | None:
    value = reader.get(keys.freeze(freeze_id))
    return None if value is None else dict(value)


def security(reader: StateReader, code: str) -> dict[str, Any] | None:
    value = reader.get(keys.security(code))
    return None if value is None else dict(value)


def weekly_statistics(
    reader: StateReader, *, as_of: str, prices: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The registrar's weekly statistics over the register as it stands (``as_of`` labels the Friday)."""
    stocks: list[dict[str, Any]] = []
    buckets = dict.fromkeys(BUCKETS, 0)
    pledged_shares = 0
    pledged_value = 0
    unpriced: list[str] = []
    for _, record in reader.range(keys.SECURITY):
        pledged = record["pledged"][keys.UNRESTRICTED] + record["pledged"][keys.RESTRICTED]
        if record["pledges"] == 0 or pledged == 0:
            continue
        ratio_bp = pledged * 10_000 // record["total_shares"]
        stocks.append(
            {
                "code": record["code"],
                "short_name": record["short_name"],
                "board": record["board"],
                "pledges": record["pledges"],
                "unrestricted_pledged": record["pledged"][keys.UNRESTRICTED],
                "restricted_pledged": record["pledged"][keys.RESTRICTED],
                "total_shares": record["total_shares"],
                "pledge_ratio_bp": ratio_bp,
            }
        )
        buckets[bucket_of(ratio_bp)] += 1
        pledged_shares += pledged
        price = None if prices is None else prices.get(record["code"])
        if price is None:
            unpriced.append(record["code"])
        else:
            pledged_value += pledged * price
    return {
        "as_of": as_of,
        "stocks": stocks,
        "market": {
            "companies_with_pledges": len(stocks),
            "pledged_shares": pledged_shares,
            "pledged_value_fen": pledged_value,
            "unpriced": unpriced,
            "buckets": buckets,
        },
    }
