"""The client side of sealed terms: the registrar's verdict, the submitter's preflight, refusals as errors.

In a deployment the registrar runs an endorsement service: a broker or pledgee sends it a proposed
registration, it opens the sealed terms with its own key, checks them with ``terms.check_terms`` under the
governed parameters on its peer, and co-signs the transaction with its verdict (``terms.make_verdict``: the
envelope's hash and ``"ok"`` or the reason code). A negative verdict is signed too: it goes on the chain as
an invalid transaction with that reason code, changes nothing, and keeps the terms sealed, so the refusal
is on record for every member (``common.endorse_sealed_terms`` is the check every peer runs).

The submitter is itself entitled to the terms it sealed, so it may check them before asking anyone to
sign (``preflight``): a violation is then refused on its own machine and nothing is submitted. Both use the
same rules; the registrar's check is the one that counts.

In the embedded alliance every member's keys are at hand, so ``RegisterClient`` plays both steps in
process with the functions below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pledgenet.contracts.governance import param_key
from pledgenet.contracts.register import params as p
from pledgenet.contracts.register.terms import check_terms, make_verdict, review
from pledgenet.crypto.envelope import open_envelope
from pledgenet.errors import refusal

if TYPE_CHECKING:
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer
    from pledgenet.ledger.records import TxReceipt


def governed_rules(peer: Peer) -> dict[str, Any]:
    """The register's governed parameters as they stand on ``peer``."""
    return {name: peer.get(param_key(name)) for name in p.DEFAULT_PARAMS}


def registrar_verdict(
    alliance: Alliance, registrar: str, envelope: Mapping[str, Any], **context: Any
) -> dict[str, str]:
    """The registrar's endorsement step: open ``envelope`` with its key, check the terms, state a verdict.

    ``context`` is what ``terms.check_terms`` needs besides the terms (quantity, operation, exemptions).
    Never raises for a rule the terms break: that is the verdict.
    """
    member = alliance.member(registrar)
    terms = open_envelope(envelope, registrar, member.encryption_private_key)
    verdict = review(terms, governed_rules(alliance.peer(registrar)), **context)
    return make_verdict(registrar, str(envelope["hash"]), verdict)


def preflight(peer: Peer, terms: Mapping[str, Any], **context: Any) -> None:
    """The submitter's own check of the terms it is about to seal; raises ``TermsViolation`` locally."""
    check_terms(terms, governed_rules(peer), **context)


def raise_for(receipt: TxReceipt) -> TxReceipt:
    """Return a valid receipt; raise an invalid one's refusal as exactly the class that refused it (the
    recorded reason code, mapped back by ``pledgenet.errors.CODES``)."""
    if receipt.valid:
        return receipt
    raise refusal(receipt.code, f"{receipt.tx_type or 'transaction'} refused: {receipt.message}")
