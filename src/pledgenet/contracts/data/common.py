"""Argument readers, record loading and the members-by-role lookup the data contract's handlers share.

Every reader names the argument and the rule it broke (``BadDataArguments``) before anything is read or
written, so a malformed call changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pledgenet.contracts.data import keys
from pledgenet.contracts.governance import members_with_role
from pledgenet.errors import BadDataArguments, UnknownDataRecord
from pledgenet.ledger.contract_api import TxContext

Record = dict[str, Any]
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def text(args: Mapping[str, Any], name: str, *, limit: int = 200, default: str | None = None) -> str:
    value = args.get(name, default)
    if type(value) is not str or not value or len(value) > limit:
        raise BadDataArguments(f"{name!r} must be a non-empty string of at most {limit} characters")
    return value


def identifier(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if type(value) is not str or not _IDENTIFIER.match(value):
        raise BadDataArguments(f"{name!r} must be 1-64 letters, digits or '._:-' (got {value!r})")
    return value


def digest(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if type(value) is not str or not _HEX64.match(value):
        raise BadDataArguments(f"{name!r} must be a SHA-256 digest: 64 lowercase hex digits")
    return value


def integer(args: Mapping[str, Any], name: str, *, minimum: int = 0, default: int | None = None) -> int:
    value = args.get(name, default)
    if type(value) is not int or value < minimum:
        raise BadDataArguments(f"{name!r} must be an integer of at least {minimum} (got {value!r})")
    return value


def choice(args: Mapping[str, Any], name: str, allowed: Iterable[Any], *, code: str | None = None) -> Any:
    options = tuple(allowed)
    value = args.get(name)
    if value not in options or type(value) is bool:
        raise BadDataArguments(
            f"{name!r} must be one of {', '.join(map(str, options))} (got {value!r})", code=code
        )
    return value


def choices(
    args: Mapping[str, Any], name: str, allowed: Iterable[str], *, code: str | None = None
) -> list[str]:
    """A non-empty list of distinct values from ``allowed``, in ``allowed``'s order."""
    options = tuple(allowed)
    value = args.get(name)
    if type(value) is not list or not value or len(set(map(str, value))) != len(value):
        raise BadDataArguments(f"{name!r} must be a non-empty list of distinct values")
    unknown = [item for item in value if item not in options]
    if unknown:
        raise BadDataArguments(f"{name!r}: {unknown[0]!r} is not one of {', '.join(options)}", code=code)
    return [option for option in options if option in value]


def load(ctx: TxContext, key: str, what: str, code: str) -> Record:
    value = ctx.get(key)
    if value is None:
        raise UnknownDataRecord(f"no {what} {key.rsplit('/', 1)[-1]!r}", code=code)
    return dict(value)


def dataset_head(ctx: TxContext, dataset_id: str) -> Record:
    return load(ctx, keys.dataset(dataset_id), "dataset", "not_in_catalog")


def dataset_version(ctx: TxContext, dataset_id: str, number: int | None = None) -> Record:
    """A version of a dataset (the latest when ``number`` is None)."""
    head = dataset_head(ctx, dataset_id)
    chosen = head["version"] if number is None else number
    value = ctx.get(keys.version(dataset_id, chosen))
    if value is None:
        raise UnknownDataRecord(f"dataset {dataset_id} has no version {chosen}", code="unknown_version")
    return dict(value)


def members_with(ctx: TxContext, role: str) -> list[str]:
    return members_with_role(ctx, role)


def require_member(ctx: TxContext, org: str, what: str) -> None:
    if not ctx.roles_of(org):
        raise BadDataArguments(f"{what} {org!r} is not a member of the alliance")


def put(ctx: TxContext, key: str, value: Record) -> None:
    """Write a record stamped with the transaction that changed it."""
    value["last_tx"] = ctx.tx_id
    ctx.put(key, value)
