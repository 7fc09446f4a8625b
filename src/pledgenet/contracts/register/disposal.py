"""Default and default disposal (违约处置).

The pledgee declares a contract in default (state 9) for one of the registrar's reasons: the closing line
was breached, the pledgor failed to repurchase, a court froze the pledged shares, the stock was delisted,
or false information. Disposal then either switches pledged shares to *sellable* (the pledge lifts and
the pledgee sells them through the pledgor's account, within the shareholder-reduction rules: about 1% of
the company's shares per 90 days by auction, 2% by block trade) or *transfers* them under agreement to a
buyer or to the pledgee (以股抵债). When nothing of the contract is still pledged it settles as type 09.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.register import args as a
from pledgenet.contracts.register import common, keys
from pledgenet.contracts.register import params as p
from pledgenet.contracts.register.contract import contract
from pledgenet.contracts.register.freezes import promote_queue
from pledgenet.contracts.register.pledges import OPEN_STATES, close_if_done, release_registration
from pledgenet.errors import BadRegisterArguments, DisposalLimitExceeded, WrongState
from pledgenet.ledger.contract_api import TxContext

DAY_MS = 86_400_000


@contract.operation("declare_default")
def declare_default(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Pledgee: put an open contract into default disposal (state 9) with the reason."""
    pledge_contract = common.contract(ctx, a.identifier(args, "contract_no"))
    reason = a.choice(args, "reason", keys.DEFAULT_REASONS)
    common.require_submitter(ctx, [pledge_contract["pledgee"]["org"]], "the pledgee")
    if pledge_contract["state"] not in OPEN_STATES:
        raise WrongState(
            f"contract {pledge_contract['contract_no']} is in state {pledge_contract['state']}; "
            "only an open contract can go into default"
        )
    pledge_contract["state"] = keys.STATE_DEFAULT
    pledge_contract["default_reason"] = reason
    pledge_contract["defaulted_at"] = ctx.block_time
    common.put(ctx, keys.contract(pledge_contract["contract_no"]), pledge_contract)
    common.emit(
        ctx,
        "register.default_declared",
        {
            "contract_no": pledge_contract["contract_no"],
            "code": pledge_contract["code"],
            "account": pledge_contract["account"],
            "pledgee": pledge_contract["pledgee"]["org"],
            "reason": reason,
        },
    )
    return {"contract_no": pledge_contract["contract_no"], "state": keys.STATE_DEFAULT}


def _check_reduction_rules(
    ctx: TxContext, security: dict[str, Any], channel: str, quantity: int
) -> dict[str, Any]:
    """The forced-sale log of the stock with this sale added, or ``DisposalLimitExceeded``."""
    window_ms = ctx.param(p.DISPOSAL_WINDOW_DAYS) * DAY_MS
    log = ctx.get(keys.disposal(security["code"])) or {"code": security["code"], "sales": []}
    sales = [sale for sale in log["sales"] if sale["time"] > ctx.block_time - window_ms]
    limit_bp = ctx.param(p.DISPOSAL_AUCTION_BP if channel == "auction" else p.DISPOSAL_BLOCK_BP)
    sold = sum(sale["quantity"] for sale in sales if sale["channel"] == channel)
    if (sold + quantity) * 10_000 > limit_bp * security["total_shares"]:
        raise DisposalLimitExceeded(
            f"forced sales of {security['code']} by {channel} would reach {sold + quantity} shares in "
            f"{ctx.param(p.DISPOSAL_WINDOW_DAYS)} days; the reduction rules allow {limit_bp} bp of "
            f"{security['total_shares']} shares"
        )
    sales.append({"time": ctx.block_time, "channel": channel, "quantity": quantity})
    return {"code": security["code"], "sales": sales}


@contract.operation("dispose")
def dispose(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Pledgee, endorsed by the registrar: dispose of pledged shares of a contract in default."""
    pledge = common.pledge(ctx, a.identifier(args, "registration_no"))
    pledge_contract = common.contract(ctx, pledge["contract_no"])
    common.require_submitter(ctx, [pledge_contract["pledgee"]["org"]], "the pledgee")
    common.require_registrar(ctx)
    mode = a.choice(args, "mode", ("sellable", "transfer"))
    if pledge_contract["state"] != keys.STATE_DEFAULT:
        raise WrongState(f"contract {pledge_contract['contract_no']} is not in default disposal (state 9)")
    if pledge["state"] != keys.PLEDGE_ACTIVE:
        raise WrongState(f"registration {pledge['registration_no']} is {pledge['state']}, not active")
    quantity = a.count(args, "quantity", default=pledge["quantity"])
    if quantity > pledge["quantity"]:
        raise BadRegisterArguments(
            f"registration {pledge['registration_no']} pledges {pledge['quantity']} shares, not {quantity}"
        )
    code, source_no, share_class = pledge["code"], pledge["pledgor"]["account"], pledge["share_class"]
    log: dict[str, Any] | None = None
    target_no: str | None = None
    if mode == "sellable":
        channel = a.choice(args, "channel", ("auction", "block"), default="auction")
        log = _check_reduction_rules(ctx, common.security(ctx, code), channel, quantity)
    else:
        target_no = a.identifier(args, "to_account")
        if target_no == source_no:
            raise BadRegisterArguments("a disposal transfer must go to another account")
        common.account(ctx, target_no)

    release_registration(
        ctx, pledge, quantity, state=keys.PLEDGE_DISPOSED, leaves_account=target_no is not None
    )
    if log is not None:
        common.put(ctx, keys.disposal(code), log)
    if target_no is not None:
        target_value = ctx.get(keys.holding(code, target_no))
        target = (
            common.empty_holding(code, target_no)
            if target_value is None
            else common.copy_holding(target_value)
        )
        target[share_class]["held"] += quantity
        promote_queue(ctx, target)
        common.put(ctx, keys.holding(code, target_no), target)
    if pledge["quantity"] == 0:
        pledge_contract["open_registrations"].remove(pledge["registration_no"])
    close_if_done(ctx, pledge_contract, keys.SETTLE_DISPOSAL)
    common.emit(
        ctx,
        "register.disposed",
        {
            "registration_no": pledge["registration_no"],
            "contract_no": pledge_contract["contract_no"],
            "code": code,
            "mode": mode,
            "quantity": quantity,
            "to_account": target_no,
        },
    )
    return {"registration_no": pledge["registration_no"], "disposed": quantity, "mode": mode}
