"""Imports every command module so each registers its commands with ``pledgenet.cli.app``.

Add one import line per area module (ledger, pledge, fl, risk, ...).
"""

import pledgenet.cli.ledger  # init, demo, verify, blocks, block, tx, state
import pledgenet.cli.pledge  # noqa: F401  (pledge, freeze, holdings, stats weekly)
from pledgenet.cli import risk, sim  # noqa: F401  (risk views/stress/cascade/alerts/report; sim calibrate/register)
import pledgenet.cli.fl  # noqa: F401  (fl run)
