"""Reading transaction arguments: each reader names the argument and the rule it broke.

Arguments come from the decoded transaction, already canonical (no floats); these readers add the
register's own shape rules so that a bad call is refused with ``BadRegisterArguments`` before any read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pledgenet.errors import BadRegisterArguments

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def text(args: Mapping[str, Any], name: str, *, default: str | None = None, limit: int = 200) -> str:
    """A non-empty string argument of at most ``limit`` characters."""
    value = args.get(name, default)
    if type(value) is not str or not value or len(value) > limit:
        raise BadRegisterArguments(f"{name!r} must be a non-empty string of at most {limit} characters")
    return value


def identifier(args: Mapping[str, Any], name: str, *, default: str | None = None) -> str:
    """A code, account or record number: letters, digits and ``._:-``, used inside state keys."""
    value = args.get(name, default)
    if type(value) is not str or not _IDENTIFIER.match(value):
        raise BadRegisterArguments(f"{name!r} must be 1-64 letters, digits or '._:-' (got {value!r})")
    return value


def optional_identifier(args: Mapping[str, Any], name: str) -> str | None:
    return None if args.get(name) is None else identifier(args, name)


def count(args: Mapping[str, Any], name: str, *, minimum: int = 1, default: int | None = None) -> int:
    """An integer of at least ``minimum`` (share quantities, ratios in basis points)."""
    value = args.get(name, default)
    if type(value) is not int or value < minimum:
        raise BadRegisterArguments(f"{name!r} must be an integer of at least {minimum} (got {value!r})")
    return value


def flag(args: Mapping[str, Any], name: str, *, default: bool = False) -> bool:
    value = args.get(name, default)
    if type(value) is not bool:
        raise BadRegisterArguments(f"{name!r} must be true or false")
    return value


def choice(args: Mapping[str, Any], name: str, allowed: Iterable[str], *, default: str | None = None) -> str:
    options = tuple(allowed)
    value = args.get(name, default)
    if value not in options:
        raise BadRegisterArguments(f"{name!r} must be one of {', '.join(options)} (got {value!r})")
    return str(value)


def record(args: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = args.get(name)
    if type(value) is not dict:
        raise BadRegisterArguments(f"{name!r} must be an object")
    return value


def records(args: Mapping[str, Any], name: str, *, limit: int = 10_000) -> list[dict[str, Any]]:
    value = args.get(name)
    if type(value) is not list or not value or len(value) > limit:
        raise BadRegisterArguments(f"{name!r} must be a list of 1 to {limit} objects")
    if any(type(item) is not dict for item in value):
        raise BadRegisterArguments(f"every item of {name!r} must be an object")
    return value
