"""Imports every command module so each registers its commands with ``pledgenet.cli.app``.

Add one import line per area module (ledger, pledge, fl, risk, ...).
"""
