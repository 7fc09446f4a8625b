"""The peer's implementation of ``pledgenet.ledger.contract_api.TxContext``.

Reads see, newest first: this transaction's own buffered writes, the writes of the block's earlier valid
transactions (the block overlay), then the committed state (through the peer's ``StateCache``). Writes go
to the transaction's buffer only, as canonical bytes (so a handler that mutates a dict after ``put`` cannot
change what was written); the peer merges the buffer into the overlay when the handler returns and throws
it away when it raises. Events are encoded when they are emitted, for the same reason.

``put`` checks that a value is canonical (no floats, string keys) before encoding it. ``put_built`` (and
``emit_built`` for events) skips that walk for values a contract assembled itself from parts that are
canonical already: transaction arguments (checked when the envelope was decoded: floats refused, canonical
form re-derived) and values read from state (written canonical), combined with integer arithmetic. It is
an optional fast path, not part of the ``TxContext`` protocol; a contract reaches it with ``getattr`` and
falls back to ``put``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pledgenet.encoding import check_value
from pledgenet.errors import ContractError, EndorsementMissing, GovernanceError, RoleDenied
from pledgenet.ledger import codec
from pledgenet.ledger.cache import StateCache, decode_value
from pledgenet.ledger.contract_api import MEMBER_PREFIX, PARAM_PREFIX
from pledgenet.ledger.store import Store

__all__ = ["MEMBER_PREFIX", "PARAM_PREFIX", "ExecutionContext", "checked_bytes", "encode_events"]


def checked_bytes(value: Any) -> bytes:
    """``pledgenet.encoding.canonical`` on the fast codec: refuse non-canonical values, then encode."""
    check_value(value)
    return codec.dumps(value)


def encode_events(chunks: list[bytes]) -> bytes | None:
    """The canonical bytes of a transaction's event list from its events' canonical bytes."""
    return b"[" + b",".join(chunks) + b"]" if chunks else None


class ExecutionContext:
    """One transaction's view of the world while its handler runs."""

    __slots__ = (
        "_height",
        "_overlay",
        "_signers",
        "_state",
        "_store",
        "_submitter",
        "_time",
        "_tx_id",
        "buffer",
        "event_bytes",
        "events",
    )

    def __init__(
        self,
        *,
        store: Store,
        state: StateCache,
        overlay: dict[str, bytes | None],
        tx_id: str,
        height: int,
        time: int,
        submitter: str,
        signers: frozenset[str],
    ) -> None:
        self._store = store
        self._state = state
        self._overlay = overlay
        self._tx_id = tx_id
        self._height = height
        self._time = time
        self._submitter = submitter
        self._signers = signers
        self.buffer: dict[str, bytes | None] = {}
        self.events: list[dict[str, Any]] = []
        #: each event's canonical bytes, taken when it was emitted
        self.event_bytes: list[bytes] = []

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

    def _written(self, key: str) -> bool:
        """True when this transaction or an earlier one of the block wrote ``key``."""
        return key in self.buffer or key in self._overlay

    def get_bytes(self, key: str) -> bytes | None:
        if key in self.buffer:
            return self.buffer[key]
        if key in self._overlay:
            return self._overlay[key]
        return self._state.committed(key)

    def get(self, key: str) -> Any:
        # get_bytes inlined: handlers read several records per transaction
        buffer = self.buffer
        if key in buffer:
            data = buffer[key]
        else:
            overlay = self._overlay
            data = overlay[key] if key in overlay else self._state.committed(key)
        return None if data is None else decode_value(data)

    @staticmethod
    def _check_put(key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "/" not in key:
            raise ContractError(f"state key {key!r} must look like '<contract>/<...>'", code="bad_key")
        if value is None:
            raise ContractError(f"cannot put null at {key!r}; use delete", code="null_value")

    def put(self, key: str, value: Any) -> None:
        self._check_put(key, value)
        self.buffer[key] = checked_bytes(value)

    def put_built(self, key: str, value: Any) -> None:
        """``put`` for a value the contract assembled from canonical parts (see the module docstring)."""
        self._check_put(key, value)
        self.buffer[key] = codec.dumps(value)

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
                yield key, decode_value(value)

    def emit(self, name: str, payload: Mapping[str, Any]) -> None:
        event = {"name": name, "payload": dict(payload)}
        self.event_bytes.append(checked_bytes(event))
        self.events.append(event)

    def emit_built(self, name: str, payload: Mapping[str, Any]) -> None:
        """``emit`` for a payload the contract assembled from canonical parts (as ``put_built``)."""
        event = {"name": name, "payload": dict(payload)}
        self.event_bytes.append(codec.dumps(event))
        self.events.append(event)

    def roles_of(self, org: str) -> frozenset[str]:
        key = MEMBER_PREFIX + org
        if not self._written(key):
            return self._state.roles(org)
        record = self.get(key)
        return frozenset(record["roles"]) if record else frozenset()

    def param(self, name: str) -> Any:
        key = PARAM_PREFIX + name
        value = self.get(key) if self._written(key) else self._state.param(name)
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
        signers = self._signers
        for org in orgs:
            if org not in signers:
                missing = sorted(set(orgs) - signers)
                raise EndorsementMissing(f"the transaction must also be signed by {missing}")
