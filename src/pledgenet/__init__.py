"""pledgenet: an open platform for a stock-pledge data alliance."""

__version__ = "0.1.0"
