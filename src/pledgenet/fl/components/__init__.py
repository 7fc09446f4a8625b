"""Job components as plug-ins: one module per component, and the registry they register in.

``registry`` holds :class:`Component`, :func:`register`, :class:`PartyContext` and the table
``COMPONENTS``; importing this package registers the built-ins, in this order: ``secureboost``,
``hetero_lr``, ``binning``, ``scorecard``, then the horizontal ones (``fedavg``, ``fedprox``, ``gbdt``,
in ``horizontal``). A new component is a module that calls
``register(Component(name, run, parameters, check))`` when imported. The runner
(:mod:`pledgenet.fl.job`) imports this package; no component imports the runner.
"""

from pledgenet.fl.components import binning, hetero_lr, horizontal, scorecard, secureboost
from pledgenet.fl.components.registry import COMPONENTS, Component, PartyContext, register

__all__ = [
    "COMPONENTS",
    "Component",
    "PartyContext",
    "binning",
    "hetero_lr",
    "horizontal",
    "register",
    "scorecard",
    "secureboost",
]
