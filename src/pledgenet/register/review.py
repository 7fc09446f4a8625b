"""The client side of sealed terms: the registrar's verdict, the submitter's preflight, refusals as errors.

In a deployment the registrar runs an endorsement service: a broker or pledgee sends it a proposed
registration (the transaction's public arguments and the sealed envelope), and the registrar

1. derives the verdict's context itself from those arguments and the state on its own peer
   (``verdicts.derive``: the quantity, the exemption, the contract's state and age, the governed rules, the
   exchange's last close) -- never from figures the submitter states; a malformed argument is refused here
   (``bad_arguments`` naming the field), as is an envelope bound to another registration
   (``envelope_binding``), and nothing is signed;
2. opens the envelope with its own key and recomputes every recipient's key wrap from the recipients'
   on-chain X25519 keys (``envelope.open_and_verify``): a wrap that does not open to the envelope's data key
   gets the verdict ``terms_unreadable``;
3. checks the terms with ``terms.check_terms`` over that context and co-signs the transaction with its
   verdict (``terms.make_verdict``: the envelope's hash, the context's hash and ``"ok"`` or the reason code).

A negative verdict is signed too: it goes on the chain as an invalid transaction with that reason code,
changes nothing, and keeps the terms sealed, so the refusal is on record for every member
(``common.endorse_sealed_terms`` is the check every peer runs, over the context it derives at block time).

The submitter is itself entitled to the terms it sealed, so it may check them before asking anyone to
sign (``preflight``), over the same derived context: a violation is then refused on its own machine and
nothing is submitted. Both use the same rules; the registrar's check is the one that counts.

In the embedded alliance every member's keys are at hand, so ``RegisterClient`` plays both steps in
process with the functions below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pledgenet.contracts import governance
from pledgenet.contracts.register import verdicts
from pledgenet.contracts.register.terms import check_terms, make_verdict, review_in_context
from pledgenet.crypto.envelope import check_shape, open_and_verify
from pledgenet.errors import (
    BadRegisterArguments,
    EnvelopeError,
    EnvelopeMisbound,
    MalformedTransaction,
    refusal,
)

if TYPE_CHECKING:
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer
    from pledgenet.ledger.records import TxReceipt


def derive_context(peer: Peer, operation: str, args: Mapping[str, Any], now_ms: int) -> dict[str, Any]:
    """The verdict's context as the state on ``peer`` has it at ``now_ms`` (``verdicts.derive``)."""
    return verdicts.derive(peer, lambda name: peer.get(governance.param_key(name)), operation, args, now_ms)


def registrar_verdict(
    alliance: Alliance, registrar: str, operation: str, args: Mapping[str, Any]
) -> dict[str, str]:
    """The registrar's endorsement step for a proposed ``operation`` with public ``args`` (``terms`` the
    sealed envelope): derive the context, open the envelope, verify every wrap, check the terms, state a
    verdict. Raises ``BadRegisterArguments`` (naming the field) for public arguments it cannot review;
    never raises for a rule the sealed terms break: that is the verdict."""
    peer = alliance.peer(registrar)
    context = derive_context(peer, operation, args, alliance.clock())
    envelope = args.get("terms")
    try:
        check_shape(envelope)
    except MalformedTransaction as error:
        raise BadRegisterArguments(f"sealed terms: {error.message}") from None
    assert isinstance(envelope, dict)  # check_shape said so
    if envelope["binding"] != context["binding"]:
        raise EnvelopeMisbound(
            f"the sealed terms were sealed for registration {envelope['binding']!r}, not for "
            f"{context['binding']!r}: the registrar reviews no envelope re-attached to another registration"
        )
    keys_on_chain = {}
    for org in envelope["recipients"]:
        member = peer.get(governance.member_key(org))
        if member is not None:
            keys_on_chain[org] = member["encryption_key"]
    own_key = alliance.member(registrar).encryption_private_key
    try:
        terms, unreadable = open_and_verify(envelope, registrar, own_key, keys_on_chain)
    except EnvelopeError:
        terms, unreadable = None, [registrar]
    verdict = "terms_unreadable" if unreadable else review_in_context(terms, context)
    return make_verdict(registrar, str(envelope["hash"]), verdicts.context_hash(context), verdict)


def preflight(peer: Peer, terms: Mapping[str, Any], context: Mapping[str, Any]) -> None:
    """The submitter's own check of the terms it is about to seal, over the context derived from its peer;
    raises ``TermsViolation`` or ``BadRegisterArguments`` locally."""
    close = context["close"]
    check_terms(
        terms,
        context["rules"],
        quantity=context["quantity"],
        operation=context["operation"],
        exempt=context["exempt"],
        in_default=context["in_default"],
        elapsed_days=context["elapsed_days"],
        last_close_fen=None if close is None else close["price_fen"],
    )


def raise_for(receipt: TxReceipt) -> TxReceipt:
    """Return a valid receipt; raise an invalid one's refusal as exactly the class that refused it (the
    recorded reason code, mapped back by ``pledgenet.errors.CODES``)."""
    if receipt.valid:
        return receipt
    raise refusal(receipt.code, f"{receipt.tx_type or 'transaction'} refused: {receipt.message}")
