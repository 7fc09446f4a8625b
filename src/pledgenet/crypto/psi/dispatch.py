"""Which PSI construction runs: ``resolve_protocol`` and the one-process entry points.

``private_set_intersection`` (both parties in one process) and ``multi_party_intersection`` (one receiver,
several senders) pick KKRT (``kkrt.py``) or ECDH (``ecdh.py``); both constructions sit below this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pledgenet.crypto.psi import group, kkrt
from pledgenet.crypto.psi.ecdh import DEFAULT_CHUNK, PsiReceiver, PsiSender, run_two_party
from pledgenet.crypto.psi.normalise import normalise_identifiers
from pledgenet.crypto.psi.types import PsiMode, PsiResult
from pledgenet.errors import DataError

PSI_PROTOCOLS = ("auto", "ecdh", "kkrt")


def resolve_protocol(protocol: str, mode: PsiMode | str) -> str:
    """``"ecdh"`` or ``"kkrt"``: ``"auto"`` picks KKRT (OT extension, much faster) for the intersection
    mode and ECDH for the size and payload modes, which KKRT does not offer."""
    if protocol not in PSI_PROTOCOLS:
        raise DataError(f"unknown PSI protocol {protocol!r}; choose one of {', '.join(PSI_PROTOCOLS)}")
    mode = PsiMode(mode)
    if protocol == "auto":
        return "kkrt" if mode is PsiMode.INTERSECTION else "ecdh"
    if protocol == "kkrt" and mode is not PsiMode.INTERSECTION:
        raise DataError(
            "KKRT PSI shows the receiver which of its items match; the size and payload modes need "
            "protocol='ecdh'",
            code="unsupported_psi_mode",
        )
    return protocol


def private_set_intersection(
    receiver_items: Iterable[str],
    sender_items: Iterable[str],
    *,
    mode: PsiMode | str = PsiMode.INTERSECTION,
    payloads: Sequence[bytes] | None = None,
    workers: int = 1,
    chunk_size: int | None = None,
    protocol: str = "auto",
) -> PsiResult:
    """Both parties in one process (simulation and benchmarks); ``workers`` processes shared by both.

    ``protocol``: ``"kkrt"`` (OT-extension OPRF, intersection mode only), ``"ecdh"``, or ``"auto"``
    (KKRT for the intersection, ECDH for size and payload modes). ``chunk_size``: items per message
    (ECDH) or cuckoo bins per message (KKRT, a multiple of 128); ``None`` takes each protocol's default.
    """
    if resolve_protocol(protocol, mode) == "kkrt":
        if payloads is not None:
            raise DataError("payloads are only sent in payload mode")
        chunk_bins = kkrt.DEFAULT_CHUNK_BINS if chunk_size is None else -(-chunk_size // 128) * 128
        return kkrt.kkrt_intersection(receiver_items, sender_items, workers=workers, chunk_bins=chunk_bins)
    chunk_size = chunk_size if chunk_size is not None else DEFAULT_CHUNK
    with group.BatchRunner(workers) as runner:
        receiver = PsiReceiver(receiver_items, mode=mode, chunk_size=chunk_size, runner=runner)
        sender = PsiSender(sender_items, mode=mode, payloads=payloads, chunk_size=chunk_size, runner=runner)
        return run_two_party(receiver, sender)


@dataclass
class MultiPartyResult:
    """Items of the receiver held by every sender, and which senders hold each common item."""

    common: list[str]
    holders: dict[str, list[str]]


def multi_party_intersection(
    receiver_items: Iterable[str],
    senders: Mapping[str, Iterable[str]],
    *,
    workers: int = 1,
    protocol: str = "auto",
) -> MultiPartyResult:
    """One receiver, several senders: a two-party run with each sender under fresh keys.

    The receiver learns, for each of its items, which senders hold it (what a multi-lender exposure
    check needs); each sender learns only the receiver's set size. ``protocol`` as for
    ``private_set_intersection`` (``"auto"`` runs KKRT).
    """
    use_kkrt = resolve_protocol(protocol, PsiMode.INTERSECTION) == "kkrt"
    receiver_list = normalise_identifiers(receiver_items)
    holders: dict[str, list[str]] = {}
    with group.BatchRunner(workers) as runner:
        for name, items in senders.items():
            if use_kkrt:
                outcome = kkrt.run_kkrt(
                    kkrt.KkrtReceiver(receiver_list, runner=runner), kkrt.KkrtSender(items, runner=runner)
                )
            else:
                outcome = run_two_party(
                    PsiReceiver(receiver_list, runner=runner), PsiSender(items, runner=runner)
                )
            for item in outcome.intersection or []:
                holders.setdefault(item, []).append(name)
    common = [item for item in receiver_list if len(holders.get(item, [])) == len(senders)] if senders else []
    return MultiPartyResult(common=common, holders=holders)
