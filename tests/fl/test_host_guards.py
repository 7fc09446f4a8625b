"""Attacks on a host by a dishonest guest (issue 15 items 8 and 9): each must fail at the host.

Paillier keys are 1024-bit here ONLY to keep the suite fast (every party opts in with allow_small_key).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import numpy as np
import pytest

from pledgenet.crypto.paillier import EncryptedVector, PaillierPublicKey, encrypt_integers, generate_keypair
from pledgenet.errors import PeerAborted, ProtocolError, WeakParameters
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import MemoryHub, Message, Transcript
from pledgenet.fl.scorecard.woe_binning import BinningParams, bin_host
from pledgenet.fl.secureboost import tree as tree_module
from pledgenet.fl.secureboost.training import fit_guest, fit_host
from pledgenet.fl.secureboost.tree import BoostParams

TEST_KEY_BITS = 1024
PARAMS = BoostParams(n_trees=2, max_depth=3, max_bins=16, key_bits=TEST_KEY_BITS, allow_small_key=True)


@pytest.fixture(scope="module")
def honest_key() -> PaillierPublicKey:
    return generate_keypair(TEST_KEY_BITS, allow_small_key=True).public_key


def _malicious(key: PaillierPublicKey, **changes: Any) -> PaillierPublicKey:
    fields = {"n": key.n, "h_s": key.h_s, "short_exponent_bits": key.short_exponent_bits, **changes}
    return PaillierPublicKey(**fields)


def _sbt_setup(key: PaillierPublicKey, rows: int) -> dict[str, Any]:
    return {
        "kind": "setup", "public_key": key.to_bytes(), "rows": rows, "rows_per_ciphertext": 1,
        "max_bins": 8, "min_host_node_rows": 50,
    }  # fmt: skip


def test_a_base_of_one_makes_re_randomisation_a_no_op(honest_key: PaillierPublicKey) -> None:
    # Prepare: the attack the host check exists for
    bad = _malicious(honest_key, h_s=1)
    vector = encrypt_integers(bad, [5, 7], bound_bits=8)
    # Execute
    again = vector.rerandomised()
    # Assert: same ciphertexts: the guest could match a host's reply with products of its own ciphertexts
    assert again.ciphertexts == vector.ciphertexts


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"h_s": 1}, "not a valid n-th residue"),
        ({"h_s": -1}, "tiny order"),  # n^2 - 1: order 2
        ({"short_exponent_bits": 1}, "exponents have 1 bits"),
    ],
    ids=["base one", "base of order two", "one-bit exponents"],
)
def test_a_secureboost_host_refuses_a_guest_key_that_would_void_its_re_randomisation(
    breast: dict[str, PartyData], honest_key: PaillierPublicKey, changes: dict[str, Any], message: str
) -> None:
    # Prepare: a guest that sends a doctored key in its setup
    if changes.get("h_s") == -1:
        changes = {"h_s": honest_key.n_square - 1}
    transcript = Transcript()
    hub = MemoryHub(["guest", "host"], transcript)
    hub.channel("guest").send(
        "host", "sbt", _sbt_setup(_malicious(honest_key, **changes), breast["host_train"].rows)
    )
    # Execute / Assert: refused before anything is computed or sent back
    with pytest.raises(WeakParameters, match=message):
        fit_host(hub.channel("host"), breast["host_train"], "guest", workers=1, params=PARAMS)
    assert transcript.between("host", "guest") == []


def test_a_small_key_needs_the_hosts_own_opt_in_not_the_guests(
    breast: dict[str, PartyData], honest_key: PaillierPublicKey
) -> None:
    # Prepare: the guest's binning parameters claim allow_small_key; the host's job does not
    hub = MemoryHub(["guest", "host"])
    rows = breast["host_train"].rows
    labels = encrypt_integers(honest_key, [0] * rows, bound_bits=1)
    setup = {
        "params": asdict(BinningParams(key_bits=TEST_KEY_BITS, allow_small_key=True)),
        "rows": rows, "public_key": honest_key.to_bytes(), "labels": labels.to_bytes(),
    }  # fmt: skip
    hub.channel("guest").send("host", "fb.labels", setup)
    # Execute / Assert
    with pytest.raises(WeakParameters, match="1024 bits; this host accepts 2048"):
        bin_host(hub.channel("host"), breast["host_train"], "guest")
    hub.channel("guest").send("host", "sbt", _sbt_setup(honest_key, rows))
    with pytest.raises(WeakParameters, match="needs allow_small_key in this host's job"):
        fit_host(hub.channel("host"), breast["host_train"], "guest", workers=1)


def _train(
    breast: dict[str, PartyData],
    transcript: Transcript,
    host_params: BoostParams,
    guest_params: BoostParams = PARAMS,
) -> dict[str, Any]:
    hub = MemoryHub(["guest", "host"], transcript)
    results: dict[str, Any] = {}

    def party(name: str, work: Callable[[Any], Any]) -> None:
        channel = hub.channel(name)
        try:
            with channel.aborting_on_failure():
                results[name] = work(channel)
        except BaseException as exc:
            results[name] = exc

    work = {
        "guest": lambda channel: fit_guest(
            channel, breast["guest_train"], ["host"], guest_params, obfuscator_workers=1
        ),
        "host": lambda channel: fit_host(
            channel, breast["host_train"], "guest", workers=1, params=host_params
        ),
    }
    threads = [threading.Thread(target=party, args=item, daemon=True) for item in work.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


class SnapshotTranscript(Transcript):
    """Records a copy of each payload (the guest keeps updating its node assignment in place)."""

    def record(self, message: Message) -> None:
        super().record(replace(message, payload=copy.deepcopy(message.payload)))


def _requested(transcript: Transcript) -> list[tuple[int, dict[int, int]]]:
    """Each histogram request: the node asked for and the row count of every node at that level."""
    out = []
    for message in transcript.between("guest", "host"):
        if message.tag == "sbt" and message.payload.get("kind") == "level":
            nodes, counts = np.unique(np.asarray(message.payload["node_of_row"]), return_counts=True)
            sizes = dict(zip(nodes.tolist(), counts.tolist(), strict=True))
            out += [(int(node), sizes) for node in message.payload["nodes"]]
    return out


def test_hosts_send_no_histogram_of_a_node_or_sibling_below_the_minimum(breast: dict[str, PartyData]) -> None:
    # Prepare: a minimum of 20 rows (398 training rows reach nodes of 9 rows at depth 2)
    transcript = SnapshotTranscript()
    guarded = replace(PARAMS, min_host_node_rows=20)
    # Execute
    results = _train(breast, transcript, guarded, guarded)
    # Assert: trained; every histogram asked for covers a node and a sibling of at least 20 rows, while
    # the trees did reach smaller nodes (split on the guest's features only)
    assert not isinstance(results["guest"], BaseException), results["guest"]
    requests = _requested(transcript)
    assert requests
    for node, sizes in requests:
        sibling = node + 1 if node % 2 else node - 1
        assert sizes[node] >= 20 and (node == 0 or sizes[sibling] >= 20)
    leaves = [n for t in results["guest"].trees for n in t.nodes.values() if n.leaf]
    assert leaves and any(n.owner == "guest" for t in results["guest"].trees for n in t.nodes.values())
    small_seen = {n for _, sizes in requests for n, c in sizes.items() if c < 20}
    assert small_seen, "the test data never produced a node below the minimum"


def test_a_guest_asking_for_a_small_nodes_histogram_is_refused(
    breast: dict[str, PartyData], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prepare: a guest that ignores the minimum (asks for every node's histogram)
    monkeypatch.setattr(tree_module, "host_may_see", lambda node, counts, min_rows: True)
    transcript = SnapshotTranscript()
    # Execute
    results = _train(breast, transcript, PARAMS)
    # Assert: the host stops the training; no histogram of a small node ever left it
    assert isinstance(results["host"], ProtocolError) and "min_host_node_rows" in str(results["host"])
    assert isinstance(results["guest"], PeerAborted)
    replies = [m for m in transcript.between("host", "guest") if m.tag == "sbt.hist"]
    requests = _requested(transcript)
    assert len(replies) < len({(n, tuple(s.items())) for n, s in requests})


def test_a_host_refuses_a_guest_whose_minimum_is_below_its_own(breast: dict[str, PartyData]) -> None:
    # Prepare: the host's job asks for nodes of 200 rows; the guest's for 50
    host_params = BoostParams(key_bits=TEST_KEY_BITS, allow_small_key=True, min_host_node_rows=200)
    # Execute
    results = _train(breast, Transcript(), host_params)
    # Assert
    assert isinstance(results["host"], ProtocolError) and "below this host's (200)" in str(results["host"])
    assert isinstance(results["guest"], PeerAborted)


def test_an_honest_key_passes_the_hosts_check(honest_key: PaillierPublicKey) -> None:
    from pledgenet.fl.guest_key import check_guest_key

    check_guest_key(honest_key, allow_small_key=True)
    assert isinstance(encrypt_integers(honest_key, [1], bound_bits=1), EncryptedVector)
