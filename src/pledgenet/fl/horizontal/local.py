"""What a lender does on its own data: minibatch SGD, with the FedProx or Ditto proximal term.

* FedAvg: plain local SGD from the global parameters for ``epochs`` passes.
* FedProx (Li et al., MLSys 2020): the local objective adds ``mu/2 ||w - w_global||^2``, which keeps local
  models of very different lenders from drifting apart.
* Ditto (Li et al., ICML 2021): besides its global update, each lender keeps a personal model ``v`` trained
  on ``loss + lambda/2 ||v - w_global||^2``; ``lambda`` trades personal fit for what the others taught.
* Local fine-tuning: a few epochs of plain SGD from the final global model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pledgenet.errors import ConfigError
from pledgenet.fl.horizontal.models import Model


@dataclass(frozen=True)
class LocalParams:
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 0.1
    l2: float = 0.0
    prox_mu: float = 0.0
    """FedProx's ``mu`` (0: FedAvg)."""
    max_steps: int | None = None
    """Stop a round's local training after this many minibatch steps (``None``: whole epochs)."""

    def __post_init__(self) -> None:
        if (
            self.epochs < 1
            or self.batch_size < 1
            or self.learning_rate <= 0
            or self.l2 < 0
            or self.prox_mu < 0
        ):
            raise ConfigError(
                "local training needs epochs, batch_size, learning_rate > 0 and l2, prox_mu >= 0"
            )
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError("max_steps must be at least 1")


def local_sgd(
    model: Model,
    start: np.ndarray,
    features: np.ndarray,
    labels: np.ndarray,
    params: LocalParams,
    rng: np.random.Generator,
    *,
    anchor: np.ndarray | None = None,
    pull: float = 0.0,
) -> np.ndarray:
    """Minibatch SGD from ``start``; ``pull * (w - anchor)`` is added to each gradient when anchored."""
    weights = start.copy()
    rows = len(labels)
    steps = 0
    for _ in range(params.epochs):
        order = rng.permutation(rows)
        for first in range(0, rows, params.batch_size):
            if params.max_steps is not None and steps >= params.max_steps:
                return weights
            steps += 1
            batch = order[first : first + params.batch_size]
            _, grad = model.loss_grad(weights, features[batch], labels[batch])
            if params.l2:
                grad = grad + params.l2 * weights
            if anchor is not None and pull:
                grad = grad + pull * (weights - anchor)
            weights -= params.learning_rate * grad
    return weights


def local_update(
    model: Model,
    global_params: np.ndarray,
    features: np.ndarray,
    labels: np.ndarray,
    params: LocalParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """The lender's update ``w_local - w_global`` for one round (FedAvg, or FedProx when ``prox_mu > 0``)."""
    local = local_sgd(
        model, global_params, features, labels, params, rng, anchor=global_params, pull=params.prox_mu
    )
    return local - global_params


def ditto_step(
    model: Model,
    personal: np.ndarray,
    global_params: np.ndarray,
    features: np.ndarray,
    labels: np.ndarray,
    params: LocalParams,
    rng: np.random.Generator,
    lam: float,
) -> np.ndarray:
    """One round of Ditto's personal objective, anchored at the round's global parameters."""
    return local_sgd(model, personal, features, labels, params, rng, anchor=global_params, pull=lam)
