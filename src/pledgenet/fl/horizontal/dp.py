"""Client-level differential privacy for federated averaging, with noise that survives secure aggregation.

Each lender clips its update to L2 norm ``clip``, scales it into ring units (``scale`` per 1.0), rounds,
and adds its share of the noise *before* masking, so nobody (the aggregator included) sees a noiseless
update or sum. The noise is **Skellam** (Agarwal, Kairouz & Liu, NeurIPS 2021): a Skellam variable is the
difference of two Poisson variables, and a sum of independent Skellam variables is again Skellam with
the summed variance, exactly. So the integer sum the aggregator unmasks carries noise of a known
distribution whatever the number of lenders, with no rounding or approximation step: the property the
distributed discrete Gaussian only has approximately (its sum is close to, not equal to, a discrete
Gaussian). Each lender adds variance ``V / threshold``: the guarantee holds as long as at least
``threshold`` lenders survive the round (secure aggregation refuses to unmask fewer).

Accounting (``dp-accounting``, RDP): Skellam noise of total variance ``V`` on an integer vector of L2
sensitivity ``D2`` and L1 sensitivity ``D1`` satisfies, for every order ``a >= 1`` (Agarwal et al.),
``eps(a) <= a D2^2 / (2V) + ((2a - 1) D2^2 + 6 D1) / (4 V^2) <= a D2^2 / (2 V_eff)`` with
``1 / V_eff = 1/V + (1 + 3 D1 / D2^2) / V^2``: the RDP curve of a Gaussian of variance ``V_eff``. So the
rounds are accounted in ``dp-accounting`` as a self-composed ``GaussianDpEvent`` with noise multiplier
``sqrt(V_eff) / D2``. ``D2 = clip * scale + sqrt(d) / 2`` (rounding moves each coordinate by at most 1/2)
and ``D1 <= D2^2`` (integer vectors). The user gives epsilon, delta and rounds; ``plan_dp`` finds the
noise multiplier with ``dp_accounting.calibrate_dp_mechanism`` and the variance ``V`` that meets it.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

import dp_accounting
import numpy as np

from pledgenet.errors import ConfigError

NOISE_TAIL_SIGMAS = 14.0
"""Declared noise bound in standard deviations: the aggregate exceeds it with probability below 1e-40
(Skellam tails are sub-exponential); if it ever did, decoding refuses the round rather than wrap."""


def _accountant() -> dp_accounting.PrivacyAccountant:
    return dp_accounting.rdp.RdpAccountant()


def _event(noise_multiplier: float, rounds: int) -> dp_accounting.DpEvent:
    return dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(noise_multiplier), rounds)


def noise_multiplier_for(epsilon: float, delta: float, rounds: int) -> float:
    """The smallest Gaussian noise multiplier (std / L2 sensitivity) giving (epsilon, delta) over rounds."""
    if epsilon <= 0 or not 0 < delta < 1 or rounds < 1:
        raise ConfigError("DP needs epsilon > 0, 0 < delta < 1 and at least one round")
    return float(
        dp_accounting.calibrate_dp_mechanism(
            _accountant,
            lambda z: _event(z, rounds),
            epsilon,
            delta,
            dp_accounting.LowerEndpointAndGuess(1e-3, 1.0),
        )
    )


def epsilon_spent(noise_multiplier: float, rounds: int, delta: float) -> float:
    """Epsilon after ``rounds`` rounds at ``noise_multiplier`` (``dp-accounting`` RDP accountant)."""
    if rounds == 0:
        return 0.0
    accountant = _accountant()
    accountant.compose(_event(noise_multiplier, rounds))
    return float(accountant.get_epsilon(delta))


@dataclass(frozen=True)
class DpPlan:
    """The noise every lender adds, fixed from the user's (epsilon, delta, rounds)."""

    epsilon: float
    delta: float
    rounds: int
    clip: float
    scale: float
    dimension: int
    threshold: int
    noise_multiplier: float
    total_variance: float

    @property
    def sensitivity_l2(self) -> float:
        return self.clip * self.scale + math.sqrt(self.dimension) / 2

    @property
    def client_variance(self) -> float:
        return self.total_variance / self.threshold

    def noise_bound(self, parties: int) -> int:
        """Declared bound on the aggregate noise per coordinate (ring units) with ``parties`` summands."""
        return math.ceil(NOISE_TAIL_SIGMAS * math.sqrt(self.client_variance * parties)) + 1

    def client_noise(self, rng: np.random.Generator | None = None) -> np.ndarray:
        """One lender's Skellam share: Poisson(V_c / 2) - Poisson(V_c / 2) per coordinate (int64)."""
        rng = rng or np.random.default_rng(secrets.randbits(128))
        half = self.client_variance / 2
        return rng.poisson(half, self.dimension).astype(np.int64) - rng.poisson(half, self.dimension).astype(
            np.int64
        )

    def spent(self, rounds: int) -> float:
        return epsilon_spent(self.noise_multiplier, rounds, self.delta)

    def summary(self, rounds_run: int) -> dict[str, float | int | str]:
        return {
            "mechanism": "distributed Skellam, client-level, accounted by dp-accounting RDP",
            "epsilon_target": self.epsilon,
            "delta": self.delta,
            "rounds_planned": self.rounds,
            "rounds_run": rounds_run,
            "epsilon_spent": round(self.spent(rounds_run), 4),
            "noise_multiplier": round(self.noise_multiplier, 4),
            "clip": self.clip,
            "threshold": self.threshold,
        }


def plan_dp(
    *, epsilon: float, delta: float, rounds: int, clip: float, scale: float, dimension: int, threshold: int
) -> DpPlan:
    """Set the noise from the user's budget: the multiplier from the accountant, then the Skellam variance
    whose effective Gaussian variance (see the module docstring) reaches it."""
    if clip <= 0 or scale <= 0 or dimension < 1 or threshold < 1:
        raise ConfigError("DP needs clip > 0, a positive scale, dimension and threshold")
    z = noise_multiplier_for(epsilon, delta, rounds)
    d2 = clip * scale + math.sqrt(dimension) / 2
    target = (z * d2) ** 2  # V_eff we need
    a = 1.0 + 3.0 * min(d2 * d2, math.sqrt(dimension) * d2) / (d2 * d2)  # D1 <= min(D2^2, sqrt(d) D2)
    variance = target * (1.0 + math.sqrt(1.0 + 4.0 * a / target)) / 2.0  # V with 1/V + a/V^2 = 1/target
    return DpPlan(epsilon, delta, rounds, clip, scale, dimension, threshold, z, variance)
