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

A vote may change them (``gov.propose`` of a ``set_param``), within limits ``check_param`` enforces when
the change is proposed and again when it executes: every level has a rule, a level never allows more than
the level below it, and level 4 and above never allow a plaintext copy.
"""

from __future__ import annotations

import re
from typing import Any

from pledgenet.contracts.data.keys import LEVELS, OPERATIONS
from pledgenet.crypto.identity import MEMBER_ROLES
from pledgenet.errors import GovernanceError

GRADING = "data.grading"
PI_LEVELS = "data.pi_levels"
PURPOSES = "data.purposes"
MAX_GRANT_DAYS = "data.max_grant_days"
VOLUME_WINDOW_MS = "data.volume_window_ms"
VOLUME_ALERT_COUNT = "data.volume_alert_count"

_COMPUTE = [op for op in OPERATIONS if op != "plaintext_copy"]

_PURPOSE = re.compile(r"^[a-z0-9_]{1,64}$")

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


def _fail(message: str) -> GovernanceError:
    return GovernanceError(message, code="bad_param")


def _check_grading(value: Any) -> None:
    if type(value) is not dict or sorted(value) != [str(level) for level in LEVELS]:
        raise _fail(f"{GRADING} maps each level '1' to '5' to its rule")
    allowed_below: set[str] = set(OPERATIONS)
    for level in LEVELS:
        rule = value[str(level)]
        if type(rule) is not dict or set(rule) != {"operations", "approvers"}:
            raise _fail(f"{GRADING} level {level}: a rule has 'operations' and 'approvers'")
        operations, approvers = rule["operations"], rule["approvers"]
        if type(operations) is not list or not set(operations) <= set(OPERATIONS):
            raise _fail(f"{GRADING} level {level}: operations must be among {', '.join(OPERATIONS)}")
        if type(approvers) is not list or not set(approvers) <= MEMBER_ROLES - {"governing"}:
            raise _fail(f"{GRADING} level {level}: approvers are member roles")
        if level >= 4 and "plaintext_copy" in operations:
            raise _fail(f"level {level} data never leaves its owner in plaintext (JR/T 0197-2020)")
        if not set(operations) <= allowed_below:
            raise _fail(f"{GRADING} level {level} may not allow more than level {level - 1}")
        allowed_below = set(operations)


def check_param(name: str, value: Any) -> None:
    """Raise ``GovernanceError`` (``bad_param``) unless ``value`` is a valid value of parameter ``name``;
    governance runs it when a change is proposed and again when it executes."""
    if name == GRADING:
        _check_grading(value)
    elif name == PI_LEVELS:
        if type(value) is not dict or sorted(value) != ["C1", "C2", "C3"]:
            raise _fail(f"{PI_LEVELS} maps C1, C2 and C3 to levels")
        levels = [value[name] for name in ("C1", "C2", "C3")]
        if any(type(level) is not int or level not in LEVELS for level in levels) or levels != sorted(levels):
            raise _fail(f"{PI_LEVELS}: levels 1 to 5, never lower for a more sensitive class")
    elif name == PURPOSES:
        if type(value) is not list or not value or len(set(value)) != len(value):
            raise _fail(f"{PURPOSES} is a non-empty list of distinct purposes")
        if any(type(item) is not str or not _PURPOSE.match(item) for item in value):
            raise _fail(f"{PURPOSES}: a purpose is 1-64 lowercase letters, digits or '_'")
    elif name in (MAX_GRANT_DAYS, VOLUME_WINDOW_MS, VOLUME_ALERT_COUNT) and (
        type(value) is not int or value < 1
    ):
        raise _fail(f"{name} must be a positive integer")
