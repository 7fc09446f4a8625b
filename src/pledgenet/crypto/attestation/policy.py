"""The alliance's attestation policy: governed parameters, their checks, and the judgement of evidence.

Governed parameters (changed only by ``gov.propose`` / ``gov.vote`` with ``set_param``; each value is
checked by ``check_param`` when proposed and again when the vote executes it):

    attest.policy               "production" (default: refuses the ``none`` evidence type) or "development"
    attest.evidence_types       hardware evidence types accepted: a subset of ["sgx", "tdx"]
    attest.tcb_statuses         TCB statuses accepted (default ["UpToDate"])
    attest.advisories           Intel advisories tolerated (default []: any advisory refuses)
    attest.measurements         the allow-list: entries named and typed, e.g.
                                {"name": "stats-v1", "type": "sgx", "mrenclave": hex, "mrsigner": hex,
                                 "min_isv_svn": 2}   (mrenclave and/or mrsigner; isv_prod_id optional)
                                {"name": "stats-td", "type": "tdx", "mrtd": hex,
                                 "rtmrs": [hex or null, x4]}   (null: that RTMR is not pinned)
    attest.registration_ttl_ms  how long a registration holds before it must be renewed

``judge`` is the same function at registration and at every later check, so a policy change (a
measurement removed, a status no longer accepted, ``development`` switched off) applies to every worker
already registered from the next transaction on: no sweep is needed and none can be forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pledgenet.crypto.attestation.evidence import NONE, SGX, TDX
from pledgenet.errors import GovernanceError, PolicyRefused

PRODUCTION = "production"
DEVELOPMENT = "development"
TCB_STATUSES = (
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "Revoked",
)
DEFAULT_PARAMS: dict[str, Any] = {
    "attest.policy": PRODUCTION,
    "attest.evidence_types": [SGX, TDX],
    "attest.tcb_statuses": ["UpToDate"],
    "attest.advisories": [],
    "attest.measurements": [],
    "attest.registration_ttl_ms": 24 * 3600 * 1000,
}
_HEX = re.compile(r"^[0-9a-f]+$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ADVISORY = re.compile(r"^INTEL-SA-[0-9]{5}$")
_MAX_ENTRIES = 256


def _bad(message: str) -> GovernanceError:
    return GovernanceError(message, code="bad_param")


def _hex(value: Any, size: int, what: str) -> str:
    if type(value) is not str or len(value) != 2 * size or not _HEX.match(value):
        raise _bad(f"{what} must be {size} bytes of lowercase hex")
    return value


def _string_list(value: Any, name: str, allowed: Callable[[str], bool]) -> list[str]:
    if type(value) is not list or len(value) > _MAX_ENTRIES or len(set(value)) != len(value):
        raise _bad(f"{name} must be a list of distinct values")
    for item in value:
        if type(item) is not str or not allowed(item):
            raise _bad(f"{name}: {item!r} is not allowed")
    return list(value)


def check_measurement_entry(entry: Any) -> None:
    """One allow-list entry (see the module docstring)."""
    if type(entry) is not dict or type(entry.get("name")) is not str or not _NAME.match(entry["name"]):
        raise _bad("a measurement entry needs a 'name' (lowercase letters, digits, '.', '_' or '-')")
    kind = entry.get("type")
    if kind == SGX:
        allowed_keys = {"name", "type", "mrenclave", "mrsigner", "min_isv_svn", "isv_prod_id"}
        if "mrenclave" not in entry and "mrsigner" not in entry:
            raise _bad(f"SGX entry {entry['name']!r} needs an mrenclave or an mrsigner")
        for field in ("mrenclave", "mrsigner"):
            if field in entry:
                _hex(entry[field], 32, f"{entry['name']}: {field}")
        for field in ("min_isv_svn", "isv_prod_id"):
            value = entry.get(field, 0)
            if type(value) is not int or not 0 <= value <= 0xFFFF:
                raise _bad(f"{entry['name']}: {field} must be an integer in 0..65535")
    elif kind == TDX:
        allowed_keys = {"name", "type", "mrtd", "rtmrs"}
        _hex(entry.get("mrtd"), 48, f"{entry['name']}: mrtd")
        rtmrs = entry.get("rtmrs", [None] * 4)
        if type(rtmrs) is not list or len(rtmrs) != 4:
            raise _bad(f"{entry['name']}: rtmrs must list RTMR0..3 (hex or null)")
        for index, value in enumerate(rtmrs):
            if value is not None:
                _hex(value, 48, f"{entry['name']}: rtmr{index}")
    else:
        raise _bad(f"measurement entry {entry['name']!r}: type must be 'sgx' or 'tdx'")
    extra = sorted(set(entry) - allowed_keys)
    if extra:
        raise _bad(f"measurement entry {entry['name']!r} has unknown fields {extra}")


def check_param(name: str, value: Any) -> None:
    """Raise ``GovernanceError`` (code ``bad_param``) unless ``value`` suits attest parameter ``name``."""
    if name == "attest.policy":
        if value not in (PRODUCTION, DEVELOPMENT):
            raise _bad(f"attest.policy must be {PRODUCTION!r} or {DEVELOPMENT!r}")
    elif name == "attest.evidence_types":
        _string_list(value, name, lambda item: item in (SGX, TDX))
    elif name == "attest.tcb_statuses":
        _string_list(value, name, lambda item: item in TCB_STATUSES)
    elif name == "attest.advisories":
        _string_list(value, name, lambda item: bool(_ADVISORY.match(item)))
    elif name == "attest.measurements":
        if type(value) is not list or len(value) > _MAX_ENTRIES:
            raise _bad(f"attest.measurements must be a list of at most {_MAX_ENTRIES} entries")
        for entry in value:
            check_measurement_entry(entry)
        if len({entry["name"] for entry in value}) != len(value):
            raise _bad("attest.measurements: entry names must be distinct")
    elif name == "attest.registration_ttl_ms" and (
        type(value) is not int or not 60_000 <= value <= 366 * 24 * 3600 * 1000
    ):
        raise _bad("attest.registration_ttl_ms must be an integer from one minute to a year")


@dataclass(frozen=True)
class Policy:
    mode: str
    evidence_types: tuple[str, ...]
    tcb_statuses: tuple[str, ...]
    advisories: tuple[str, ...]
    measurements: tuple[dict[str, Any], ...]
    registration_ttl_ms: int

    @classmethod
    def from_params(cls, param: Callable[[str], Any]) -> Policy:
        """The policy as governance has it now (``param`` reads a governed parameter)."""
        return cls(
            mode=str(param("attest.policy")),
            evidence_types=tuple(param("attest.evidence_types")),
            tcb_statuses=tuple(param("attest.tcb_statuses")),
            advisories=tuple(param("attest.advisories")),
            measurements=tuple(dict(entry) for entry in param("attest.measurements")),
            registration_ttl_ms=int(param("attest.registration_ttl_ms")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.mode,
            "evidence_types": list(self.evidence_types),
            "tcb_statuses": list(self.tcb_statuses),
            "advisories": list(self.advisories),
            "measurements": [dict(entry) for entry in self.measurements],
            "registration_ttl_ms": self.registration_ttl_ms,
        }


def _matches(entry: Mapping[str, Any], measurement: Mapping[str, Any]) -> bool:
    if entry["type"] != measurement.get("type"):
        return False
    if entry["type"] == SGX:
        return (
            entry.get("mrenclave", measurement["mrenclave"]) == measurement["mrenclave"]
            and entry.get("mrsigner", measurement["mrsigner"]) == measurement["mrsigner"]
            and entry.get("isv_prod_id", measurement["isv_prod_id"]) == measurement["isv_prod_id"]
            and measurement["isv_svn"] >= entry.get("min_isv_svn", 0)
        )
    pinned = entry.get("rtmrs", [None] * 4)
    return bool(entry["mrtd"] == measurement["mrtd"]) and all(
        want is None or want == got for want, got in zip(pinned, measurement["rtmrs"], strict=True)
    )


def allowed_measurement(policy: Policy, measurement: Mapping[str, Any]) -> str | None:
    """The name of the first allow-list entry that admits ``measurement``, or None."""
    for entry in policy.measurements:
        if _matches(entry, measurement):
            return str(entry["name"])
    return None


def judge(policy: Policy, evidence: Mapping[str, Any]) -> str | None:
    """Raise ``PolicyRefused`` (with a specific code) unless ``evidence`` is within ``policy``.

    ``evidence`` has the fields of ``VerifiedEvidence.as_dict``. Returns the name of the measurement entry
    that admits it (None for ``none`` evidence, which has no measurement).
    """
    kind = evidence["evidence_type"]
    if kind == NONE:
        if policy.mode != DEVELOPMENT:
            raise PolicyRefused(
                "evidence type 'none' (not attested) is accepted only under the development policy",
                code="development_only",
            )
        return None
    if kind not in policy.evidence_types:
        raise PolicyRefused(f"evidence type {kind!r} is not allowed", code="evidence_type_not_allowed")
    if evidence["tcb_status"] not in policy.tcb_statuses:
        raise PolicyRefused(
            f"TCB status {evidence['tcb_status']} is not accepted (accepted: {list(policy.tcb_statuses)})",
            code="tcb_status_not_accepted",
        )
    refused = sorted(set(evidence["advisories"]) - set(policy.advisories))
    if refused:
        raise PolicyRefused(f"advisories not accepted: {', '.join(refused)}", code="advisory_not_accepted")
    name = allowed_measurement(policy, evidence["measurement"])
    if name is None:
        raise PolicyRefused(
            "the measurement is not on the alliance's allow-list", code="measurement_not_allowed"
        )
    return name
