"""scikit-learn-style estimators over pandas frames, one per party: hetero LR and hetero SecureBoost.

Each party builds its own estimator with its end of a :class:`~pledgenet.fl.net.channel.Channel` and its role,
then calls ``fit`` and ``predict_proba`` with its own frame (an ID column plus numeric features; the guest
also passes ``y``). Rows are matched by ID with PSI (:mod:`pledgenet.fl.alignment`) in ``fit`` and again in
``predict_proba``, so the parties' frames may hold different rows in any order. The guest's
``predict_proba`` returns the usual ``(rows, 2)`` array in the order of its frame; a host's (and the LR
coordinator's) serves the guest's scoring and returns ``None``: scores belong to the label holder.

``get_params`` / ``set_params`` come from scikit-learn's ``BaseEstimator``. :class:`Simulation` runs every
party in a thread over an in-memory hub (what ``pledgenet fl run --simulate`` does for job files)::

    sim = Simulation(HeteroLogisticRegression, hosts=["bank"], epochs=10, batch_size=64)
    sim.fit(guest_frame, y, {"bank": bank_frame})
    scores = sim.predict_proba(guest_frame, {"bank": bank_frame})[:, 1]
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from pledgenet.errors import DataError, PledgenetError
from pledgenet.fl.alignment import align_guest, align_host
from pledgenet.fl.data import PartyData, validate_party_frame
from pledgenet.fl.hetero_lr import (
    LRParams,
    fit_lr_guest,
    fit_lr_host,
    predict_lr_guest,
    serve_dealer,
    serve_lr_host_prediction,
)
from pledgenet.fl.net.channel import Channel, MemoryHub
from pledgenet.fl.secureboost.predict import predict_guest, serve_host_prediction
from pledgenet.fl.secureboost.training import GuestBoostModel, HostBoostModel, fit_guest, fit_host
from pledgenet.fl.secureboost.tree import BoostParams

ROLES = ("guest", "host", "coordinator")


class _FederatedEstimator(BaseEstimator):
    channel: Channel | None
    role: str
    guest: str
    hosts: tuple[str, ...]
    id_column: str
    label_column: str

    def fit(self, X: Any = None, y: Any = None) -> Any:  # pragma: no cover - defined by each estimator
        raise NotImplementedError

    def predict_proba(self, X: Any = None) -> np.ndarray | None:  # pragma: no cover
        raise NotImplementedError

    def _check_role(self) -> None:
        if self.role not in ROLES:
            raise DataError(f"role must be one of {ROLES}, not {self.role!r}")
        if self.channel is None:
            raise DataError("the estimator needs its party's channel")

    def _frame(self, X: pd.DataFrame | None, y: Any, training: bool = True) -> PartyData:
        """Validate this party's frame (and the guest's labels) before any message is sent."""
        if not isinstance(X, pd.DataFrame):
            raise DataError("X must be a pandas DataFrame with an ID column and numeric features")
        frame, label = X, None
        if self.role == "guest" and y is not None:
            if self.label_column in X.columns:
                raise DataError(f"pass the labels either as y or as column {self.label_column!r}, not both")
            labels = np.asarray(y)
            if labels.shape != (len(X),):
                raise DataError(f"y has {labels.size} values for {len(X)} rows")
            frame, label = X.assign(**{self.label_column: labels}), self.label_column
        elif self.role == "guest" and training:
            label = self.label_column  # the labels must then be a column of X
        return validate_party_frame(frame, id_column=self.id_column, label_column=label, party=self.role)

    def _align(self, data: PartyData) -> PartyData:
        assert self.channel is not None
        if self.role == "guest":
            return align_guest(self.channel, data, list(self.hosts))
        return align_host(self.channel, data, self.guest)

    def _in_frame_order(self, data: PartyData, aligned: PartyData, scores: np.ndarray) -> np.ndarray:
        position = {str(i): k for k, i in enumerate(aligned.ids)}
        missing = sum(1 for i in data.ids if str(i) not in position)
        if missing:
            raise DataError(f"{missing} rows of X are not held by every host, so they cannot be scored")
        ordered = scores[[position[str(i)] for i in data.ids]]
        return np.column_stack([1.0 - ordered, ordered])


class HeteroLogisticRegression(_FederatedEstimator):
    """Hetero LR (:mod:`pledgenet.fl.hetero_lr`) for one party: ``role`` guest, host or coordinator."""

    def __init__(
        self,
        channel: Channel | None = None,
        role: str = "guest",
        guest: str = "guest",
        hosts: tuple[str, ...] = ("host",),
        coordinator: str = "coordinator",
        id_column: str = "id",
        label_column: str = "y",
        epochs: int = 10,
        batch_size: int = 1024,
        learning_rate: float = 0.01,
        l2: float = 0.0,
        l1: float = 0.0,
        tolerance: float = 1e-4,
        seed: int = 0,
        noise_multiplier: float = 4.0,
        delta: float = 1e-5,
        noise_seed: int | None = None,
    ) -> None:
        self.channel, self.role, self.guest, self.hosts = channel, role, guest, hosts
        self.coordinator, self.id_column, self.label_column = coordinator, id_column, label_column
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.l2, self.l1, self.tolerance, self.seed = l2, l1, tolerance, seed
        # the guest's label-DP noise: ``noise_seed`` fixes it (reproducible runs); None draws it from the OS
        self.noise_multiplier, self.delta, self.noise_seed = noise_multiplier, delta, noise_seed

    def fit(self, X: pd.DataFrame | None = None, y: Any = None) -> HeteroLogisticRegression:
        """Train on this party's frame (the coordinator passes nothing); sets ``coef_`` (own features)."""
        self._check_role()
        assert self.channel is not None
        if self.role == "coordinator":
            serve_dealer(self.channel, self.guest, list(self.hosts))
            return self
        params = LRParams(
            self.epochs,
            self.batch_size,
            self.learning_rate,
            self.l2,
            self.l1,
            self.tolerance,
            self.seed,
            self.noise_multiplier,
            self.delta,
        )
        data = self._align(self._frame(X, y))
        if self.role == "guest":
            self.model_ = fit_lr_guest(
                self.channel, data, list(self.hosts), self.coordinator, params, noise_seed=self.noise_seed
            )
            self.intercept_ = np.array([self.model_["intercept"]])
        else:
            self.model_ = fit_lr_host(self.channel, data, self.guest, self.coordinator)
        self.feature_names_in_ = np.array(data.feature_names, dtype=object)
        self.coef_ = np.array([[self.model_["weights"][n] for n in data.feature_names]])
        return self

    def predict_proba(self, X: pd.DataFrame | None = None) -> np.ndarray | None:
        """Guest: (rows, 2) probabilities in X's row order. Host: serves the guest, returns None."""
        self._check_role()
        assert self.channel is not None
        if self.role == "coordinator":
            return None
        data = self._frame(X, None, training=False)
        aligned = self._align(data)
        if self.role == "host":
            serve_lr_host_prediction(self.channel, self.model_, aligned, self.guest)
            return None
        scores = predict_lr_guest(self.channel, self.model_, aligned, list(self.hosts))
        return self._in_frame_order(data, aligned, scores)


class HeteroSecureBoost(_FederatedEstimator):
    """Hetero SecureBoost (:mod:`pledgenet.fl.secureboost`) for one party: ``role`` guest or host."""

    def __init__(
        self,
        channel: Channel | None = None,
        role: str = "guest",
        guest: str = "guest",
        hosts: tuple[str, ...] = ("host",),
        id_column: str = "id",
        label_column: str = "y",
        n_trees: int = 5,
        max_depth: int = 3,
        learning_rate: float = 0.3,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        gamma: float = 0.0,
        max_bins: int = 32,
        key_bits: int = 2048,
        allow_small_key: bool = False,
    ) -> None:
        self.channel, self.role, self.guest, self.hosts = channel, role, guest, hosts
        self.id_column, self.label_column = id_column, label_column
        self.n_trees, self.max_depth, self.learning_rate = n_trees, max_depth, learning_rate
        self.min_child_weight, self.reg_lambda, self.gamma = min_child_weight, reg_lambda, gamma
        self.max_bins, self.key_bits, self.allow_small_key = max_bins, key_bits, allow_small_key

    def fit(self, X: pd.DataFrame | None = None, y: Any = None) -> HeteroSecureBoost:
        self._check_role()
        assert self.channel is not None
        if self.role == "coordinator":
            raise DataError("SecureBoost runs between the guest and its hosts: no coordinator")
        params = BoostParams(
            self.n_trees, self.max_depth, self.learning_rate, self.min_child_weight, self.reg_lambda,
            self.gamma, self.max_bins, self.key_bits, self.allow_small_key,
        )  # fmt: skip
        data = self._align(self._frame(X, y))
        self.model_: GuestBoostModel | HostBoostModel
        if self.role == "guest":
            self.model_ = fit_guest(self.channel, data, list(self.hosts), params)
        else:
            self.model_ = fit_host(self.channel, data, self.guest, params=params)
        self.feature_names_in_ = np.array(data.feature_names, dtype=object)
        return self

    def predict_proba(self, X: pd.DataFrame | None = None) -> np.ndarray | None:
        """Guest: (rows, 2) probabilities in X's row order. Host: serves the guest, returns None."""
        self._check_role()
        assert self.channel is not None
        data = self._frame(X, None, training=False)
        aligned = self._align(data)
        if isinstance(self.model_, HostBoostModel):
            serve_host_prediction(self.channel, self.model_, aligned, self.guest)
            return None
        return self._in_frame_order(data, aligned, predict_guest(self.channel, self.model_, aligned))


class Simulation:
    """Every party of one estimator kind as threads over an in-memory hub (tests, demos, ``--simulate``)."""

    def __init__(self, kind: type[_FederatedEstimator], hosts: list[str], **params: Any) -> None:
        self.hosts = list(hosts)
        names = ["guest", *self.hosts] + (["coordinator"] if kind is HeteroLogisticRegression else [])
        self.hub = MemoryHub(names)
        self.parties = {
            name: kind(channel=self.hub.channel(name), role=_role(name), hosts=tuple(self.hosts), **params)
            for name in names
        }

    def fit(self, guest_frame: pd.DataFrame, y: Any, host_frames: dict[str, pd.DataFrame]) -> Simulation:
        self._check(guest_frame, y, host_frames, training=True)
        work = {"guest": lambda: self.parties["guest"].fit(guest_frame, y)}
        work.update({h: _bind(self.parties[h].fit, host_frames[h]) for h in self.hosts})
        if "coordinator" in self.parties:
            work["coordinator"] = self.parties["coordinator"].fit
        _run_threads(work)
        return self

    def predict_proba(self, guest_frame: pd.DataFrame, host_frames: dict[str, pd.DataFrame]) -> np.ndarray:
        self._check(guest_frame, None, host_frames, training=False)
        work = {"guest": lambda: self.parties["guest"].predict_proba(guest_frame)}
        work.update({h: _bind(self.parties[h].predict_proba, host_frames[h]) for h in self.hosts})
        result = _run_threads(work)["guest"]
        assert isinstance(result, np.ndarray)
        return result

    def _check(
        self, guest_frame: pd.DataFrame, y: Any, host_frames: dict[str, pd.DataFrame], *, training: bool
    ) -> None:
        """Every frame is validated before any thread starts (a bad one cannot leave peers waiting)."""
        if set(host_frames) != set(self.hosts):
            raise DataError(f"frames for hosts {sorted(host_frames)}, the simulation has {self.hosts}")
        self.parties["guest"]._frame(guest_frame, y, training)
        for host in self.hosts:
            self.parties[host]._frame(host_frames[host], None, training)


def _role(name: str) -> str:
    return name if name in ("guest", "coordinator") else "host"


def _bind(function: Callable[[Any], Any], argument: Any) -> Callable[[], Any]:
    return lambda: function(argument)


def _run_threads(work: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run(name: str, function: Callable[[], Any]) -> None:
        try:
            results[name] = function()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in work.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise next((e for e in errors if isinstance(e, PledgenetError)), errors[0])
    return results
