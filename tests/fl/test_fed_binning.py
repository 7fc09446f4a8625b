"""Federated WOE/IV: equal to the plaintext computation, and nothing but ciphertexts and counts crosses.

Paillier keys are 1024-bit here ONLY to keep the suite fast (``allow_small_key``); the default is 2048.
"""

from __future__ import annotations

import numpy as np
import pytest

from pledgenet.fl.binning import label_counts, woe_iv
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.scorecard.woe_binning import BinningParams, bin_guest, bin_host


def _two_hosts(host: PartyData) -> dict[str, PartyData]:
    halves = {"host0": list(range(0, 10)), "host1": list(range(10, 20))}
    return {
        name: PartyData(host.ids, host.features[:, cols], tuple(host.feature_names[c] for c in cols))
        for name, cols in halves.items()
    }


def _run(run, breast, params, transcript=None):  # type: ignore[no-untyped-def]
    hosts = _two_hosts(breast["host_train"])
    hub = MemoryHub(["guest", *hosts], transcript)
    work = {"guest": lambda: bin_guest(hub.channel("guest"), breast["guest_train"], list(hosts), params)}
    for name, data in hosts.items():
        work[name] = lambda name=name, data=data: bin_host(
            hub.channel(name), data, "guest", allow_small_key=True
        )
    return run(work), hosts


@pytest.mark.parametrize("method", ["quantile", "optimal"])
def test_federated_woe_and_iv_equal_the_plaintext_ones(run, breast, method) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    params = BinningParams(method=method, max_bins=6, fine_bins=16, key_bits=1024, allow_small_key=True)
    labels = breast["guest_train"].labels
    # Execute
    out, hosts = _run(run, breast, params)
    # Assert: with each host's own cut points, plaintext WOE/IV on the joined data are what the guest got
    guest = out["guest"]
    for name, data in hosts.items():
        plain = {}
        for j, feature in enumerate(data.feature_names):
            spec = out[name].specs[feature]
            assert spec.bins <= params.max_bins
            woe, iv = woe_iv(*label_counts(spec.assign(data.features[:, j]), labels, spec.bins))
            plain[feature] = (woe, iv)
            assert out[name].iv[feature] == pytest.approx(iv, abs=1e-12)
        seen = sorted((f.iv, tuple(f.woe)) for f in guest.features if f.owner == name)
        expected = sorted((iv, tuple(woe)) for woe, iv in plain.values())
        assert len(seen) == len(expected) == 10
        for (iv_seen, woe_seen), (iv_plain, woe_plain) in zip(seen, expected, strict=True):
            assert iv_seen == pytest.approx(iv_plain, abs=1e-12)
            np.testing.assert_allclose(woe_seen, woe_plain, atol=1e-12)
    own = breast["guest_train"]
    for j, feature in enumerate(own.feature_names):
        spec = guest.specs[feature]
        _, iv = woe_iv(*label_counts(spec.assign(own.features[:, j]), labels, spec.bins))
        assert guest.iv_table()[feature] == pytest.approx(iv, abs=1e-12)


def test_iv_selection_keeps_the_strongest_features_on_every_side(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    params = BinningParams(max_bins=5, min_iv=0.5, top_k=8, key_bits=1024, allow_small_key=True)
    # Execute
    out, hosts = _run(run, breast, params)
    # Assert: the guest picks the 8 highest IVs above 0.5 among all 40 features; each host learns its own
    guest = out["guest"]
    ranked = sorted(guest.features, key=lambda f: -f.iv)
    assert len(guest.selected) == 8
    assert {f.name for f in ranked[:8]} == set(guest.selected)
    assert all(f.iv >= 0.5 for f in ranked[:8])
    for name in hosts:
        picked = [f for f in guest.features if f.owner == name and f.selected]
        assert len(out[name].selected) == len(picked)
        assert sorted(out[name].iv[f] for f in out[name].selected) == pytest.approx(
            sorted(f.iv for f in picked)
        )


def test_no_label_host_value_or_cut_point_crosses(run, breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    transcript = Transcript()
    params = BinningParams(method="optimal", key_bits=1024, allow_small_key=True)
    labels = breast["guest_train"].labels
    # Execute
    out, hosts = _run(run, breast, params, transcript)
    # Assert: guest -> host: a public key, ciphertexts and the per-slot result; host -> guest: ciphertexts
    # and integer bin sizes only (no float at all, so no feature value or cut point)
    for message in transcript.messages:
        if message.sender == "guest":
            assert message.tag in {"fb.labels", "fb.result"}
            if message.tag == "fb.labels":
                assert set(message.payload) == {"public_key", "labels", "rows", "params"}
                assert labels.astype(np.uint8).tobytes() not in message.payload["labels"]
        else:
            assert message.tag == "fb.counts"
            assert isinstance(message.payload["sums"], bytes)
            assert all(t.dtype.kind == "i" for t in message.payload["totals"])
            assert all(isinstance(b, int) for b in message.payload["bins"])
            edges = np.concatenate([s.edges for s in out[message.sender].specs.values()])
            raw = hosts[message.sender].features
            blob = message.payload["sums"]
            assert not any(np.float64(v).tobytes() in blob for v in np.concatenate([edges, raw[:5].ravel()]))
