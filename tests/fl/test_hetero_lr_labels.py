"""What a host and the coordinator learn in hetero LR (issue 15, item 6). The attack: with batches of 8 rows,
a host with 20 features has 20 equations ``X_hᵀ·d = g_h`` in 8 unknown residuals and solves them; the sign
of a residual is the label. In the default mode (``shared``) the host never holds ``g_h`` nor its weights
during training, only uniform shares and masked openings; in the ``label_dp`` mode it holds ``g_h`` plus
the guest's Gaussian noise."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pledgenet.errors import DataError
from pledgenet.fl import hetero_lr, label_dp
from pledgenet.fl.hetero_lr import (
    RESIDUAL_BITS,
    LRParams,
    decode,
    feature_bits,
    fit_lr_guest,
    fit_lr_host,
    serve_dealer,
)
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.sharing import fixed
from pledgenet.fl.sharing.ring import Ring

PARAMS = LRParams(epochs=2, batch_size=8, learning_rate=0.01, privacy="label_dp")
SHARED = LRParams(epochs=2, batch_size=8)


def _record(monkeypatch: pytest.MonkeyPatch) -> dict[int, dict[str, list[Any]]]:
    """Record, per party index, each batch's rows, the gradient it reconstructs and its residual share."""
    seen: dict[int, dict[str, list[Any]]] = {
        0: {"cross": [], "residual": []},
        1: {"cross": [], "residual": []},
    }
    cross_products, residual = Ring.cross_products, hetero_lr._residual

    def recording_cross(self: Ring, features: Any, vector: Any, batch: Any, noise: Any = None) -> Any:
        total = cross_products(self, features, vector, batch, noise)
        seen[self.index]["cross"].append((np.array(batch), total.copy()))
        return total

    def recording_residual(ring: Ring, z: Any, labels: Any) -> Any:
        share = residual(ring, z, labels)
        seen[ring.index]["residual"].append(share.copy())
        return share

    monkeypatch.setattr(Ring, "cross_products", recording_cross)
    monkeypatch.setattr(hetero_lr, "_residual", recording_residual)
    return seen


def _labels_from_gradients(
    features: np.ndarray, batches: list[np.ndarray], gradients: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The host's attack: least squares for the residuals of each batch, the label from their sign."""
    pairs = zip(batches, gradients, strict=True)
    solved = [np.linalg.lstsq(features[b].T, g * len(b), rcond=None)[0] for b, g in pairs]
    return np.concatenate(solved), np.concatenate([(s < 0).astype(int) for s in solved])


def test_a_host_cannot_solve_its_noised_gradients_for_the_guests_labels(run, breast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Prepare: batches of 8 rows; the host holds 20 features
    seen = _record(monkeypatch)
    guest, host = breast["guest_train"], breast["host_train"]
    hub = MemoryHub(["guest", "host", "coordinator"])
    work = {
        "guest": lambda: fit_lr_guest(hub.channel("guest"), guest, ["host"], "coordinator", PARAMS),
        "host": lambda: fit_lr_host(hub.channel("host"), host, "guest", "coordinator"),
        "dealer": lambda: serve_dealer(hub.channel("coordinator"), "guest", ["host"]),
    }
    # Execute
    out = run(work)
    # Assert: only full batches; the true residuals are the sum of the parties' shares
    batches = [batch for batch, _ in seen[1]["cross"]]
    assert len(batches) == PARAMS.epochs * (guest.rows // 8) and all(len(b) == 8 for b in batches)
    residuals = [
        decode(a + b, RESIDUAL_BITS) for a, b in zip(seen[0]["residual"], seen[1]["residual"], strict=True)
    ]
    labels = np.concatenate([guest.labels[b] for b in batches])
    # the attack works on the exact gradient (what a host received before the fix) ...
    exact = [host.features[b].T @ d / len(b) for b, d in zip(batches, residuals, strict=True)]
    solved, guessed = _labels_from_gradients(host.features, batches, exact)
    assert np.abs(solved - np.concatenate(residuals)).max() < 1e-9
    assert (guessed == labels).mean() >= 0.95
    # ... and fails on what the host reconstructs now: the residuals are off by more than their whole range
    bound = label_dp.row_norm_bound(host.features)
    bits = feature_bits(host.features, PARAMS.batch_size, PARAMS.noise_multiplier * bound)
    received = [decode(total, bits + RESIDUAL_BITS) / len(b) for b, total in seen[1]["cross"]]
    solved, guessed = _labels_from_gradients(host.features, batches, received)
    assert np.sqrt(np.mean((solved - np.concatenate(residuals)) ** 2)) > 2.0
    assert (guessed == labels).mean() < 0.7
    privacy = out["guest"]["privacy"]
    assert privacy["row_norm_bounds"] == {"host": bound} and privacy["epsilon_per_host"] < 3.0


def _fit(run, breast, params, transcript=None):  # type: ignore[no-untyped-def]
    guest, host = breast["guest_train"], breast["host_train"]
    hub = MemoryHub(["guest", "host", "coordinator"], transcript)
    return run(
        {
            "guest": lambda: fit_lr_guest(hub.channel("guest"), guest, ["host"], "coordinator", params),
            "host": lambda: fit_lr_host(hub.channel("host"), host, "guest", "coordinator"),
            "dealer": lambda: serve_dealer(hub.channel("coordinator"), "guest", ["host"]),
        }
    )


def test_in_shared_mode_no_host_or_coordinator_message_gives_residuals_or_labels(
    run, breast, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Prepare: record the host's shares of its own gradient X_hᵀ·d (what it reconstructed before the fix)
    seen: dict[int, list[Any]] = {0: [], 1: []}
    gradient_products, residual = fixed.gradient_products, hetero_lr._residual
    shares: dict[int, list[Any]] = {0: [], 1: []}

    def recording_products(ring: Ring, features: Any, d: Any, batch: Any) -> Any:
        out = gradient_products(ring, features, d, batch)
        seen[ring.index].append((np.array(batch), out[1].copy()))
        return out

    def recording_residual(ring: Ring, z: Any, labels: Any) -> Any:
        share = residual(ring, z, labels)
        shares[ring.index].append(share.copy())
        return share

    monkeypatch.setattr(fixed, "gradient_products", recording_products)
    monkeypatch.setattr(hetero_lr, "_residual", recording_residual)
    transcript = Transcript()
    guest, host = breast["guest_train"], breast["host_train"]
    # Execute
    out = _fit(run, breast, SHARED, transcript)
    # Assert: the exact gradients would give the labels away ...
    batches = [batch for batch, _ in seen[1]]
    residuals = [decode(a + b, RESIDUAL_BITS) for a, b in zip(shares[0], shares[1], strict=True)]
    labels = np.concatenate([guest.labels[b] for b in batches])
    exact = [host.features[b].T @ d / len(b) for b, d in zip(batches, residuals, strict=True)]
    solved, guessed = _labels_from_gradients(host.features, batches, exact)
    assert np.abs(solved - np.concatenate(residuals)).max() < 1e-9
    decided = np.abs(solved) > 1e-6  # σ̂ is exactly 0 or 1 far from the boundary: there d = 0 hides the label
    assert (guessed[decided] == labels[decided]).mean() >= 0.95
    # ... the shares of its gradient that the host holds do not (they are uniform ring elements) ...
    bits = feature_bits(host.features, SHARED.batch_size)
    held = [decode(share, bits + RESIDUAL_BITS) / len(b) for b, share in seen[1]]
    solved, guessed = _labels_from_gradients(host.features, batches, held)
    assert np.sqrt(np.mean((solved - np.concatenate(residuals)) ** 2)) > 2.0
    assert (guessed == labels).mean() < 0.7
    # ... and nothing the host receives while training is a residual, a label or a weight: every number is
    # a uniform ring element (top bit set about half the time, unlike small signed values), and the
    # guest's masked residual shares say nothing of the labels
    received = [m for m in transcript.messages if m.receiver == "host" and m.tag != "sslr.epoch"]
    words = np.concatenate([a.ravel() for m in received for a in _arrays(m.payload) if a.dtype == np.uint64])
    assert words.size > 10_000 and 0.45 < np.mean(words >> np.uint64(63)) < 0.55
    masked = [m.payload["vec"] for m in received if m.tag == "ss.residual"]
    assert len(masked) == len(batches)
    guesses = np.concatenate([(decode(v, RESIDUAL_BITS) < 0).astype(int) for v in masked])
    assert abs((guesses == labels).mean() - 0.5) < 0.1
    # the host's weights reach it once, at the end; the coordinator receives the setup and batch orders only
    assert [m.tag for m in received if m.tag == "sslr.weights"] == ["sslr.weights"]
    to_dealer = [m for m in transcript.messages if m.receiver == "coordinator"]
    assert {m.tag for m in to_dealer} == {"sslr.setup", "sslr.epoch"}
    assert all(a.dtype == np.int64 for m in to_dealer for a in _arrays(m.payload))  # permutations only
    assert out["host"]["epochs_run"] == SHARED.epochs


def _arrays(payload: Any) -> list[np.ndarray]:
    if isinstance(payload, np.ndarray):
        return [payload]
    if isinstance(payload, dict):
        return [a for v in payload.values() for a in _arrays(v)]
    if isinstance(payload, list):
        return [a for v in payload for a in _arrays(v)]
    return []


def test_noise_cannot_be_switched_off_and_a_batch_must_fill() -> None:
    # Execute / Assert
    with pytest.raises(DataError, match="noise_multiplier"):
        LRParams(noise_multiplier=0.0)
    with pytest.raises(DataError, match="delta"):
        LRParams(delta=1.0)
    with pytest.raises(DataError, match="l1"):
        LRParams(l1=0.1)  # a soft threshold on shares is not built: L1 needs privacy="label_dp"
    with pytest.raises(DataError, match="privacy"):
        LRParams(privacy="none")


def test_fewer_rows_than_one_batch_are_refused_before_training(breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    hub = MemoryHub(["guest", "host", "coordinator"])
    # Execute / Assert
    with pytest.raises(DataError, match="batch"):
        fit_lr_guest(
            hub.channel("guest"), breast["guest_train"], ["host"], "coordinator", LRParams(batch_size=10_000)
        )
