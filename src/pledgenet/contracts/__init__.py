"""Deterministic business rules that run inside every peer: governance, registry, market, data."""
