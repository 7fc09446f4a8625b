"""Pledge registration and its life cycle: initial pledge, top-up, release, repurchase, extension.

A pledge *contract* (its number is registration element 20) binds one pledgor account, one stock and one
pledgee; each registration under it (the initial pledge, then top-ups) is a record with the registrar's
20 elements: the public groups 1, 2 and 4 in clear, group 3 (business type, amount, rate, term, use of
funds, warning and closing lines, initial market, initial registration number) sealed for the pledgor's
custody broker, the pledgee, the registrar and the regulator. The sealed envelope is stored once, in the
transaction that registered it (it is on every peer with the block); the registration record keeps that
transaction's id (``terms_tx``) and the envelope's hash (``terms_hash``), and ``queries.sealed_terms``
fetches it, so releases and top-ups never copy kilobytes of ciphertext through world state and history.

Rules every peer checks here (public data): free shares, no frozen share newly pledged, the 50% stock cap,
the 30% securities-firm and 15% asset-management-product caps, the borrower restriction, the exemption of
repos that only repay a defaulted contract, and that the sealed terms list every entitled member and are
bound to this registration. Rules over the sealed terms (pledge rate, minimum amounts, term, use of funds)
cannot be checked by peers that may not read them; the registrar checks them with ``terms.check_terms``
over a context it derives from the transaction and chain state (``verdicts.derive``), checks that every
entitled member's wrap opens to the envelope's data key, and co-signs the transaction with its verdict on
the envelope's hash and the context's hash (``common.endorse_sealed_terms``): every peer checks the
registrar's signature, derives the context itself at block time and checks the verdict is about this
envelope over this context, and a verdict other than ``ok`` makes the transaction invalid with the
verdict's reason code (Fabric's private-data model: those entitled to the data endorse, everyone else
validates the endorsement and the hash).
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.register import args as a
from pledgenet.contracts.register import common, keys, verdicts
from pledgenet.contracts.register import params as p
from pledgenet.contracts.register.contract import contract
from pledgenet.contracts.register.freezes import promote_queue
from pledgenet.contracts.register.holdings import require_free
from pledgenet.errors import (
    BadRegisterArguments,
    BorrowerNotEligible,
    CapExceeded,
    DuplicateRecord,
    WrongState,
)
from pledgenet.ledger.contract_api import TxContext

OPEN_STATES = (keys.STATE_NOT_DUE, keys.STATE_DUE)


def _check_caps(
    ctx: TxContext,
    security: dict[str, Any],
    pledgee: str,
    is_broker: bool,
    product: str | None,
    quantity: int,
) -> None:
    total = security["total_shares"]
    code = security["code"]
    after = sum(security["pledged"].values()) + quantity
    cap = ctx.param(p.MAX_STOCK_PLEDGE_BP)
    if after * 10_000 > cap * total:
        raise CapExceeded(
            f"pledges of {code} would reach {after * 10_000 // total} bp of its {total} shares; "
            f"the market-wide cap is {cap} bp",
            code="stock_cap_exceeded",
        )
    if is_broker:
        cap = ctx.param(p.MAX_BROKER_PLEDGEE_BP)
        after = common.exposure(security, pledgee) + quantity
        if after * 10_000 > cap * total:
            raise CapExceeded(
                f"securities firm {pledgee} would hold {after * 10_000 // total} bp of {code} in pledge; "
                f"one securities firm may hold at most {cap} bp",
                code="pledgee_cap_exceeded",
            )
    if product is not None:
        cap = ctx.param(p.MAX_PRODUCT_PLEDGEE_BP)
        after = common.exposure(security, keys.product_lender(product)) + quantity
        if after * 10_000 > cap * total:
            raise CapExceeded(
                f"asset-management product {product} would hold {after * 10_000 // total} bp of {code} "
                f"in pledge; one product may hold at most {cap} bp",
                code="product_cap_exceeded",
            )


def _register(
    ctx: TxContext,
    args: dict[str, Any],
    pledge_contract: dict[str, Any],
    kind: str,
    *,
    exempt: bool,
    account: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Guards shared by initial and top-up pledges, then the writes of one registration."""
    code, account_no = pledge_contract["code"], pledge_contract["account"]
    broker, pledgee = pledge_contract["custody_broker"], pledge_contract["pledgee"]["org"]
    quantity = a.count(args, "quantity")
    share_class = a.choice(args, "share_class", keys.SHARE_CLASSES, default=keys.UNRESTRICTED)
    common.require_submitter(ctx, [broker, pledgee], "the pledgor's custody broker or the pledgee")
    ctx.require_signed_by(broker, pledgee)
    operation = "pledge" if kind == "initial" else "top_up"
    context = verdicts.derive(ctx, ctx.param, operation, args, ctx.block_time)
    terms_hash = common.endorse_sealed_terms(ctx, args, [broker, pledgee], context)
    security = common.security(ctx, code)
    if not security["listed"]:
        raise WrongState(f"{code} is no longer listed; its shares cannot be newly pledged")
    holding = common.holding(ctx, code, account_no)
    require_free(holding, share_class, quantity, "pledge", "over_pledge")
    is_broker = "broker" in common.require_pledgee_member(ctx, pledgee)
    if not exempt:
        _check_caps(ctx, security, pledgee, is_broker, pledge_contract["product"], quantity)
    if account is None:
        account = common.account(ctx, account_no)

    registration_no = keys.registration_no(ctx.tx_id)
    before = common.pledged(holding)
    holding[share_class]["pledged"] += quantity
    holding["pledges"].append(registration_no)
    security["pledged"][share_class] += quantity
    security["pledges"] += 1
    lenders = [pledgee] + (
        [keys.product_lender(pledge_contract["product"])] if pledge_contract["product"] else []
    )
    record = {
        "registration_no": registration_no,
        "contract_no": pledge_contract["contract_no"],
        "kind": kind,
        "pledgee": pledge_contract["pledgee"],
        "pledgor": {"name": account["holder_name"], "account": account_no},
        "code": code,
        "short_name": security["short_name"],
        "custody_unit": broker,
        "category": security["category"],
        "share_class": share_class,
        "quantity": quantity,
        "original_quantity": quantity,
        "lenders": lenders,
        "terms_tx": ctx.tx_id,
        "terms_hash": terms_hash,
        "state": keys.PLEDGE_ACTIVE,
        "registered_at": ctx.block_time,
        "closed_at": None,
    }
    pledge_contract["registrations"].append(registration_no)
    pledge_contract["open_registrations"].append(registration_no)
    pledge_contract["terms_hash"] = terms_hash
    for lender in lenders:
        common.add_exposure(security, lender, quantity)
    common.put(ctx, keys.pledge(registration_no), record)
    common.put(ctx, keys.holding(code, account_no), holding)
    common.put(ctx, keys.security(code), security)
    common.put(ctx, keys.contract(pledge_contract["contract_no"]), pledge_contract)
    common.emit(
        ctx,
        "register.pledge_registered",
        {
            "registration_no": registration_no,
            "contract_no": pledge_contract["contract_no"],
            "kind": kind,
            "code": code,
            "account": account_no,
            "pledgee": pledgee,
            "quantity": quantity,
            "terms_hash": terms_hash,
        },
    )
    common.disclose_if_crossed(ctx, account, code, before, common.pledged(holding), common.held(holding))
    return {"registration_no": registration_no, "contract_no": pledge_contract["contract_no"]}


@contract.operation("pledge")
def initial_pledge(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Initial pledge: custody broker, pledgee and registrar sign; opens a pledge contract."""
    contract_no = a.identifier(args, "contract_no")
    account_no = a.identifier(args, "account")
    code = a.identifier(args, "code")
    pledgee = a.identifier(args, "pledgee")
    lender_type = a.choice(args, "lender_type", keys.LENDER_TYPES, default="00")
    product = a.optional_identifier(args, "product")
    if (product is None) == (lender_type in keys.PRODUCT_LENDER_TYPES):
        raise BadRegisterArguments("'product' is required for lender types 01 and 02, and only for them")
    repays = a.optional_identifier(args, "repays_default_of")
    if ctx.get(keys.contract(contract_no)) is not None:
        raise DuplicateRecord(f"pledge contract {contract_no} is already registered")
    account = common.account(ctx, account_no)
    if account["financial_institution"] and not ctx.param(p.FINANCIAL_BORROWER_ALLOWED):
        raise BorrowerNotEligible(
            f"{account['holder_name']} is a financial institution and may not borrow against pledged shares"
        )
    exempt = False
    if repays is not None:
        defaulted = common.contract(ctx, repays)
        if defaulted["state"] != keys.STATE_DEFAULT or defaulted["account"] != account_no:
            raise WrongState(
                f"contract {repays} is not a defaulted contract of account {account_no}; "
                "only repos that repay a default are exempt"
            )
        exempt = bool(ctx.param(p.DEFAULT_REPAY_EXEMPT))
    pledge_contract = {
        "contract_no": contract_no,
        "account": account_no,
        "code": code,
        "custody_broker": account["custody_broker"],
        "pledgee": {
            "org": pledgee,
            "name": a.text(args, "pledgee_name", limit=120),
            "id_type": a.text(args, "pledgee_id_type", default="business_licence", limit=40),
            "id_number": a.text(args, "pledgee_id_number", limit=64),
        },
        "lender_type": lender_type,
        "product": product,
        "borrower_type": account["holder_type"],
        "repays_default_of": repays,
        "state": keys.STATE_NOT_DUE,
        "settlement_type": keys.SETTLE_OPEN,
        "registrations": [],
        "open_registrations": [],
        "terms_hash": None,
        "extensions": 0,
        "default_reason": None,
        "registered_at": ctx.block_time,
    }
    return _register(ctx, args, pledge_contract, "initial", exempt=exempt, account=account)


@contract.operation("top_up")
def top_up_pledge(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Top-up pledge (补充质押) under an open contract: custody broker, pledgee and registrar sign."""
    pledge_contract = common.contract(ctx, a.identifier(args, "contract_no"))
    if pledge_contract["state"] not in OPEN_STATES:
        raise WrongState(
            f"contract {pledge_contract['contract_no']} is not open (state {pledge_contract['state']})"
        )
    exempt = pledge_contract["repays_default_of"] is not None and bool(ctx.param(p.DEFAULT_REPAY_EXEMPT))
    return _register(ctx, args, pledge_contract, "top_up", exempt=exempt)


def release_registration(
    ctx: TxContext,
    pledge: dict[str, Any],
    quantity: int,
    *,
    state: str = keys.PLEDGE_RELEASED,
    leaves_account: bool = False,
) -> dict[str, Any]:
    """Writes of releasing ``quantity`` shares of one registration (guards already passed).

    With ``leaves_account`` the released shares also leave the pledgor's holding (a disposal transfer)
    before queued freezes are promoted. Returns the holding as written.
    """
    code, account_no, share_class = pledge["code"], pledge["pledgor"]["account"], pledge["share_class"]
    holding = common.holding(ctx, code, account_no)
    security = common.security(ctx, code)
    before = common.pledged(holding)
    pledge["quantity"] -= quantity
    holding[share_class]["pledged"] -= quantity
    if leaves_account:
        holding[share_class]["held"] -= quantity
    security["pledged"][share_class] -= quantity
    if pledge["quantity"] == 0:
        pledge["state"] = state
        pledge["closed_at"] = ctx.block_time
        holding["pledges"].remove(pledge["registration_no"])
        security["pledges"] -= 1
    promote_queue(ctx, holding)
    for lender in pledge["lenders"]:
        common.add_exposure(security, lender, -quantity)
    common.put(ctx, keys.pledge(pledge["registration_no"]), pledge)
    common.put(ctx, keys.holding(code, account_no), holding)
    common.put(ctx, keys.security(code), security)
    common.emit(
        ctx,
        "register.pledge_released",
        {
            "registration_no": pledge["registration_no"],
            "contract_no": pledge["contract_no"],
            "code": code,
            "account": account_no,
            "quantity": quantity,
            "remaining": pledge["quantity"],
        },
    )
    account = ctx.get(keys.account(account_no)) or {}
    if code in account.get("controlling_shareholder_of", ()):
        common.disclose_if_crossed(ctx, account, code, before, common.pledged(holding), common.held(holding))
    return holding


def close_if_done(ctx: TxContext, pledge_contract: dict[str, Any], settlement_type: str) -> None:
    """Write the contract; settle it when none of its registrations is still open."""
    if not pledge_contract["open_registrations"]:
        pledge_contract["state"] = keys.STATE_SETTLED
        pledge_contract["settlement_type"] = settlement_type
        common.emit(
            ctx,
            "register.contract_settled",
            {"contract_no": pledge_contract["contract_no"], "settlement_type": settlement_type},
        )
    common.put(ctx, keys.contract(pledge_contract["contract_no"]), pledge_contract)


def _require_parties(ctx: TxContext, pledge_contract: dict[str, Any]) -> None:
    broker, pledgee = pledge_contract["custody_broker"], pledge_contract["pledgee"]["org"]
    common.require_submitter(ctx, [broker, pledgee], "the pledgor's custody broker or the pledgee")
    ctx.require_signed_by(broker, pledgee)


@contract.operation("release")
def release(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Partial or full release of one registration: pledgor's custody broker and pledgee both sign."""
    pledge = common.pledge(ctx, a.identifier(args, "registration_no"))
    pledge_contract = common.contract(ctx, pledge["contract_no"])
    _require_parties(ctx, pledge_contract)
    if pledge["state"] != keys.PLEDGE_ACTIVE:
        raise WrongState(f"registration {pledge['registration_no']} is {pledge['state']}, not active")
    quantity = a.count(args, "quantity", default=pledge["quantity"])
    if quantity > pledge["quantity"]:
        raise BadRegisterArguments(
            f"registration {pledge['registration_no']} pledges {pledge['quantity']} shares, "
            f"cannot release {quantity}"
        )
    settlement = a.choice(args, "settlement_type", (keys.SETTLE_EARLY, keys.SETTLE_MATURITY), default="02")
    release_registration(ctx, pledge, quantity)
    if pledge["quantity"] == 0:
        pledge_contract["open_registrations"].remove(pledge["registration_no"])
    close_if_done(ctx, pledge_contract, settlement)
    return {
        "registration_no": pledge["registration_no"],
        "released": quantity,
        "remaining": pledge["quantity"],
    }


@contract.operation("repurchase")
def repurchase(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Repurchase (early or at maturity): every open registration of the contract is released."""
    pledge_contract = common.contract(ctx, a.identifier(args, "contract_no"))
    _require_parties(ctx, pledge_contract)
    if pledge_contract["state"] == keys.STATE_SETTLED:
        raise WrongState(f"contract {pledge_contract['contract_no']} is already settled")
    settlement = keys.SETTLE_EARLY if a.flag(args, "early") else keys.SETTLE_MATURITY
    released = 0
    for registration_no in list(pledge_contract["open_registrations"]):
        pledge = common.pledge(ctx, registration_no)
        released += pledge["quantity"]
        release_registration(ctx, pledge, pledge["quantity"])
        pledge_contract["open_registrations"].remove(registration_no)
    close_if_done(ctx, pledge_contract, settlement)
    return {
        "contract_no": pledge_contract["contract_no"],
        "released": released,
        "settlement_type": settlement,
    }


@contract.operation("extend")
def extend(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Extension (延期购回) with new sealed terms: custody broker, pledgee and registrar sign.

    The registrar reviews the new term: at most three years in all, except for a contract in default
    disposal (the 2019 notice), which may be extended past three years.
    """
    pledge_contract = common.contract(ctx, a.identifier(args, "contract_no"))
    _require_parties(ctx, pledge_contract)
    parties = [pledge_contract["custody_broker"], pledge_contract["pledgee"]["org"]]
    context = verdicts.derive(ctx, ctx.param, "extend", args, ctx.block_time)
    terms_hash = common.endorse_sealed_terms(ctx, args, parties, context)
    if pledge_contract["state"] == keys.STATE_SETTLED:
        raise WrongState(f"contract {pledge_contract['contract_no']} is settled; there is nothing to extend")
    was_in_default = pledge_contract["state"] == keys.STATE_DEFAULT
    pledge_contract["terms_hash"] = terms_hash
    pledge_contract["extension_terms_tx"] = ctx.tx_id
    pledge_contract["extensions"] += 1
    pledge_contract["settlement_type"] = keys.SETTLE_EXTENDED
    pledge_contract["state"] = keys.STATE_NOT_DUE
    common.put(ctx, keys.contract(pledge_contract["contract_no"]), pledge_contract)
    common.emit(
        ctx,
        "register.contract_extended",
        {
            "contract_no": pledge_contract["contract_no"],
            "extensions": pledge_contract["extensions"],
            "was_in_default": was_in_default,
            "terms_hash": terms_hash,
        },
    )
    return {"contract_no": pledge_contract["contract_no"], "extensions": pledge_contract["extensions"]}
