"""Judicial freezes, queued freezes, unfreezing and judicial transfer (the court's operations).

A judicial freeze takes free shares only: a share is pledged or frozen, never both, so ``pledged + frozen``
never exceeds the holding. A court that wants shares already pledged or frozen files a queued freeze
(轮候冻结): it reserves nothing, waits in the holding's queue, and takes effect in queue order as soon as its
whole quantity is free (an earlier freeze lifts, a pledge is released). Nobody jumps the queue: a later
queued freeze waits behind an earlier one that does not fit yet. A queued freeze that waits on pledged
shares is a default trigger for those pledges, announced to their pledgees by an event.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.register import args as a
from pledgenet.contracts.register import common, keys
from pledgenet.contracts.register.contract import contract
from pledgenet.errors import NotAParty, OverPledge, WrongState
from pledgenet.ledger.contract_api import TxContext


def promote_queue(ctx: TxContext, holding: dict[str, Any]) -> list[str]:
    """Let queued freezes of ``holding`` take effect in order while the head fits; return their ids.

    Changes ``holding`` in place (the caller writes it) and writes each promoted freeze record.
    """
    promoted: list[str] = []
    while holding["queue"]:
        freeze = common.freeze(ctx, holding["queue"][0])
        if freeze["quantity"] > common.free(holding, freeze["share_class"]):
            break
        holding["queue"].pop(0)
        holding["freezes"].append(freeze["freeze_id"])
        holding[freeze["share_class"]]["frozen"] += freeze["quantity"]
        freeze["state"] = keys.FREEZE_EFFECTIVE
        freeze["effective_at"] = ctx.block_time
        common.put(ctx, keys.freeze(freeze["freeze_id"]), freeze)
        common.emit(ctx, "register.freeze_effective", _event(freeze, queued=True))
        promoted.append(freeze["freeze_id"])
    return promoted


def _event(freeze: dict[str, Any], *, queued: bool = False) -> dict[str, Any]:
    return {
        "freeze_id": freeze["freeze_id"],
        "court": freeze["court"],
        "case_no": freeze["case_no"],
        "code": freeze["code"],
        "account": freeze["account"],
        "quantity": freeze["quantity"],
        "from_queue": queued,
    }


def _request(ctx: TxContext, args: dict[str, Any], state: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ctx.require_role("court")
    code = a.identifier(args, "code")
    account_no = a.identifier(args, "account")
    freeze: dict[str, Any] = {
        "freeze_id": keys.freeze_id(ctx.tx_id),
        "court": ctx.submitter,
        "case_no": a.text(args, "case_no", limit=80),
        "code": code,
        "account": account_no,
        "share_class": a.choice(args, "share_class", keys.SHARE_CLASSES, default=keys.UNRESTRICTED),
        "quantity": a.count(args, "quantity"),
        "state": state,
        "requested_at": ctx.block_time,
        "effective_at": None,
    }
    holding = common.holding(ctx, code, account_no)
    if freeze["quantity"] > holding[freeze["share_class"]]["held"]:
        raise OverPledge(
            f"account {account_no} holds {holding[freeze['share_class']]['held']} {freeze['share_class']} "
            f"shares of {code}; a freeze of {freeze['quantity']} could never take effect",
            code="exceeds_holding",
        )
    return freeze, holding


@contract.operation("freeze")
def judicial_freeze(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Court: freeze free shares of a holding now (refused if they are not free: file a queued freeze)."""
    freeze, holding = _request(ctx, args, keys.FREEZE_EFFECTIVE)
    share_class = freeze["share_class"]
    if freeze["quantity"] > common.free(holding, share_class):
        raise OverPledge(
            f"only {common.free(holding, share_class)} {share_class} shares of {freeze['code']} in account "
            f"{freeze['account']} are free; file a queued freeze for shares already pledged or frozen",
            code="insufficient_free_shares",
        )
    freeze["effective_at"] = ctx.block_time
    holding[share_class]["frozen"] += freeze["quantity"]
    holding["freezes"].append(freeze["freeze_id"])
    common.put(ctx, keys.freeze(freeze["freeze_id"]), freeze)
    common.put(ctx, keys.holding(freeze["code"], freeze["account"]), holding)
    common.emit(ctx, "register.freeze_effective", _event(freeze))
    return {"freeze_id": freeze["freeze_id"], "state": freeze["state"]}


@contract.operation("queue_freeze")
def queued_freeze(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Court: queue a freeze; it reserves nothing and takes effect in queue order when its shares are free."""
    freeze, holding = _request(ctx, args, keys.FREEZE_QUEUED)
    holding["queue"].append(freeze["freeze_id"])
    common.put(ctx, keys.freeze(freeze["freeze_id"]), freeze)
    promoted = promote_queue(ctx, holding)
    common.put(ctx, keys.holding(freeze["code"], freeze["account"]), holding)
    if freeze["freeze_id"] in promoted:
        return {"freeze_id": freeze["freeze_id"], "state": keys.FREEZE_EFFECTIVE}
    common.emit(ctx, "register.freeze_queued", _event(freeze))
    for registration_no in holding["pledges"]:
        pledge = common.pledge(ctx, registration_no)
        common.emit(
            ctx,
            "register.default_trigger",
            {
                "reason": "court_freeze",
                "registration_no": registration_no,
                "contract_no": pledge["contract_no"],
                "pledgee": pledge["pledgee"]["org"],
                "freeze_id": freeze["freeze_id"],
            },
        )
    return {"freeze_id": freeze["freeze_id"], "state": keys.FREEZE_QUEUED, "position": len(holding["queue"])}


def _own_freeze(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    ctx.require_role("court")
    freeze = common.freeze(ctx, a.identifier(args, "freeze_id"))
    if freeze["court"] != ctx.submitter:
        raise NotAParty(f"freeze {freeze['freeze_id']} belongs to {freeze['court']}, not {ctx.submitter}")
    return freeze


@contract.operation("unfreeze")
def unfreeze(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """The freezing court: lift an effective freeze or withdraw a queued one; the queue then moves up."""
    freeze = _own_freeze(ctx, args)
    if freeze["state"] not in (keys.FREEZE_EFFECTIVE, keys.FREEZE_QUEUED):
        raise WrongState(f"freeze {freeze['freeze_id']} is {freeze['state']}; there is nothing to lift")
    holding = common.holding(ctx, freeze["code"], freeze["account"])
    if freeze["state"] == keys.FREEZE_EFFECTIVE:
        holding[freeze["share_class"]]["frozen"] -= freeze["quantity"]
        holding["freezes"].remove(freeze["freeze_id"])
    else:
        holding["queue"].remove(freeze["freeze_id"])
    freeze["state"] = keys.FREEZE_LIFTED
    common.put(ctx, keys.freeze(freeze["freeze_id"]), freeze)
    promoted = promote_queue(ctx, holding)
    common.put(ctx, keys.holding(freeze["code"], freeze["account"]), holding)
    common.emit(ctx, "register.unfrozen", _event(freeze))
    return {"freeze_id": freeze["freeze_id"], "promoted": promoted}


@contract.operation("judicial_transfer")
def judicial_transfer(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """The freezing court: transfer frozen shares to another account (they arrive free)."""
    freeze = _own_freeze(ctx, args)
    if freeze["state"] != keys.FREEZE_EFFECTIVE:
        raise WrongState(
            f"freeze {freeze['freeze_id']} is {freeze['state']}; only frozen shares can be transferred"
        )
    quantity = a.count(args, "quantity", default=freeze["quantity"])
    if quantity > freeze["quantity"]:
        raise OverPledge(
            f"freeze {freeze['freeze_id']} holds {freeze['quantity']} shares, not {quantity}",
            code="insufficient_frozen_shares",
        )
    target_no = a.identifier(args, "to_account")
    if target_no == freeze["account"]:
        raise WrongState("a judicial transfer must go to another account")
    common.account(ctx, target_no)
    source = common.holding(ctx, freeze["code"], freeze["account"])
    target_value = ctx.get(keys.holding(freeze["code"], target_no))
    target = (
        common.empty_holding(freeze["code"], target_no)
        if target_value is None
        else common.copy_holding(target_value)
    )
    share_class = freeze["share_class"]
    source[share_class]["held"] -= quantity
    source[share_class]["frozen"] -= quantity
    target[share_class]["held"] += quantity
    freeze["quantity"] -= quantity
    if freeze["quantity"] == 0:
        freeze["state"] = keys.FREEZE_TRANSFERRED
        source["freezes"].remove(freeze["freeze_id"])
    common.put(ctx, keys.freeze(freeze["freeze_id"]), freeze)
    common.put(ctx, keys.holding(freeze["code"], freeze["account"]), source)
    promote_queue(ctx, target)
    common.put(ctx, keys.holding(freeze["code"], target_no), target)
    common.emit(
        ctx,
        "register.judicial_transfer",
        {**_event(freeze), "to_account": target_no, "transferred": quantity},
    )
    return {"freeze_id": freeze["freeze_id"], "transferred": quantity}
