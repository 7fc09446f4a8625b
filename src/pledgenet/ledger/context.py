"""The peer's implementation of ``pledgenet.contracts.base.TxContext``.

Reads see, newest first: this transaction's own buffered writes, the writes of the block's earlier valid
transactions (the block overlay), then the committed state. Writes go to the transaction's buffer only,
as canonical bytes (so a handler that mutates a dict after ``put`` cannot change what was written); the
peer merges the buffer into the overlay when the handler returns and throws it away when it raises.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pledgenet.encoding import canonical
from pledgenet.errors import ContractError, EndorsementMissing, GovernanceError, RoleDenied
from pledgenet.ledger.store import BlockStore

MEMBER_PREFIX = "gov/member/"
PARAM_PREFIX = "gov/param/"


class ExecutionContext:
    """One transaction's view of the world while its handler runs."""

    __slots__ = (
        "_height",
        "_overlay",
        "_signers",
        "_store",
        "_submitter",
        "_time",
        "_tx_id",
        "buffer",
        "events",
    )

    def __init__(
        self,
        *,
        store: BlockStore,
        overlay: dict[str, bytes | None],
        tx_id: str,
        height: int,
        time: int,
        submitter: str,
        signers: frozenset[str],
    ) -> None:
        self._store = store
        self._overlay = overlay
        self._tx_id = tx_id
        self._height = height
        self._time = time
        self._submitter = submitter
        self._signers = signers
        self.buffer: dict[str, bytes | None] = {}
        self.events: list[dict[str, Any]] = []

    @property
    def tx_id(self) -> str:
        return self._tx_id

    @property
    def block_height(self) -> int:
        return self._height

    @property
    def block_time(self) -> int:
        return self._time

    @property
    def submitter(self) -> str:
        return self._submitter

    @property
    def signers(self) -> frozenset[str]:
        return self._signers

    def get_bytes(self, key: str) -> bytes | None:
        if key in self.buffer:
            return self.buffer[key]
        if key in self._overlay:
            return self._overlay[key]
        return self._store.get(key)

    def get(self, key: str) -> Any:
        data = self.get_bytes(key)
        return None if data is None else json.loads(data)

    def put(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "/" not in key:
            raise ContractError(f"state key {key!r} must look like '<contract>/<...>'", code="bad_key")
        if value is None:
            raise ContractError(f"cannot put null at {key!r}; use delete", code="null_value")
        self.buffer[key] = canonical(value)

    def delete(self, key: str) -> None:
        self.buffer[key] = None

    def range(self, prefix: str) -> Iterator[tuple[str, Any]]:
        merged: dict[str, bytes | None] = dict(self._store.range(prefix))
        for layer in (self._overlay, self.buffer):
            for key, value in layer.items():
                if key.startswith(prefix):
                    merged[key] = value
        for key in sorted(merged):
            value = merged[key]
            if value is not None:
                yield key, json.loads(value)

    def emit(self, name: str, payload: Mapping[str, Any]) -> None:
        body = dict(payload)
        canonical(body)
        self.events.append({"name": name, "payload": body})

    def roles_of(self, org: str) -> frozenset[str]:
        record = self.get(MEMBER_PREFIX + org)
        return frozenset(record["roles"]) if record else frozenset()

    def param(self, name: str) -> Any:
        value = self.get(PARAM_PREFIX + name)
        if value is None:
            raise GovernanceError(f"no governed parameter {name!r}", code="unknown_param")
        return value

    def require_role(self, *roles: str) -> None:
        held = self.roles_of(self._submitter)
        if not held.intersection(roles):
            raise RoleDenied(
                f"{self._submitter!r} needs one of the roles {sorted(roles)} (has {sorted(held)})"
            )

    def require_signed_by(self, *orgs: str) -> None:
        missing = sorted(set(orgs) - self._signers)
        if missing:
            raise EndorsementMissing(f"the transaction must also be signed by {missing}")
