"""The context of the registrar's verdict: derived from the transaction and chain state, never supplied.

The registrar reviews sealed terms against facts that are not in them: the shares pledged, whether the repo
only repays a defaulted contract (and whether governance still exempts such repos), whether the contract
being extended is in default and how long it has run, the governed rules, and the exchange's last close of
the stock. ``derive`` computes these from the transaction's public arguments and the state the reader sees
(the registrar's peer before it signs; every peer, at ``ctx.block_time``, when it validates), and nothing
else: a submitter cannot claim an exemption, a quantity or a price the chain does not show.

The verdict (``terms.make_verdict``) carries ``context_hash``, the SHA-256 of the canonical context, so a
verdict given for one quantity, one last close or one set of rules does not fit a transaction with
another; ``check`` is what every peer runs. The context also names the registration the sealed terms belong
to (``binding``: ``<contract_no>/<n>``, the contract's n-th registration, or ``<contract_no>/extension/<k>``),
which must equal the envelope's own bound ``binding``, so an envelope cannot be re-attached to another
registration.

Pledge rate rule: the registrar computes the pledge rate on the lower of the sealed start price and the
exchange's last close on chain (``valuation_price_fen``); with no close of the stock on chain (never
published, or suspended on the last trading day) the sealed price stands, and the context says so
(``close`` is ``None``), so every member sees which price the rate was checked on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from pledgenet.contracts import market
from pledgenet.contracts.register import args as a
from pledgenet.contracts.register import keys
from pledgenet.contracts.register import params as p
from pledgenet.encoding import canonical_unchecked, sha256_hex
from pledgenet.errors import EnvelopeMisbound, UnknownRecord, VerdictMismatch

DAY_MS = 86_400_000
OPERATIONS = ("pledge", "top_up", "extend")
#: the governed rules the sealed terms are checked under (bound into the context with their values)
RULE_PARAMS = (
    p.MAX_PLEDGE_RATE_BP,
    p.MIN_INITIAL_AMOUNT_FEN,
    p.MIN_LATER_AMOUNT_FEN,
    p.MAX_TERM_DAYS,
    p.FORBIDDEN_USES,
)

Param = Callable[[str], Any]


class StateReader(Protocol):
    def get(self, key: str) -> Any: ...


def last_close(reader: StateReader, code: str) -> dict[str, Any] | None:
    """The stock's close on the last trading day published on chain, or ``None`` (none, or suspended)."""
    pointer = reader.get(market.LATEST)
    latest = None if pointer is None else str(pointer["trade_date"])
    record = None if latest is None else reader.get(market.CLOSE + latest)
    price = None if record is None else record["closes"].get(code)
    return None if price is None else {"trade_date": latest, "price_fen": int(price)}


def valuation_price_fen(start_price_fen: int, close: Mapping[str, Any] | None) -> int:
    """The price the pledge rate is computed on: the lower of the sealed start price and the last close."""
    return start_price_fen if close is None else min(start_price_fen, int(close["price_fen"]))


def _contract(reader: StateReader, contract_no: str) -> Mapping[str, Any]:
    record = reader.get(keys.contract(contract_no))
    if record is None:
        raise UnknownRecord(f"no pledge contract {contract_no!r} in the register", code="unknown_contract")
    return dict(record)


def _exempt(reader: StateReader, param: Param, args: Mapping[str, Any], account: str) -> bool:
    repays = a.optional_identifier(args, "repays_default_of")
    if repays is None:
        return False
    defaulted = reader.get(keys.contract(repays))
    return (
        defaulted is not None
        and defaulted["state"] == keys.STATE_DEFAULT
        and defaulted["account"] == account
        and bool(param(p.DEFAULT_REPAY_EXEMPT))
    )


def derive(
    reader: StateReader, param: Param, operation: str, args: Mapping[str, Any], now_ms: int
) -> dict[str, Any]:
    """The verdict's context for ``operation`` with public ``args``, as the state in ``reader`` has it at
    ``now_ms``. Every argument it uses is checked first (``bad_arguments`` naming the field)."""
    contract_no = a.identifier(args, "contract_no")
    if operation == "pledge":
        account, code = a.identifier(args, "account"), a.identifier(args, "code")
        quantity = a.count(args, "quantity")
        exempt = _exempt(reader, param, args, account)
        binding, in_default, elapsed_days = f"{contract_no}/0", False, 0
    elif operation == "top_up":
        quantity = a.count(args, "quantity")
        record = _contract(reader, contract_no)
        code = record["code"]
        exempt = record["repays_default_of"] is not None and bool(param(p.DEFAULT_REPAY_EXEMPT))
        binding, in_default, elapsed_days = f"{contract_no}/{len(record['registrations'])}", False, 0
    elif operation == "extend":
        record = _contract(reader, contract_no)
        code, quantity, exempt = record["code"], 0, False
        binding = f"{contract_no}/extension/{record['extensions'] + 1}"
        in_default = record["state"] == keys.STATE_DEFAULT
        elapsed_days = max(0, (now_ms - record["registered_at"]) // DAY_MS)
    else:
        raise ValueError(f"no sealed-terms review for operation {operation!r}")
    return make_context(
        operation,
        contract_no=contract_no,
        binding=binding,
        code=code,
        quantity=quantity,
        exempt=exempt,
        in_default=in_default,
        elapsed_days=elapsed_days,
        close=last_close(reader, code),
        rules={name: param(name) for name in RULE_PARAMS},
    )


def make_context(
    operation: str,
    *,
    contract_no: str,
    binding: str,
    code: str,
    quantity: int,
    exempt: bool,
    in_default: bool,
    elapsed_days: int,
    close: dict[str, Any] | None,
    rules: dict[str, Any],
) -> dict[str, Any]:
    """The context record (what ``derive`` returns; a client preparing many registrations before any is
    on chain builds the same record from what it knows)."""
    return {
        "operation": operation,
        "contract_no": contract_no,
        "binding": binding,
        "code": code,
        "quantity": quantity,
        "exempt": exempt,
        "in_default": in_default,
        "elapsed_days": elapsed_days,
        "close": close,
        "rules": rules,
    }


def context_hash(context: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical context (built from canonical parts: state values, checked arguments)."""
    return sha256_hex(canonical_unchecked(dict(context)))


def check(envelope: Mapping[str, Any], verdict: Mapping[str, Any], context: Mapping[str, Any]) -> None:
    """Every peer's check: the envelope is bound to this registration and the verdict to this context."""
    if envelope["binding"] != context["binding"]:
        raise EnvelopeMisbound(
            f"the sealed terms were sealed for registration {envelope['binding']!r}, "
            f"not for this one ({context['binding']!r}): an envelope cannot be re-attached"
        )
    if verdict["context_hash"] != context_hash(context):
        raise VerdictMismatch(
            "the registrar's verdict was given on another context than this transaction's (the quantity, "
            "the exemption, the contract's state or age, the last close or the governed rules differ): "
            "ask the registrar again"
        )
