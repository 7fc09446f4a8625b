"""Imports every command module so each registers its commands with ``pledgenet.cli.app``.

Add one module name per area to the import below (ledger, pledge, risk, sim, fl, ...).
"""

from pledgenet.cli import (  # noqa: F401  (imported for their side effect: registering commands)
    fl,  # fl run
    ledger,  # init, demo, verify, blocks, block, tx, state
    pledge,  # pledge, freeze, holdings, stats weekly
    register_admin,  # security, account; pledge list/contract/events, freeze queue
    risk,  # risk contracts/views/stress/cascade/alerts/report
    serve,  # serve, client-key issue/revoke
    sim,  # sim calibrate/register
)
