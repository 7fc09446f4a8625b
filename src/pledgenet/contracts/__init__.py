"""Deterministic business rules that run inside every peer: governance, register, market, data."""
