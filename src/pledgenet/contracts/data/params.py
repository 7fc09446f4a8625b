"""The grading rules and the data contract's other governed parameters, with their genesis values.

``data.grading`` maps each JR/T 0197-2020 level to what a grant at that level may allow and who must
approve it besides the owner (one member of each role listed):

    level 1  public        every operation, the owner alone approves
    level 2  internal      every operation, the owner alone approves
    level 3  key business  every operation (a plaintext copy goes only to the grantee named in a grant,
                           with a purpose); the registrar approves too
    level 4  key data      computation only, never a plaintext copy; the registrar approves too
    level 5  important     attested compute only (``attested_compute``: every use names a worker whose
                           attestation the ``attest`` contract holds valid at that block); the registrar
                           and the regulator approve too

A grant's level is the highest of the dataset's level and its columns' levels, a column's level being
the higher of its own and its personal-information class's (``data.pi_levels``: C1 -> 2, C2 -> 3,
C3 -> 4). Every grant names a purpose from ``data.purposes``.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.data.keys import OPERATIONS

GRADING = "data.grading"
PI_LEVELS = "data.pi_levels"
PURPOSES = "data.purposes"
MAX_GRANT_DAYS = "data.max_grant_days"
VOLUME_WINDOW_MS = "data.volume_window_ms"
VOLUME_ALERT_COUNT = "data.volume_alert_count"

_COMPUTE = [op for op in OPERATIONS if op != "plaintext_copy"]

DEFAULT_PARAMS: dict[str, Any] = {
    GRADING: {
        "1": {"operations": list(OPERATIONS), "approvers": []},
        "2": {"operations": list(OPERATIONS), "approvers": []},
        "3": {"operations": list(OPERATIONS), "approvers": ["registrar"]},
        "4": {"operations": _COMPUTE, "approvers": ["registrar"]},
        "5": {"operations": ["attested_compute"], "approvers": ["registrar", "regulator"]},
    },
    PI_LEVELS: {"C1": 2, "C2": 3, "C3": 4},
    PURPOSES: ["credit_modelling", "post_loan_monitoring", "supervision", "statistics", "risk_pricing"],
    MAX_GRANT_DAYS: 366,
    VOLUME_WINDOW_MS: 86_400_000,
    VOLUME_ALERT_COUNT: 20,
}
