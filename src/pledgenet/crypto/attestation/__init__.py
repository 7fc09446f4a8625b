"""Attestation evidence: DCAP quote verification (dcap-qvl) with a strict layout check, the governed
policy, the status of a worker at a time, and the chip-facing adapters. Deterministic: the time and the
collateral are inputs."""
