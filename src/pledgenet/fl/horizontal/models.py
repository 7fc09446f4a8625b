"""The models lenders train together: logistic regression and a small multilayer perceptron, in numpy.

numpy rather than a deep-learning framework: the models are small (tens to about a hundred thousand
parameters on 23 features), every lender's training must be reproducible bit for bit on CPUs, and secure
aggregation works on one flat parameter vector, which both models expose as their only state. Each model
is a pure function of that vector: ``init``, ``loss_grad`` (mean log-loss and its gradient) and
``predict`` (default probabilities).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pledgenet.errors import ConfigError


class Model(Protocol):
    @property
    def size(self) -> int: ...

    def init(self, rng: np.random.Generator) -> np.ndarray: ...

    def loss_grad(
        self, params: np.ndarray, features: np.ndarray, labels: np.ndarray
    ) -> tuple[float, np.ndarray]: ...

    def predict(self, params: np.ndarray, features: np.ndarray) -> np.ndarray: ...


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _log_loss(probability: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probability, 1e-12, 1 - 1e-12)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


@dataclass(frozen=True)
class LogisticModel:
    """``p = sigmoid(x . w + b)``; parameters ``[w..., b]``."""

    features: int

    @property
    def size(self) -> int:
        return self.features + 1

    def init(self, rng: np.random.Generator) -> np.ndarray:
        return np.zeros(self.size)

    def loss_grad(
        self, params: np.ndarray, features: np.ndarray, labels: np.ndarray
    ) -> tuple[float, np.ndarray]:
        p = self.predict(params, features)
        error = (p - labels) / len(labels)
        return _log_loss(p, labels), np.concatenate([features.T @ error, [error.sum()]])

    def predict(self, params: np.ndarray, features: np.ndarray) -> np.ndarray:
        return _sigmoid(features @ params[:-1] + params[-1])


@dataclass(frozen=True)
class MlpModel:
    """Fully connected ReLU layers then a sigmoid output; parameters are the layers' weights and biases
    flattened in order."""

    features: int
    hidden: tuple[int, ...] = (32,)

    @property
    def shapes(self) -> list[tuple[int, int]]:
        widths = [self.features, *self.hidden, 1]
        return list(itertools.pairwise(widths))

    @property
    def size(self) -> int:
        return sum(a * b + b for a, b in self.shapes)

    def init(self, rng: np.random.Generator) -> np.ndarray:
        parts = []
        for fan_in, fan_out in self.shapes:
            parts.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=fan_in * fan_out))
            parts.append(np.zeros(fan_out))
        return np.concatenate(parts)

    def _layers(self, params: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        if params.shape != (self.size,):
            raise ConfigError(f"an MLP {self.shapes} has {self.size} parameters, got {params.shape}")
        layers, offset = [], 0
        for fan_in, fan_out in self.shapes:
            weights = params[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out)
            offset += fan_in * fan_out
            layers.append((weights, params[offset : offset + fan_out]))
            offset += fan_out
        return layers

    def _forward(self, params: np.ndarray, features: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        activations = [features]
        layers = self._layers(params)
        for weights, bias in layers[:-1]:
            activations.append(np.maximum(activations[-1] @ weights + bias, 0.0))
        weights, bias = layers[-1]
        return activations, _sigmoid((activations[-1] @ weights + bias).ravel())

    def loss_grad(
        self, params: np.ndarray, features: np.ndarray, labels: np.ndarray
    ) -> tuple[float, np.ndarray]:
        activations, p = self._forward(params, features)
        layers = self._layers(params)
        delta = ((p - labels) / len(labels))[:, None]
        grads: list[np.ndarray] = []
        for index in range(len(layers) - 1, -1, -1):
            weights, _ = layers[index]
            grads.append(delta.sum(axis=0))
            grads.append((activations[index].T @ delta).ravel())
            if index:
                delta = (delta @ weights.T) * (activations[index] > 0)
        return _log_loss(p, labels), np.concatenate(grads[::-1])

    def predict(self, params: np.ndarray, features: np.ndarray) -> np.ndarray:
        return self._forward(params, features)[1]


def make_model(kind: str, features: int, hidden: tuple[int, ...] = (32,)) -> Model:
    if kind == "lr":
        return LogisticModel(features)
    if kind == "mlp":
        return MlpModel(features, tuple(hidden))
    raise ConfigError(f"model must be 'lr' or 'mlp', got {kind!r}")
