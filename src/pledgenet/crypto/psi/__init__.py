"""Private set intersection (ECDH-OPRF on Curve25519): align customers without revealing the others.

Usage::

    from pledgenet.crypto import psi

    result = psi.private_set_intersection(bank_ids, broker_ids)          # receiver = bank
    result.intersection           # normalised common identifiers; the broker learns only len(bank_ids)
    psi.private_set_intersection(a, b, mode="size").size                 # only the count
    psi.private_set_intersection(a, b, mode="payload", payloads=blobs).payloads  # {id: payload}

    # across a channel: each party is an object that turns messages into messages
    receiver, sender = psi.PsiReceiver(bank_ids), psi.PsiSender(broker_ids)
    answers = list(sender.answers(receiver.requests()))                  # bytes over the wire
    receiver.receive_answers(answers)
    for message in sender.set_messages():
        receiver.receive_set(message)
    receiver.result().intersection

Identifiers are normalised on both sides with ``normalise_identifier`` (NFKC, no whitespace or
separators, upper case). ``workers`` / ``BatchRunner`` spread the group operations over processes.
Construction and security: docs/protocols.md.
"""

from pledgenet.crypto.psi.group import BatchRunner
from pledgenet.crypto.psi.normalise import normalise_identifier, normalise_identifiers
from pledgenet.crypto.psi.protocol import (
    MultiPartyResult,
    PsiMode,
    PsiReceiver,
    PsiResult,
    PsiSender,
    Transcript,
    multi_party_intersection,
    private_set_intersection,
    run_two_party,
)

__all__ = [
    "BatchRunner",
    "MultiPartyResult",
    "PsiMode",
    "PsiReceiver",
    "PsiResult",
    "PsiSender",
    "Transcript",
    "multi_party_intersection",
    "normalise_identifier",
    "normalise_identifiers",
    "private_set_intersection",
    "run_two_party",
]
