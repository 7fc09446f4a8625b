"""The ledger's contract interface: the plug-in point between the ledger and the business rules.

The ledger never imports a contract: the set a peer loads is handed to it (``Peer(contracts=...)``,
``Alliance.init/open(contracts=...)``) by a composition root above it (``pledgenet.contracts.catalog``).

A contract is a named set of operations. A transaction of type ``"<contract>.<operation>"`` is executed by
calling the operation's handler with a ``TxContext`` and the transaction's arguments. Handlers follow one
shape: *guards first, then changes*. A guard raises a ``ContractError`` (or ``RoleDenied`` /
``EndorsementMissing``) before anything is written; the peer then marks the transaction invalid with the
error's ``code`` and discards whatever the handler buffered, so a refused operation changes nothing.

Endorsement is state-based, as in Fabric's key-level policies: the peer has already verified every
signature on the transaction and every signer's certificate; the handler states who must have signed with
``ctx.require_signed_by(org)`` and which role the submitter needs with ``ctx.require_role(...)``, because
who must consent often depends on state (the pledgee of an existing pledge, the governing members today).

Determinism rules for handlers: read time only from ``ctx.block_time``; never use floats (integers for
shares, fen and basis points); iterate state with ``ctx.range`` (sorted by key); values must be canonical
(see ``pledgenet.encoding``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = Any
Handler = Callable[["TxContext", dict[str, JSON]], JSON]

# The governance state the ledger itself reads (signers' identities and roles, governed parameters), kept
# by the governance contract; defined once here, used through ``pledgenet.contracts.governance`` above.
#: ``gov/member/<org>``: a member's record (org, name, roles, keys, certificate serial)
MEMBER_PREFIX = "gov/member/"
#: ``gov/param/<name>``: a governed parameter's value
PARAM_PREFIX = "gov/param/"


def member_key(org: str) -> str:
    """The state key of member ``org``'s governance record."""
    return MEMBER_PREFIX + org


def param_key(name: str) -> str:
    """The state key of governed parameter ``name``."""
    return PARAM_PREFIX + name


class StateReader(Protocol):
    """What reads world state: a peer, a transaction's context."""

    def get(self, key: str) -> JSON | None: ...

    def range(self, prefix: str) -> Iterable[tuple[str, JSON]]: ...


def members_with_role(reader: StateReader, role: str) -> list[str]:
    """The ids of the members holding ``role``, sorted."""
    return sorted(record["org"] for _key, record in reader.range(MEMBER_PREFIX) if role in record["roles"])


class TxContext(Protocol):
    """What a handler may see and do while one transaction executes."""

    @property
    def tx_id(self) -> str: ...

    @property
    def block_height(self) -> int: ...

    @property
    def block_time(self) -> int:
        """The block's timestamp, integer milliseconds since the Unix epoch (never the wall clock)."""
        ...

    @property
    def submitter(self) -> str:
        """Organisation id of the submitter (the first signer)."""
        ...

    @property
    def signers(self) -> frozenset[str]:
        """Organisation ids whose valid signatures the transaction carries (submitter included)."""
        ...

    def get(self, key: str) -> JSON | None:
        """The value of ``key`` as this transaction sees it, decoded afresh on every call (the caller
        may change what it gets without touching state), or None."""
        ...

    def put(self, key: str, value: JSON) -> None: ...

    def delete(self, key: str) -> None: ...

    def range(self, prefix: str) -> Iterator[tuple[str, JSON]]:
        """Keys starting with ``prefix`` in ascending key order, with this transaction's writes applied."""
        ...

    def emit(self, name: str, payload: Mapping[str, JSON]) -> None:
        """Record an event (kept with the transaction's result, delivered after the block commits)."""
        ...

    def roles_of(self, org: str) -> frozenset[str]:
        """Roles of a member organisation as governance has them now (empty if not a member)."""
        ...

    def param(self, name: str) -> JSON:
        """A governed parameter (changeable only by a governance vote)."""
        ...

    def require_role(self, *roles: str) -> None:
        """Raise ``RoleDenied`` unless the submitter has at least one of ``roles``."""
        ...

    def require_signed_by(self, *orgs: str) -> None:
        """Raise ``EndorsementMissing`` unless every org in ``orgs`` signed this transaction."""
        ...


@dataclass(frozen=True)
class Operation:
    """One operation of a contract."""

    name: str
    handler: Handler
    doc: str = ""


@dataclass
class Contract:
    """A named set of operations, registered with the peer's table of contracts."""

    name: str
    operations: dict[str, Operation] = field(default_factory=dict)
    #: governed parameters this contract introduces, with their genesis defaults
    default_params: dict[str, JSON] = field(default_factory=dict)

    def operation(self, name: str, doc: str = "") -> Callable[[Handler], Handler]:
        """Decorator: register ``handler`` as operation ``name``."""

        def register(handler: Handler) -> Handler:
            self.operations[name] = Operation(name=name, handler=handler, doc=doc or (handler.__doc__ or ""))
            return handler

        return register


def genesis_params(contracts: list[Contract]) -> dict[str, JSON]:
    """Union of every contract's default parameters; a name defined twice must agree."""
    params: dict[str, JSON] = {}
    for contract in contracts:
        for name, value in contract.default_params.items():
            if name in params and params[name] != value:
                raise ValueError(f"parameter {name!r} has two different defaults")
            params[name] = value
    return params
