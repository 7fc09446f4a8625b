"""The ``pledgenet`` command line.

    app             the typer ``app`` every command module adds its commands to (it imports none of them)
    deps            what the commands share: ``--dir``, ``--as``, ``--json``, the client, JSON and receipts
    commands        imports every command module once, so that each registers its commands
    run             runs the app: pledgenet errors become clear messages and exit codes

The command modules, one per area: ledger (init, demo, verify, blocks, block, tx, state), pledge (pledge,
holdings, stats), freeze, register_admin (security, account), risk, sim, fl. Nothing below ``cli``
imports it.
"""

from __future__ import annotations


def main() -> None:
    """The ``pledgenet`` script."""
    from pledgenet.cli.app import app
    from pledgenet.cli.run import run

    run(app)
