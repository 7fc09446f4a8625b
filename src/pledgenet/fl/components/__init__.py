"""Job components as plug-ins: one module per component, and the registry they register in.

``registry`` holds :class:`Component`, :func:`register`, :class:`PartyContext` and the table
``COMPONENTS``; importing this package registers the built-ins, in this order: ``secureboost``,
``hetero_lr``, ``binning``, ``scorecard``, then the horizontal ones (``fedavg``, ``fedprox``, ``gbdt``,
in ``horizontal``), then ``statistics``, ``impute`` and ``scale`` (in ``prep``),
``select``, ``contribution`` (simulated jobs only). A new component is
a module that calls ``register(Component(name, run, parameters, check))`` when imported. The runner
(:mod:`pledgenet.fl.job`) imports this package; no component imports the runner.
"""

from pledgenet.fl.components import (
    binning,
    contribution,
    hetero_lr,
    horizontal,
    prep,
    scorecard,
    secureboost,
    select,
)
from pledgenet.fl.components.registry import COMPONENTS, Component, PartyContext, register

__all__ = [
    "COMPONENTS",
    "Component",
    "PartyContext",
    "binning",
    "contribution",
    "hetero_lr",
    "horizontal",
    "prep",
    "register",
    "scorecard",
    "secureboost",
    "select",
]
