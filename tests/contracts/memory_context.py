"""A small in-memory ledger for unit tests of contracts (tests only, no signatures, no blocks).

It keeps what the peer keeps for a contract's point of view: world state as canonical bytes, governed
parameters and member records under ``gov/``, and, like the peer, it runs one handler per transaction
against a write buffer that is merged only when the handler returns (a refused transaction changes
nothing). It also records which transaction wrote each key, so tests can check that every state change
is traceable to a transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pledgenet.contracts.governance import MEMBER_PREFIX, PARAM_PREFIX
from pledgenet.encoding import canonical
from pledgenet.errors import EndorsementMissing, GovernanceError, PledgenetError, RoleDenied
from pledgenet.ledger.contract_api import Contract


@dataclass
class Receipt:
    tx_id: str
    valid: bool
    code: str = "ok"
    message: str = ""
    result: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)


class MemoryContext:
    """``TxContext`` over a ``MemoryLedger`` with a write buffer."""

    def __init__(
        self, ledger: MemoryLedger, tx_id: str, submitter: str, signers: frozenset[str], time: int
    ) -> None:
        self._ledger = ledger
        self._tx_id = tx_id
        self._submitter = submitter
        self._signers = signers
        self._time = time
        self.buffer: dict[str, bytes | None] = {}
        self.events: list[dict[str, Any]] = []

    tx_id = property(lambda self: self._tx_id)
    block_height = property(lambda self: self._ledger.height)
    block_time = property(lambda self: self._time)
    submitter = property(lambda self: self._submitter)
    signers = property(lambda self: self._signers)

    def get(self, key: str) -> Any:
        data = self.buffer[key] if key in self.buffer else self._ledger.state.get(key)
        return None if data is None else json.loads(data)

    def put(self, key: str, value: Any) -> None:
        assert value is not None
        self.buffer[key] = canonical(value)

    def delete(self, key: str) -> None:
        self.buffer[key] = None

    def range(self, prefix: str) -> Iterator[tuple[str, Any]]:
        merged = {k: v for k, v in self._ledger.state.items() if k.startswith(prefix)}
        merged.update({k: v for k, v in self.buffer.items() if k.startswith(prefix)})
        for key in sorted(merged):
            if merged[key] is not None:
                yield key, json.loads(merged[key])  # type: ignore[arg-type]

    def emit(self, name: str, payload: Mapping[str, Any]) -> None:
        canonical(dict(payload))
        self.events.append({"name": name, "payload": dict(payload)})

    def roles_of(self, org: str) -> frozenset[str]:
        record = self.get(MEMBER_PREFIX + org)
        return frozenset(record["roles"]) if record else frozenset()

    def param(self, name: str) -> Any:
        value = self.get(PARAM_PREFIX + name)
        if value is None:
            raise GovernanceError(f"no governed parameter {name!r}", code="unknown_param")
        return value

    def require_role(self, *roles: str) -> None:
        if not self.roles_of(self._submitter).intersection(roles):
            raise RoleDenied(f"{self._submitter} needs one of the roles {sorted(roles)}")

    def require_signed_by(self, *orgs: str) -> None:
        missing = sorted(set(orgs) - self._signers)
        if missing:
            raise EndorsementMissing(f"the transaction must also be signed by {missing}")


class MemoryLedger:
    """World state plus the contracts; ``submit`` executes one transaction as its own block."""

    def __init__(self, contracts: Iterable[Contract], members: Mapping[str, Mapping[str, Any]]) -> None:
        self.contracts = {c.name: c for c in contracts}
        self.state: dict[str, bytes] = {}
        self.writers: dict[str, list[str]] = {}
        self.height = 0
        self.time = 1_700_000_000_000
        for org, record in members.items():
            self.state[MEMBER_PREFIX + org] = canonical(dict(record))
        for contract in self.contracts.values():
            for name, value in contract.default_params.items():
                self.state[PARAM_PREFIX + name] = canonical(value)

    def get(self, key: str) -> Any:
        data = self.state.get(key)
        return None if data is None else json.loads(data)

    def range(self, prefix: str) -> Iterator[tuple[str, Any]]:
        for key in sorted(k for k in self.state if k.startswith(prefix)):
            yield key, json.loads(self.state[key])

    def set_param(self, name: str, value: Any) -> None:
        self.state[PARAM_PREFIX + name] = canonical(value)

    def snapshot(self, prefix: str = "") -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.state.items() if k.startswith(prefix)}

    def submit(
        self, tx_type: str, args: dict[str, Any], signers: list[str], *, advance_ms: int = 1000
    ) -> Receipt:
        self.height += 1
        self.time += advance_ms
        tx_id = hashlib.sha256(canonical([self.height, tx_type, args, signers])).hexdigest()
        contract_name, _, operation = tx_type.partition(".")
        handler = self.contracts[contract_name].operations[operation].handler
        ctx = MemoryContext(self, tx_id, signers[0], frozenset(signers), self.time)
        try:
            result = handler(ctx, json.loads(canonical(args)))
        except PledgenetError as error:
            return Receipt(tx_id=tx_id, valid=False, code=error.code, message=error.message)
        for key, value in ctx.buffer.items():
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value
            self.writers.setdefault(key, []).append(tx_id)
        return Receipt(tx_id=tx_id, valid=True, result=result, events=ctx.events)
