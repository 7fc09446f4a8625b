"""Shared guards and record helpers of the register: loading records, holding arithmetic, endorsements.

Records are plain canonical dicts (what sits in world state). A holding keeps, per share class, the shares
``held`` and, of those, the shares ``pledged`` and ``frozen``; the free quantity (what may be pledged,
frozen or transferred) is ``held - pledged - frozen``, which is never negative: a share is encumbered once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from pledgenet.contracts.register import keys, verdicts
from pledgenet.contracts.register.params import DISCLOSURE_THRESHOLDS_BP
from pledgenet.contracts.register.terms import VERDICT_OK, VERDICT_REASONS
from pledgenet.crypto.envelope import check_shape
from pledgenet.errors import (
    BadRegisterArguments,
    EndorsementMissing,
    EnvelopeRecipients,
    MalformedTransaction,
    NotAParty,
    TermsViolation,
    UnknownRecord,
    VerdictMismatch,
)
from pledgenet.ledger.contract_api import TxContext

Record = dict[str, Any]
PLEDGEE_ROLES = ("broker", "bank", "trust", "insurer")


# ---------------------------------------------------------------- loading


def load(ctx: TxContext, key: str, what: str, code: str) -> Record:
    value = ctx.get(key)
    if value is None:
        raise UnknownRecord(f"no {what} {key.rsplit('/', 1)[-1]!r} in the register", code=code)
    return dict(value)


def security(ctx: TxContext, code: str) -> Record:
    return load(ctx, keys.security(code), "security", "unknown_security")


def account(ctx: TxContext, account_no: str) -> Record:
    return load(ctx, keys.account(account_no), "securities account", "unknown_account")


def holding(ctx: TxContext, code: str, account_no: str) -> Record:
    """A holding (``ctx.get`` decodes a fresh value on every call, so the caller may change it)."""
    value = ctx.get(keys.holding(code, account_no))
    if value is None:
        raise UnknownRecord(f"account {account_no} holds no shares of {code}", code="unknown_holding")
    return dict(value)


def pledge(ctx: TxContext, registration_no: str) -> Record:
    return load(ctx, keys.pledge(registration_no), "pledge registration", "unknown_pledge")


def contract(ctx: TxContext, contract_no: str) -> Record:
    return load(ctx, keys.contract(contract_no), "pledge contract", "unknown_contract")


def freeze(ctx: TxContext, freeze_id: str) -> Record:
    return load(ctx, keys.freeze(freeze_id), "freeze", "unknown_freeze")


# ---------------------------------------------------------------- holdings


def empty_holding(code: str, account_no: str) -> Record:
    return {
        "code": code,
        "account": account_no,
        keys.UNRESTRICTED: {"held": 0, "pledged": 0, "frozen": 0},
        keys.RESTRICTED: {"held": 0, "pledged": 0, "frozen": 0},
        "pledges": [],
        "freezes": [],
        "queue": [],
    }


def copy_holding(value: Record) -> Record:
    """A copy deep enough to change quantities and lists without touching the stored value."""
    copied = dict(value)
    for share_class in keys.SHARE_CLASSES:
        copied[share_class] = dict(value[share_class])
    for name in ("pledges", "freezes", "queue"):
        copied[name] = list(value[name])
    return copied


def free(holding_record: Record, share_class: str) -> int:
    part = holding_record[share_class]
    return int(part["held"] - part["pledged"] - part["frozen"])


def held(holding_record: Record) -> int:
    return int(holding_record[keys.UNRESTRICTED]["held"] + holding_record[keys.RESTRICTED]["held"])


def pledged(holding_record: Record) -> int:
    return int(holding_record[keys.UNRESTRICTED]["pledged"] + holding_record[keys.RESTRICTED]["pledged"])


def put(ctx: TxContext, key: str, value: Record) -> None:
    """Write a record stamped with the transaction that changed it (every change is traceable).

    Register records are assembled by this contract from transaction arguments (canonical: checked when
    the transaction was decoded), values read from state (canonical) and integer arithmetic, so the peer's
    ``put_built`` may skip re-walking them for floats; a context without it (tests) checks as usual.
    """
    value["last_tx"] = ctx.tx_id
    put_built = getattr(ctx, "put_built", None)
    if put_built is None:
        ctx.put(key, value)
    else:
        put_built(key, value)


def emit(ctx: TxContext, name: str, payload: dict[str, Any]) -> None:
    """Emit an event built, like every register record, from canonical parts (see ``put``)."""
    emit_built = getattr(ctx, "emit_built", None)
    if emit_built is None:
        ctx.emit(name, payload)
    else:
        emit_built(name, payload)


def add_exposure(security_record: Record, lender: str, delta: int) -> int:
    """Shares of the stock pledged to ``lender`` after adding ``delta`` to the security record's exposure
    map (the caller writes the record); a lender leaves the map when it reaches 0."""
    exposures = security_record["exposure"]
    shares = int(exposures.get(lender, 0)) + delta
    if shares == 0:
        exposures.pop(lender, None)
    else:
        exposures[lender] = shares
    return shares


def exposure(security_record: Record, lender: str) -> int:
    """Shares of the stock pledged to ``lender`` (a pledgee org, or ``keys.product_lender(product)``)."""
    return int(security_record["exposure"].get(lender, 0))


# ---------------------------------------------------------------- parties and endorsements


def require_submitter(ctx: TxContext, allowed: Collection[str], what: str) -> None:
    if ctx.submitter not in allowed:
        parties = ", ".join(sorted(set(allowed)))
        raise NotAParty(f"only {what} ({parties}) may submit this, not {ctx.submitter}")


def require_registrar(ctx: TxContext, parties: Iterable[str] = ()) -> str:
    """The registrar's endorsement: it reviewed the sealed terms (it must be one of the signers).

    Signers other than ``parties`` (whose roles are known to the caller) are looked at first, so the
    usual transaction reads one member record here.
    """
    known = set(parties)
    for org in sorted(ctx.signers, key=lambda org: (org in known, org)):
        if "registrar" in ctx.roles_of(org):
            return org
    raise EndorsementMissing("the registrar must endorse this registration (it reviews the sealed terms)")


def require_pledgee_member(ctx: TxContext, org: str) -> frozenset[str]:
    """The pledgee's roles; refused unless it is a broker, bank, trust or insurer member."""
    roles = ctx.roles_of(org)
    if roles.isdisjoint(PLEDGEE_ROLES):
        raise BadRegisterArguments(
            f"pledgee {org} must be a member with one of the roles {', '.join(PLEDGEE_ROLES)}"
        )
    return roles


def check_sealed_terms(
    ctx: TxContext, envelope: Any, *, readers: Iterable[str], registrar: str | None = None
) -> str:
    """Check a sealed envelope's shape and that every entitled member can open it; return its hash.

    Entitled: the given parties (the pledgor's custody broker and the pledgee), a registrar (the endorsing
    one when given) and a regulator. The envelope's recipient list is public, so every peer can check this
    deterministically.
    """
    try:
        check_shape(envelope)
    except MalformedTransaction as error:
        raise BadRegisterArguments(f"sealed terms: {error.message}") from None
    recipients = envelope["recipients"]  # a non-empty object: check_shape said so
    required = (*readers, registrar) if registrar else tuple(readers)
    for org in required:
        if org not in recipients:
            missing = sorted({org for org in required if org not in recipients})
            raise EnvelopeRecipients(f"the sealed terms cannot be opened by {', '.join(missing)}")
    for role in ("registrar", "regulator") if registrar is None else ("regulator",):
        # another recipient than the required ones must hold the role (the parties cannot stand in)
        for org in recipients:
            if org not in required and role in ctx.roles_of(org):
                break
        else:
            raise EnvelopeRecipients(f"the sealed terms cannot be opened by any {role}")
    return str(envelope["hash"])


_VERDICT_FIELDS = frozenset({"registrar", "terms_hash", "context_hash", "verdict"})


def endorse_sealed_terms(
    ctx: TxContext, args: dict[str, Any], parties: list[str], context: dict[str, Any]
) -> str:
    """The registrar's endorsement of a registration's or extension's sealed terms; their hash.

    The registrar derives the context (``verdicts.derive``), opens the envelope, checks every recipient's
    wrap against the on-chain keys, runs ``terms.check_terms`` and co-signs the transaction with its verdict
    in ``args["terms_verdict"]`` (``terms.make_verdict``). Every peer checks here what it can without
    reading the terms: the named registrar holds the role and signed this transaction (so nobody else can
    write a verdict), the envelope is well formed (its hash covers all it holds) and lists every entitled
    member, it is bound to this registration (``context["binding"]``), and the verdict is about *this*
    envelope (its hash) over *this* context (the context's hash, which the peer derives itself at block
    time). A verdict other than ``ok`` is then raised with its reason code: the transaction is recorded
    invalid, changes nothing, and the terms stay sealed.

    A registration without ``terms_verdict`` is refused (``endorsement_missing``): the registrar's
    signature alone does not say what it found in the terms.
    """
    verdict = args.get("terms_verdict")
    if verdict is None:
        raise EndorsementMissing(
            "the registrar's verdict on the sealed terms ('terms_verdict') is missing: the registrar opens "
            "the terms, checks them and states its verdict on their hash"
        )
    if (
        type(verdict) is not dict
        or verdict.keys() != _VERDICT_FIELDS
        or type(verdict["registrar"]) is not str
        or type(verdict["terms_hash"]) is not str
        or type(verdict["context_hash"]) is not str
        or type(verdict["verdict"]) is not str
    ):
        raise BadRegisterArguments(
            "'terms_verdict' must hold the strings registrar, terms_hash, context_hash and verdict"
        )
    registrar = verdict["registrar"]
    if registrar not in ctx.signers or "registrar" not in ctx.roles_of(registrar):
        raise EndorsementMissing(
            f"the verdict on the sealed terms names {registrar}, which is not a registrar that signed "
            "this transaction"
        )
    terms_hash = check_sealed_terms(ctx, args.get("terms"), readers=parties, registrar=registrar)
    if verdict["terms_hash"] != terms_hash:
        raise VerdictMismatch(
            f"the registrar's verdict is about sealed terms {verdict['terms_hash'][:16]}..., not about the "
            f"terms of this transaction ({terms_hash[:16]}...)"
        )
    verdicts.check(args["terms"], verdict, context)
    outcome = verdict["verdict"]
    if outcome != VERDICT_OK:
        reason = VERDICT_REASONS.get(outcome)
        if reason is None:
            raise BadRegisterArguments(f"{outcome!r} is not a verdict the registrar can give on sealed terms")
        refusal = {"bad_arguments": BadRegisterArguments, "terms_unreadable": EnvelopeRecipients}.get(
            outcome, TermsViolation
        )
        raise refusal(
            f"the registrar {registrar} refused the sealed terms: {reason} (the terms stay sealed)",
            code=outcome,
        )
    return terms_hash


# ---------------------------------------------------------------- disclosure


def disclose_if_crossed(
    ctx: TxContext, account_record: Record, code: str, before: int, after: int, total: int
) -> None:
    """Emit ``register.disclosure_due`` when a controlling shareholder's pledged share crosses a line."""
    if code not in account_record.get("controlling_shareholder_of", ()) or total <= 0:
        return
    ratio_before = before * 10_000 // total
    ratio_after = after * 10_000 // total
    for threshold in ctx.param(DISCLOSURE_THRESHOLDS_BP):
        if ratio_before < threshold <= ratio_after or ratio_after < threshold <= ratio_before:
            emit(
                ctx,
                "register.disclosure_due",
                {
                    "code": code,
                    "account": account_record["account"],
                    "holder_name": account_record["holder_name"],
                    "threshold_bp": threshold,
                    "pledged_ratio_bp": ratio_after,
                    "direction": "up" if ratio_after > ratio_before else "down",
                },
            )
