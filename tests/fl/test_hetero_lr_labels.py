"""What a host learns in hetero LR: its gradient, noised so that the guest's residuals and labels do not
follow (issue 15, item 6). The attack: with batches of 8 rows, a host with 20 features has 20 equations
``X_hᵀ·d = g_h`` in 8 unknown residuals and solves them; the sign of a residual is the label."""

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
from pledgenet.fl.net.channel import MemoryHub
from pledgenet.fl.sharing.ring import Ring

PARAMS = LRParams(epochs=2, batch_size=8, learning_rate=0.01)


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


def test_a_host_cannot_solve_its_gradients_for_the_guests_labels(run, breast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
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


def test_noise_cannot_be_switched_off_and_a_batch_must_fill() -> None:
    # Execute / Assert
    with pytest.raises(DataError, match="noise_multiplier"):
        LRParams(noise_multiplier=0.0)
    with pytest.raises(DataError, match="delta"):
        LRParams(delta=1.0)


def test_fewer_rows_than_one_batch_are_refused_before_training(breast) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    hub = MemoryHub(["guest", "host", "coordinator"])
    # Execute / Assert
    with pytest.raises(DataError, match="batch"):
        fit_lr_guest(
            hub.channel("guest"), breast["guest_train"], ["host"], "coordinator", LRParams(batch_size=10_000)
        )
