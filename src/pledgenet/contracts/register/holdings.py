"""The book of holdings: listing securities, opening accounts, transfers and corporate actions.

Holdings of a security always sum to its total share capital: a listing places the whole capital in named
accounts, a transfer moves free shares between accounts, and a corporate action rescales every holding,
pledge and freeze of the stock together (bonus and transfer shares follow the pledges and freezes of the
shares they come from).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pledgenet.contracts.register import args as a
from pledgenet.contracts.register import common, keys
from pledgenet.contracts.register.contract import contract
from pledgenet.contracts.register.freezes import promote_queue
from pledgenet.errors import (
    BadRegisterArguments,
    DuplicateRecord,
    EnvelopeMisbound,
    NotAParty,
    OverPledge,
    SharesFrozen,
)
from pledgenet.ledger.contract_api import TxContext


@contract.operation("list_security")
def list_security(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Registrar: list a security and place its whole share capital in the given accounts."""
    ctx.require_role("registrar")
    code = a.identifier(args, "code")
    total_shares = a.count(args, "total_shares")
    restricted_shares = a.count(args, "restricted_shares", minimum=0, default=0)
    board = a.choice(args, "board", keys.BOARDS)
    placements = a.records(args, "holdings")
    if ctx.get(keys.security(code)) is not None:
        raise DuplicateRecord(f"security {code} is already listed")
    seen: set[str] = set()
    sums = {keys.UNRESTRICTED: 0, keys.RESTRICTED: 0}
    for placement in placements:
        account_no = a.identifier(placement, "account")
        if account_no in seen:
            raise BadRegisterArguments(f"account {account_no} appears twice in the listing")
        seen.add(account_no)
        common.account(ctx, account_no)
        for share_class in keys.SHARE_CLASSES:
            sums[share_class] += a.count(placement, share_class, minimum=0, default=0)
    if sums[keys.RESTRICTED] != restricted_shares or sum(sums.values()) != total_shares:
        raise BadRegisterArguments(
            f"the holdings place {sums[keys.UNRESTRICTED]} unrestricted and {sums[keys.RESTRICTED]} "
            f"restricted shares; the security has {total_shares}, {restricted_shares} of them restricted"
        )
    for placement in placements:
        holding = common.empty_holding(code, placement["account"])
        for share_class in keys.SHARE_CLASSES:
            holding[share_class]["held"] = placement.get(share_class, 0)
        common.put(ctx, keys.holding(code, placement["account"]), holding)
    common.put(
        ctx,
        keys.security(code),
        {
            "code": code,
            "short_name": a.text(args, "short_name", limit=40),
            "board": board,
            "industry": a.text(args, "industry", default="unclassified", limit=80),
            "category": a.text(args, "category", default="A-share", limit=40),
            "total_shares": total_shares,
            "restricted_shares": restricted_shares,
            "listed": True,
            "pledges": 0,
            "pledged": {keys.UNRESTRICTED: 0, keys.RESTRICTED: 0},
            "exposure": {},
        },
    )
    common.emit(ctx, "register.security_listed", {"code": code, "total_shares": total_shares})
    return {"code": code, "holdings": len(placements)}


def identity_binding(account_no: str) -> str:
    """What a pledgor's sealed identity data is bound to: its securities account."""
    return f"identity/{account_no}"


def _new_account(ctx: TxContext, item: dict[str, Any]) -> dict[str, Any]:
    account_no = a.identifier(item, "account")
    broker = a.identifier(item, "custody_broker")
    if "broker" not in ctx.roles_of(broker):
        raise BadRegisterArguments(f"custody broker {broker} is not a member with the broker role")
    controlled = item.get("controlling_shareholder_of", [])
    if type(controlled) is not list or any(type(code) is not str for code in controlled):
        raise BadRegisterArguments("'controlling_shareholder_of' must be a list of security codes")
    identity = item.get("identity")
    if identity is not None:
        common.check_sealed_terms(ctx, identity, readers=[broker])
        if identity["binding"] != identity_binding(account_no):
            raise EnvelopeMisbound(
                f"the identity data was sealed for {identity['binding']!r}, not for account {account_no}"
            )
    return {
        "account": account_no,
        "holder_name": a.text(item, "holder_name", limit=120),
        "holder_type": a.choice(item, "holder_type", (keys.BORROWER_INDIVIDUAL, keys.BORROWER_INSTITUTION)),
        "financial_institution": a.flag(item, "financial_institution"),
        "custody_broker": broker,
        "controlling_shareholder_of": sorted(set(controlled)),
        "identity": identity,
    }


@contract.operation("open_accounts")
def open_accounts(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Registrar, or the custody broker of every account: open securities accounts (identity sealed)."""
    items = a.records(args, "accounts")
    accounts = [_new_account(ctx, item) for item in items]
    numbers = [record["account"] for record in accounts]
    if len(set(numbers)) != len(numbers):
        raise BadRegisterArguments("an account number appears twice")
    brokers = {record["custody_broker"] for record in accounts}
    if "registrar" not in ctx.roles_of(ctx.submitter) and brokers != {ctx.submitter}:
        raise NotAParty(
            f"{ctx.submitter} may open only accounts it keeps in custody; ask the registrar for the others"
        )
    for record in accounts:
        if ctx.get(keys.account(record["account"])) is not None:
            raise DuplicateRecord(f"securities account {record['account']} already exists")
    for record in accounts:
        common.put(ctx, keys.account(record["account"]), record)
    return {"opened": len(accounts)}


def require_free(holding: dict[str, Any], share_class: str, quantity: int, action: str, code: str) -> None:
    """Refuse ``action`` on more shares than are free; name freezes when they are what stands in the way."""
    available = common.free(holding, share_class)
    if quantity <= available:
        return
    part = holding[share_class]
    detail = (
        f"{action} {quantity} {share_class} shares of {holding['code']} in account {holding['account']}: "
        f"only {available} are free ({part['pledged']} pledged, {part['frozen']} frozen)"
    )
    if part["frozen"] and quantity <= part["held"] - part["pledged"]:
        raise SharesFrozen("cannot " + detail)
    raise OverPledge("cannot " + detail, code=code)


@contract.operation("transfer")
def transfer(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Custody broker of the source (and of the destination): move free shares between accounts."""
    code = a.identifier(args, "code")
    source_no = a.identifier(args, "from_account")
    target_no = a.identifier(args, "to_account")
    quantity = a.count(args, "quantity")
    share_class = a.choice(args, "share_class", keys.SHARE_CLASSES, default=keys.UNRESTRICTED)
    if source_no == target_no:
        raise BadRegisterArguments("a transfer needs two different accounts")
    source_account = common.account(ctx, source_no)
    target_account = common.account(ctx, target_no)
    common.require_submitter(ctx, [source_account["custody_broker"]], "the source account's custody broker")
    ctx.require_signed_by(target_account["custody_broker"])
    source = common.holding(ctx, code, source_no)
    require_free(source, share_class, quantity, "transfer", "insufficient_free_shares")
    target_value = ctx.get(keys.holding(code, target_no))
    target = (
        common.empty_holding(code, target_no) if target_value is None else common.copy_holding(target_value)
    )
    source[share_class]["held"] -= quantity
    target[share_class]["held"] += quantity
    common.put(ctx, keys.holding(code, source_no), source)
    common.put(ctx, keys.holding(code, target_no), target)
    common.emit(
        ctx,
        "register.transferred",
        {"code": code, "from_account": source_no, "to_account": target_no, "quantity": quantity},
    )
    return {"code": code, "quantity": quantity}


def _rescale(quantity: int, numerator: int, denominator: int) -> int:
    return quantity * numerator // denominator


@contract.operation("corporate_action")
def corporate_action(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Registrar: bonus / transfer shares (``per_10``) or a split (``numerator``/``denominator``).

    Every holding, pledge and freeze of the stock is rescaled with floor rounding per record; a holding's
    pledged and frozen quantities are the sums of its rescaled pledges and freezes, which never exceed its
    rescaled holding, and the new capital is the sum of the new holdings.
    """
    ctx.require_role("registrar")
    code = a.identifier(args, "code")
    kind = a.choice(args, "kind", ("bonus", "split"))
    if kind == "bonus":
        numerator, denominator = 10 + a.count(args, "per_10"), 10
    else:
        numerator, denominator = a.count(args, "numerator"), a.count(args, "denominator")
    security = common.security(ctx, code)
    holdings = [(key, common.copy_holding(value)) for key, value in ctx.range(keys.holding(code, ""))]
    totals = {keys.UNRESTRICTED: 0, keys.RESTRICTED: 0}
    pledged_totals = {keys.UNRESTRICTED: 0, keys.RESTRICTED: 0}
    exposure_delta: dict[str, int] = defaultdict(int)
    for key, holding in holdings:
        for share_class in keys.SHARE_CLASSES:
            part = holding[share_class]
            part["held"] = _rescale(part["held"], numerator, denominator)
            part["pledged"] = part["frozen"] = 0
            totals[share_class] += part["held"]
        for registration_no in holding["pledges"]:
            pledge = common.pledge(ctx, registration_no)
            new_quantity = _rescale(pledge["quantity"], numerator, denominator)
            for lender in pledge["lenders"]:
                exposure_delta[lender] += new_quantity - pledge["quantity"]
            pledge["quantity"] = new_quantity
            holding[pledge["share_class"]]["pledged"] += new_quantity
            pledged_totals[pledge["share_class"]] += new_quantity
            common.put(ctx, keys.pledge(registration_no), pledge)
        for freeze_id in holding["freezes"] + holding["queue"]:
            freeze = common.freeze(ctx, freeze_id)
            freeze["quantity"] = _rescale(freeze["quantity"], numerator, denominator)
            if freeze["state"] == keys.FREEZE_EFFECTIVE:
                holding[freeze["share_class"]]["frozen"] += freeze["quantity"]
            common.put(ctx, keys.freeze(freeze_id), freeze)
        promote_queue(ctx, holding)
        common.put(ctx, key, holding)
    for lender, delta in sorted(exposure_delta.items()):
        if delta:
            common.add_exposure(security, lender, delta)
    security["total_shares"] = sum(totals.values())
    security["restricted_shares"] = totals[keys.RESTRICTED]
    security["pledged"] = pledged_totals
    common.put(ctx, keys.security(code), security)
    common.emit(
        ctx,
        "register.corporate_action",
        {"code": code, "kind": kind, "numerator": numerator, "denominator": denominator},
    )
    return {"code": code, "total_shares": security["total_shares"], "holdings": len(holdings)}
