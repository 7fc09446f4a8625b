"""KKRT PSI (OT-extension OPRF): set shapes, cuckoo hashing, base OT, bit transpose, what crosses."""

from __future__ import annotations

import hashlib
import random
import secrets

import numpy as np
import pytest

from pledgenet.crypto import psi
from pledgenet.crypto.psi import cuckoo, kkrt, ot
from pledgenet.errors import CuckooFailure, DataError, ProtocolError


def _plain(receiver: list[str], sender: list[str]) -> list[str]:
    theirs = set(psi.normalise_identifiers(sender))
    return [item for item in psi.normalise_identifiers(receiver) if item in theirs]


@pytest.mark.parametrize(
    ("receiver", "sender"),
    [
        ([], []),
        ([], ["A1", "B2"]),
        (["A1", "B2"], []),
        (["A1", "B2"], ["C3", "D4"]),
        (["A1", "B2", "C3"], ["C3", "B2", "A1"]),
        (["A1", "A1", "a1 ", "B2"], ["b2", "B2", "B-2", "Z9"]),
    ],
    ids=["both-empty", "receiver-empty", "sender-empty", "disjoint", "identical", "duplicates"],
)
def test_empty_disjoint_identical_and_duplicate_sets(receiver: list[str], sender: list[str]) -> None:
    # Execute
    result = psi.private_set_intersection(receiver, sender, protocol="kkrt")
    # Assert
    assert result.intersection == _plain(receiver, sender)
    assert result.size == len(result.intersection)


@pytest.mark.parametrize("size", [1, 127, 128, 129, 1000, cuckoo.LARGE_SET, 30_000])
def test_random_sets_match_a_plain_intersection(size: int) -> None:
    # Prepare: overlapping random account numbers, with repeats and variable lengths
    rng = random.Random(size)
    universe = [f"6222{rng.randrange(10**12):012d}" * rng.randrange(1, 4) for _ in range(2 * size)]
    receiver = [rng.choice(universe) for _ in range(size)]
    sender = [rng.choice(universe) for _ in range(size + size // 3)]
    # Execute
    result = psi.private_set_intersection(receiver, sender, protocol="kkrt", chunk_size=8192)
    # Assert
    assert result.intersection == _plain(receiver, sender)


def test_near_duplicate_identifiers_match_after_normalisation() -> None:
    # Prepare: full-width digits, spaces, lower-case check letter, hyphens
    receiver = ["１１０１０５１９９００３０７００１Ｘ", " 6222 0212 3456 7890 ", "NOT-SHARED"]
    sender = ["11010519900307001x", "6222-0212-3456-7890"]
    # Execute
    result = psi.private_set_intersection(receiver, sender, protocol="kkrt")
    # Assert
    assert result.intersection == ["11010519900307001X", "6222021234567890"]


def test_party_objects_over_worker_processes_and_multi_party() -> None:
    # Prepare
    receiver_items = [f"R{i}" for i in range(3000)]
    sender_items = [f"R{i}" for i in range(2500, 6000)]
    # Execute
    with psi.BatchRunner(2) as runner:
        receiver = psi.KkrtReceiver(receiver_items, chunk_bins=1024, runner=runner)
        sender = psi.KkrtSender(sender_items, runner=runner)
        result = psi.run_kkrt(receiver, sender)
    multi = psi.multi_party_intersection(["X1", "X2", "X3"], {"bank": ["X1", "X2"], "trust": ["X2"]})
    # Assert
    assert result.intersection == [f"R{i}" for i in range(2500, 3000)]
    assert multi.common == ["X2"] and multi.holders["X1"] == ["bank"]


def test_cuckoo_table_puts_every_item_in_one_of_its_bins() -> None:
    for items in [0, 1, 2, 50, 500, cuckoo.LARGE_SET]:
        # Prepare
        digests = np.frombuffer(secrets.token_bytes(16 * items), dtype=np.uint8).reshape(items, 16)
        bins = cuckoo.table_size(items)
        choices = cuckoo.candidate_bins(digests, secrets.token_bytes(16), bins)
        # Execute
        bin_item, bin_function = cuckoo.build_table(choices, bins)
        # Assert
        occupied = np.flatnonzero(bin_item != cuckoo.EMPTY)
        assert sorted(bin_item[occupied].tolist()) == list(range(items))
        assert (choices[bin_item[occupied], bin_function[occupied]] == occupied).all()
        assert bins % 128 == 0 and bins >= 1.27 * items


def test_cuckoo_failure_is_a_clear_error() -> None:
    # Prepare: four items whose three candidate bins are the same three bins
    choices = np.array([[0, 1, 2]] * 4, dtype=np.int64)
    # Execute / Assert
    with pytest.raises(CuckooFailure, match="could not place"):
        cuckoo.build_table(choices, 128)


def test_base_ot_receiver_gets_exactly_the_chosen_key() -> None:
    # Prepare
    choices = [secrets.randbits(1) for _ in range(256)]
    sender = ot.BaseOtSender()
    # Execute
    receiver = ot.BaseOtReceiver(choices, sender.public)
    pairs = sender.keys(receiver.points)
    chosen = receiver.keys()
    # Assert
    assert len(pairs) == len(chosen) == 256
    for bit, key, (key0, key1) in zip(choices, chosen, pairs, strict=True):
        assert key == (key1 if bit else key0)
        assert key != (key0 if bit else key1)
    assert len({key for pair in pairs for key in pair}) == 512


def test_base_ot_refuses_points_off_the_group() -> None:
    # Execute / Assert
    with pytest.raises(ProtocolError):
        ot.BaseOtSender().keys(b"\xff" * 32)
    with pytest.raises(ProtocolError):
        ot.BaseOtReceiver([0, 1], b"\xff" * 32)


def test_bit_transpose_matches_a_plain_transpose() -> None:
    # Prepare: 512 columns of 1024 bits
    columns = np.frombuffer(secrets.token_bytes(512 * 128), dtype=np.uint8).reshape(512, 128)
    bits = np.unpackbits(columns, axis=1, bitorder="little")
    # Execute
    rows = ot.transpose_bits(columns)
    # Assert
    assert rows.shape == (1024, 64)
    assert (np.unpackbits(rows, axis=1, bitorder="little") == bits.T).all()


def test_prg_columns_can_be_produced_chunk_by_chunk() -> None:
    # Prepare
    keys = secrets.token_bytes(16 * 8)
    # Execute
    whole = ot.expand_columns(keys, 0, 64)
    second_half = ot.expand_columns(keys, 2, 32)
    # Assert
    assert (whole[:, 32:] == second_half).all() and len({bytes(row) for row in whole}) == 8


def test_messages_carry_no_item_nor_its_plain_hash() -> None:
    # Prepare
    receiver_items = [f"11010519900307{i:04d}" for i in range(300)]
    sender_items = [f"11010519900307{i:04d}" for i in range(150, 450)]
    receiver, sender = psi.KkrtReceiver(receiver_items), psi.KkrtSender(sender_items)
    transcript = psi.Transcript()
    # Execute
    result = psi.run_kkrt(receiver, sender, transcript)
    # Assert: no identifier, nor its SHA-256, nor its run digest d(x) appears in any message
    wire = b"".join(transcript.to_sender + transcript.to_receiver)
    digests = receiver._digests.tobytes() + sender._digests.tobytes()
    for item in receiver_items + sender_items:
        assert item.encode() not in wire
        assert hashlib.sha256(item.encode()).digest()[:8] not in wire
        assert hashlib.sha256(item.encode()).hexdigest()[:16].encode() not in wire
    for offset in range(0, len(digests), 16):
        assert digests[offset : offset + 8] not in wire
    assert result.size == 150
    # the sender sends 3 values per own item and nothing that depends on the receiver's order
    values = [m for m in transcript.to_receiver if m[:1] == kkrt.VALUES]
    assert sum(len(m) - 2 for m in values) == 3 * 300 * kkrt.tag_bytes(receiver.bins, 300)


def test_two_runs_look_unrelated_and_hide_the_exact_set_size() -> None:
    # Prepare / Execute
    first, second = psi.Transcript(), psi.Transcript()
    psi.run_kkrt(psi.KkrtReceiver(["SAME"]), psi.KkrtSender(["SAME"]), first)
    psi.run_kkrt(psi.KkrtReceiver(["SAME"]), psi.KkrtSender(["SAME"]), second)
    # Assert
    assert first.to_sender[1] != second.to_sender[1]
    # the sender learns the table size, not the exact set size
    thousand = psi.KkrtReceiver([f"A{i}" for i in range(1000)]).setup()
    one_more = psi.KkrtReceiver([f"A{i}" for i in range(1001)]).setup()
    assert thousand[:9] == one_more[:9] and len(thousand) == len(one_more)
    assert first.to_receiver[-1] != second.to_receiver[-1]


def test_bad_messages_and_options_are_refused() -> None:
    # Prepare
    receiver = psi.KkrtReceiver(["A", "B"])
    sender = psi.KkrtSender(["A"])
    setup = receiver.setup()
    choices = sender.choices(setup)
    corrections = list(receiver.corrections(choices))
    # Execute / Assert
    with pytest.raises(ProtocolError):
        psi.KkrtSender(["A"]).choices(b"Q" + setup[1:])
    with pytest.raises(ProtocolError):
        psi.KkrtSender(["A"]).choices(setup[:-1])
    with pytest.raises(ProtocolError):
        sender.receive_corrections([corrections[0][:-64]])
    with pytest.raises(ProtocolError):
        list(psi.KkrtSender(["A"]).value_messages())
    with pytest.raises(ProtocolError):
        psi.KkrtReceiver(["A"]).receive_values(kkrt.VALUES + b"\x00" + bytes(10))
    with pytest.raises(ProtocolError):
        receiver.receive_values(kkrt.VALUES + b"\x07" + bytes(receiver._length))
    with pytest.raises(DataError):
        psi.private_set_intersection(["A"], ["A"], mode="size", protocol="kkrt")
    with pytest.raises(DataError):
        psi.private_set_intersection(["A"], ["A"], protocol="rsa")
    with pytest.raises(DataError):
        psi.KkrtReceiver(["A"], chunk_bins=100)


def test_auto_protocol_is_kkrt_for_intersections_and_ecdh_otherwise() -> None:
    # Execute / Assert
    assert psi.resolve_protocol("auto", "intersection") == "kkrt"
    assert psi.resolve_protocol("auto", "size") == "ecdh"
    assert psi.resolve_protocol("auto", "payload") == "ecdh"
    assert psi.private_set_intersection(["A", "B"], ["B"], mode="size").size == 1


def test_item_digests_separate_lengths_and_depend_on_the_run_key() -> None:
    # Prepare: items that differ only in length, a trailing zero byte or a block boundary
    items = ["A", "A\x00", "A" * 14, "A" * 15, "A" * 30, "身份证"]
    key = secrets.token_bytes(16)
    # Execute
    digests = cuckoo.item_digests(items, key)
    again = cuckoo.item_digests(list(reversed(items)), key)[::-1]
    other = cuckoo.item_digests(items, secrets.token_bytes(16))
    # Assert
    assert len({bytes(row) for row in digests}) == len(items)
    assert (digests == again).all() and not (digests == other).all(axis=1).any()
