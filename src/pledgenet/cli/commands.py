"""Imports every command module so each registers its commands with ``pledgenet.cli.app``.

Add one module name per area to the import below (ledger, pledge, risk, sim, fl, ...).
"""

from pledgenet.cli import (  # noqa: F401  (imported for their side effect: registering commands)
    attest,  # attest verify
    data,  # data register/list/show/request/approve/refuse/revoke/fetch/log, doc anchor/verify/list
    fl,  # fl run
    freeze,  # freeze apply/lift/transfer/queue
    jobs,  # job create/accept/show/list
    ledger,  # init, demo, verify, blocks, block, tx, state
    pledge,  # pledge (operations, show/list/contract/events), holdings, stats weekly
    register_admin,  # security, account
    risk,  # risk contracts/views/stress/cascade/alerts/report
    serve,  # serve, client-key issue/revoke
    sim,  # sim calibrate/register
)
