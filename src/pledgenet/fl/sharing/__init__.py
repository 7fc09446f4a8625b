"""Additive secret sharing over the ring Z_2^64 with a dealer's correlated randomness (hetero LR).

``ring`` (shares, Beaver products, truncation, the dealer's tapes) -> ``compare`` (the comparison
circuit's bit planes).
"""
