"""ECDH-OPRF PSI (protocol="ecdh"): set shapes, modes, normalisation, and what crosses the channel."""

from __future__ import annotations

import pytest

from pledgenet.crypto import psi
from pledgenet.errors import DataError, ProtocolError


def test_intersection_of_overlapping_sets() -> None:
    # Prepare
    bank = [f"ACC{i:06d}" for i in range(0, 120)]
    broker = [f"ACC{i:06d}" for i in range(80, 300)]
    # Execute
    result = psi.private_set_intersection(bank, broker, protocol="ecdh")
    # Assert
    assert result.intersection == [f"ACC{i:06d}" for i in range(80, 120)]
    assert result.size == 40


@pytest.mark.parametrize(
    ("receiver", "sender", "expected"),
    [
        ([], ["A1", "B2"], []),
        (["A1", "B2"], [], []),
        (["A1", "B2"], ["C3", "D4"], []),
        (["A1", "B2", "C3"], ["C3", "B2", "A1"], ["A1", "B2", "C3"]),
        (["A1", "A1", "a1 ", "B2"], ["b2", "B2", "B-2", "Z9"], ["B2"]),
    ],
)
def test_empty_disjoint_identical_and_duplicate_sets(
    receiver: list[str], sender: list[str], expected: list[str]
) -> None:
    # Execute
    result = psi.private_set_intersection(receiver, sender, protocol="ecdh")
    # Assert
    assert result.intersection == expected


def test_near_duplicate_identifiers_match_after_normalisation() -> None:
    # Prepare: full-width digits, spaces, lower-case check letter, hyphens
    receiver = ["１１０１０５１９９００３０７００１Ｘ", " 6222 0212 3456 7890 "]
    sender = ["11010519900307001x", "6222-0212-3456-7890"]
    # Execute
    result = psi.private_set_intersection(receiver, sender, protocol="ecdh")
    # Assert
    assert result.intersection == ["11010519900307001X", "6222021234567890"]


def test_size_mode_reveals_only_the_count() -> None:
    # Execute
    result = psi.private_set_intersection(["A", "B", "C", "D"], ["B", "D", "E"], mode="size")
    # Assert
    assert result.size == 2 and result.intersection is None


def test_payload_mode_opens_payloads_of_common_items_only() -> None:
    # Prepare
    sender_items = ["P1", "P2", "P3"]
    payloads = [b"limit=5000000", b"limit=100", b"limit=7"]
    receiver = psi.PsiReceiver(["P2", "P3", "P9"], mode="payload")
    sender = psi.PsiSender(sender_items, mode="payload", payloads=payloads)
    transcript = psi.Transcript()
    # Execute
    result = psi.run_two_party(receiver, sender, transcript)
    # Assert
    assert result.payloads == {"P2": b"limit=100", "P3": b"limit=7"}
    assert all(b"limit=5000000" not in m for m in transcript.to_receiver)


def test_messages_carry_no_item_in_recoverable_form() -> None:
    # Prepare
    receiver_items = [f"11010519900307{i:04d}" for i in range(50)]
    sender_items = [f"11010519900307{i:04d}" for i in range(25, 75)]
    transcript = psi.Transcript()
    # Execute
    psi.run_two_party(psi.PsiReceiver(receiver_items), psi.PsiSender(sender_items), transcript)
    # Assert: no identifier, nor its plain SHA-256 or its unblinded hash point, appears in any message
    import hashlib

    from pledgenet.crypto.psi import group

    wire = b"".join(transcript.to_sender + transcript.to_receiver)
    for item in receiver_items + sender_items:
        assert item.encode() not in wire
        assert hashlib.sha256(item.encode()).digest()[:8] not in wire
        assert group.hash_to_point(item.encode())[:8] not in wire
    assert transcript.bytes_sent > 0


def test_two_runs_send_unlinkable_requests() -> None:
    # Prepare / Execute
    first = b"".join(psi.PsiReceiver(["SAME"]).requests())
    second = b"".join(psi.PsiReceiver(["SAME"]).requests())
    # Assert
    assert first != second


def test_bad_messages_and_inputs_are_refused() -> None:
    # Prepare
    receiver = psi.PsiReceiver(["A"])
    sender = psi.PsiSender(["A"])
    # Execute / Assert
    with pytest.raises(ProtocolError):
        list(sender.answers([b"A" + bytes(32)]))
    with pytest.raises(ProtocolError):
        list(sender.answers([b"Q" + bytes(31)]))
    with pytest.raises(ProtocolError):
        receiver.receive_set(b"S" + bytes(16))
    with pytest.raises(DataError):
        psi.normalise_identifier("  - ")
    with pytest.raises(DataError):
        psi.PsiSender(["A", "a"], mode="payload", payloads=[b"1", b"2"])


def test_multi_party_reports_holders_and_common_items() -> None:
    # Prepare
    receiver = ["X1", "X2", "X3", "X4"]
    senders = {"bank": ["X1", "X2", "Y"], "trust": ["X2", "X4"], "broker": ["X2", "X1"]}
    # Execute
    result = psi.multi_party_intersection(receiver, senders, protocol="ecdh")
    # Assert
    assert result.common == ["X2"]
    assert result.holders["X1"] == ["bank", "broker"]
    assert "X3" not in result.holders


def test_worker_processes_give_the_same_intersection() -> None:
    # Prepare
    receiver = [f"R{i}" for i in range(400)]
    sender = [f"R{i}" for i in range(300, 700)]
    # Execute
    result = psi.private_set_intersection(receiver, sender, workers=2, chunk_size=64, protocol="ecdh")
    # Assert
    assert result.intersection == [f"R{i}" for i in range(300, 400)]
