"""The simulator: a market and a pledge book calibrated to the registrar's published figures (``market``,
``synthetic_book``, ``calibration``, ``paths``). Generators only: the demo that registers them is
``pledgenet.demo.simulated_register``."""
