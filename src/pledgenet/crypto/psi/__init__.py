"""Private set intersection: align customers without revealing the others.

Two constructions: KKRT (an oblivious PRF from OT extension; the default for the intersection, about
ten times faster) and ECDH-OPRF on Curve25519 (also offers the size-only and payload modes).

Usage::

    from pledgenet.crypto import psi

    result = psi.private_set_intersection(bank_ids, broker_ids)          # receiver = bank (KKRT)
    psi.private_set_intersection(bank_ids, broker_ids, protocol="ecdh")  # the ECDH construction
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

    # KKRT across a channel
    receiver, sender = psi.KkrtReceiver(bank_ids), psi.KkrtSender(broker_ids)
    choices = sender.choices(receiver.setup())
    sender.receive_corrections(receiver.corrections(choices))
    for message in sender.value_messages():
        receiver.receive_values(message)
    receiver.result().intersection

Identifiers are normalised on both sides with ``normalise_identifier`` (NFKC, no whitespace or
separators, upper case). ``workers`` / ``BatchRunner`` spread the group operations over processes.
Construction and security: docs/protocols.md.

Modules, each importing only those listed after it: ``dispatch`` (``resolve_protocol``, the one-process
entry points) -> ``ecdh`` (ECDH-OPRF parties) and ``kkrt`` (OT-extension parties; ``ot``, ``cuckoo``) ->
``types`` (modes, results, transcripts), ``group`` (Curve25519 batches), ``normalise``.
"""

from pledgenet.crypto.psi.dispatch import (
    MultiPartyResult,
    multi_party_intersection,
    private_set_intersection,
    resolve_protocol,
)
from pledgenet.crypto.psi.ecdh import PsiReceiver, PsiSender, run_two_party
from pledgenet.crypto.psi.group import BatchRunner
from pledgenet.crypto.psi.kkrt import KkrtReceiver, KkrtSender, kkrt_intersection, run_kkrt
from pledgenet.crypto.psi.normalise import normalise_identifier, normalise_identifiers
from pledgenet.crypto.psi.types import PsiMode, PsiResult, Transcript

__all__ = [
    "BatchRunner",
    "KkrtReceiver",
    "KkrtSender",
    "MultiPartyResult",
    "PsiMode",
    "PsiReceiver",
    "PsiResult",
    "PsiSender",
    "Transcript",
    "kkrt_intersection",
    "multi_party_intersection",
    "normalise_identifier",
    "normalise_identifiers",
    "private_set_intersection",
    "resolve_protocol",
    "run_kkrt",
    "run_two_party",
]
