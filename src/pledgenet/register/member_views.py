"""Member views of the register: accounts, securities, the pledges of a stock or an account, the freeze
queue of a holding, and the register's events from a height.

Each view reads the acting member's own peer through a ``RegisterClient`` and shows what that member may
see: every public element in clear, and a sealed field (an account's identity data, a registration's
group-3 terms) opened only when the member is one of the envelope's recipients. For anyone else the field
reads ``SEALED`` and nothing of its content leaves the envelope. Whether a member is entitled is decided
by the envelope's recipient list, as it is on the chain, never by a role check here.

Costs: a stock's pledges and freezes are one range over its holdings (``reg/hold/<code>/``); an account's
are a scan over every holding, and ``include_closed`` (released and disposed registrations too) a scan
over every registration, as ``lookups.holdings`` does for accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pledgenet.contracts.register import common, keys
from pledgenet.crypto.envelope import recipients_of
from pledgenet.errors import AccessDenied, BadRegisterArguments, IntegrityError, UnknownRecord
from pledgenet.register import lookups

if TYPE_CHECKING:
    from pledgenet.register.client import RegisterClient

#: what a member that is not entitled to a sealed field sees in its place
SEALED = "sealed (not entitled)"

#: the register's events (``register.<name>``), for filters and help texts
EVENT_NAMES = (
    "security_listed",
    "pledge_registered",
    "pledge_released",
    "contract_settled",
    "contract_extended",
    "default_declared",
    "disposed",
    "freeze_effective",
    "freeze_queued",
    "unfrozen",
    "judicial_transfer",
    "default_trigger",
    "disclosure_due",
    "transferred",
    "corporate_action",
)


def _opened(client: RegisterClient, envelope: Any) -> Any:
    """The sealed record opened with ``client``'s key, or ``SEALED`` when it is not a recipient."""
    try:
        return client.open_terms(envelope)
    except AccessDenied:
        return SEALED


def account(client: RegisterClient, account_no: str, *, open_identity: bool = True) -> dict[str, Any]:
    """A securities account: holder, holder type, custody broker, controlling-shareholder links, and its
    identity data (opened for the custody broker, the registrar and the regulator; ``SEALED`` otherwise).
    """
    record = client.peer.get(keys.account(account_no))
    if record is None:
        raise UnknownRecord(f"no securities account {account_no!r} in the register", code="unknown_account")
    view = {name: value for name, value in record.items() if name != "identity"}
    envelope = record.get("identity")
    view["identity_readers"] = [] if envelope is None else sorted(recipients_of(envelope))
    if envelope is None:
        view["identity"] = None
    elif open_identity:
        view["identity"] = _opened(client, envelope)
    else:
        view["identity"] = SEALED
    return view


def securities(client: RegisterClient, code: str | None = None) -> list[dict[str, Any]]:
    """Listed securities (all, or the one ``code``) with their capital and pledge totals (all public)."""
    if code is not None:
        record = lookups.security(client.peer, code)
        if record is None:
            raise UnknownRecord(f"no security {code!r} in the register", code="unknown_security")
        return [record]
    return [dict(record) for _, record in client.peer.range(keys.SECURITY)]


def _registration_numbers(
    client: RegisterClient, code: str | None, account_no: str | None, include_closed: bool
) -> list[str]:
    if include_closed:
        found = []
        for _, record in client.peer.range(keys.PLEDGE):
            if (code is None or record["code"] == code) and (
                account_no is None or record["pledgor"]["account"] == account_no
            ):
                found.append(record["registration_no"])
        return found
    if code is None and account_no is None:
        raise BadRegisterArguments("name a stock (code) or an account whose pledges to list")
    return [
        registration_no
        for holding in lookups.holdings(client.peer, account=account_no, code=code)
        for registration_no in holding["pledges"]
    ]


def pledges(
    client: RegisterClient,
    *,
    code: str | None = None,
    account: str | None = None,
    include_closed: bool = False,
) -> list[dict[str, Any]]:
    """The registrations of a stock and/or an account: active ones (``include_closed``: every one ever
    registered), each with its public elements and its sealed terms opened when ``client`` is entitled.
    """
    if code is not None and lookups.security(client.peer, code) is None:
        raise UnknownRecord(f"no security {code!r} in the register", code="unknown_security")
    if account is not None and client.peer.get(keys.account(account)) is None:
        raise UnknownRecord(f"no securities account {account!r} in the register", code="unknown_account")
    return [
        client.registration(registration_no)
        for registration_no in _registration_numbers(client, code, account, include_closed)
    ]


def freeze_queue(client: RegisterClient, code: str, account_no: str) -> dict[str, Any]:
    """A holding's freezes: the effective ones, then the queued ones in the order they will take effect
    (each with its ``position``), beside the holding's free (in all, and per share class: a freeze waits for
    free shares of its own class), pledged and frozen quantities.
    """
    value = client.peer.get(keys.holding(code, account_no))
    if value is None:
        raise UnknownRecord(f"account {account_no} holds no shares of {code}", code="unknown_holding")
    holding = lookups.holding_view(value)

    def load(freeze_id: str) -> dict[str, Any]:
        record = lookups.freeze(client.peer, freeze_id)
        if record is None:  # a holding names only freezes it wrote; a missing one is a broken state
            raise IntegrityError(f"holding names freeze {freeze_id}, which is not in the register")
        return record

    return {
        "code": code,
        "account": account_no,
        "total": holding["total"],
        "free": holding["free"],
        "free_by_class": {share_class: common.free(value, share_class) for share_class in keys.SHARE_CLASSES},
        "pledged": holding["pledged"],
        "frozen": holding["frozen"],
        "effective": [load(freeze_id) for freeze_id in holding["freezes"]],
        "queued": [
            {**load(freeze_id), "position": position}
            for position, freeze_id in enumerate(holding["queued_freezes"], start=1)
        ],
    }


def _names(names: Iterable[str]) -> set[str]:
    wanted = set()
    for name in names:
        short = name.removeprefix("register.")
        if short not in EVENT_NAMES:
            raise BadRegisterArguments(
                f"{name!r} is not an event of the register; events: {', '.join(EVENT_NAMES)}"
            )
        wanted.add("register." + short)
    return wanted


def _mentions(payload: dict[str, Any], field: str, value: str) -> bool:
    if field == "code":
        return payload.get("code") == value
    return value in (payload.get("account"), payload.get("from_account"), payload.get("to_account"))


def events(
    client: RegisterClient,
    *,
    since_height: int = 0,
    names: Iterable[str] = (),
    code: str | None = None,
    account: str | None = None,
) -> list[dict[str, Any]]:
    """The register's events from ``since_height`` on, in commit order (valid transactions only).

    ``names`` keeps only those events (``pledge_registered`` or ``register.pledge_registered``); ``code``
    and ``account`` keep the events whose payload names that stock or account (as holder, source or
    destination). Events that name only a contract (``contract_settled``, ``contract_extended``) or a
    registration (``default_trigger``) carry no stock or account and are dropped by those two filters.
    """
    if since_height < 0:
        raise BadRegisterArguments("the height to read events from cannot be negative")
    wanted = _names(names)
    found = []
    for event in client.peer.events(since_height):
        if not event.name.startswith("register.") or (wanted and event.name not in wanted):
            continue
        if code is not None and not _mentions(event.payload, "code", code):
            continue
        if account is not None and not _mentions(event.payload, "account", account):
            continue
        found.append(
            {"height": event.height, "tx_id": event.tx_id, "name": event.name, "payload": event.payload}
        )
    return found
