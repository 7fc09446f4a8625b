"""Evidence of trusted execution and its deterministic verification.

Three evidence types:

- ``sgx``: an Intel SGX ECDSA (DCAP) quote, v3 (or v4/v5); its measurement is the enclave's MRENCLAVE,
  MRSIGNER, ISV product id and ISV SVN;
- ``tdx``: an Intel TDX quote, v4 or v5; its measurement is MRTD and RTMR0..3 (with MRSEAM, the TDX
  module's);
- ``none``: no hardware at all, for development. It verifies nothing, is labelled ``not attested``
  everywhere, and the alliance's default policy refuses it.

``verify(quote, collateral, at_time)`` is a pure function of its three inputs: the quote's bytes, the
collateral (Intel's TCB info, QE identity, CRLs and issuer chains, as the JSON object ``dcap-qvl``
reads) and the time (Unix seconds) at which it is to hold, which on chain is the block time. It checks,
in this order:

1. the quote's byte layout (``layout.parse_layout``: one canonical form, nothing unsigned left loose);
2. the collateral's window: ``at_time`` must lie in every ``issueDate .. nextUpdate`` of its TCB info and
   QE identity, every ``thisUpdate .. nextUpdate`` of its CRLs and the validity of every certificate of
   the issuer chains and the quote's PCK chain (``CollateralExpired`` otherwise);
3. ``dcap_qvl.verify(quote, collateral, at_time)``: the PCK chain up to Intel's root, the CRLs, the QE
   report and identity, the quote's ECDSA signature, and the platform's TCB level, giving the TCB status
   and Intel's advisories (``EvidenceRefused`` with its reason otherwise).

``dcap_qvl.verify`` takes the time as an argument and reads no clock (its ``get_collateral_and_verify``
does, and is never used here), so every peer that runs this with the same three inputs gets the same
result. What the result is *allowed* to be (statuses, advisories, measurements) is the alliance's policy,
checked by ``pledgenet.crypto.attestation.policy``, not here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dcap_qvl
from cryptography import x509

from pledgenet.crypto.attestation.layout import check_pem_chain, parse_layout
from pledgenet.encoding import canonical, sha256_hex
from pledgenet.errors import CollateralExpired, EvidenceMalformed, EvidenceRefused

SGX = "sgx"
TDX = "tdx"
NONE = "none"
EVIDENCE_TYPES = (SGX, TDX, NONE)
NOT_ATTESTED = "not attested"
REPORT_DATA_BYTES = 64
COLLATERAL_FIELDS = (
    "pck_crl_issuer_chain",
    "root_ca_crl",
    "pck_crl",
    "tcb_info_issuer_chain",
    "tcb_info",
    "tcb_info_signature",
    "qe_identity_issuer_chain",
    "qe_identity",
    "qe_identity_signature",
)


@dataclass(frozen=True)
class VerifiedEvidence:
    """What a verified piece of evidence says. For ``none`` only the report data is meaningful."""

    evidence_type: str
    tcb_status: str
    advisories: tuple[str, ...]
    measurement: dict[str, Any]
    report_data: str
    verified_at: int
    #: Unix seconds at which the collateral's earliest ``nextUpdate`` falls (None for ``none``)
    valid_until: int | None = None
    quote_version: int | None = None
    quote_hash: str | None = None
    collateral_hash: str | None = None
    qe_status: dict[str, Any] = field(default_factory=dict)

    @property
    def attested(self) -> bool:
        return self.evidence_type != NONE

    @property
    def label(self) -> str:
        return f"attested ({self.evidence_type})" if self.attested else NOT_ATTESTED

    def as_dict(self) -> dict[str, Any]:
        return {
            "evidence_type": self.evidence_type,
            "label": self.label,
            "tcb_status": self.tcb_status,
            "advisories": list(self.advisories),
            "measurement": dict(self.measurement),
            "report_data": self.report_data,
            "verified_at": self.verified_at,
            "valid_until": self.valid_until,
            "quote_version": self.quote_version,
            "quote_hash": self.quote_hash,
            "collateral_hash": self.collateral_hash,
            "qe_status": dict(self.qe_status),
        }


def _at_time(at_time: Any) -> int:
    if type(at_time) is not int or at_time < 0:
        raise EvidenceMalformed("the verification time must be a non-negative integer of Unix seconds")
    return at_time


def load_collateral(collateral: Any) -> dict[str, str]:
    """The collateral as a JSON object of its nine string fields (from text, bytes or a mapping)."""
    if isinstance(collateral, str | bytes):
        try:
            collateral = json.loads(collateral)
        except (ValueError, UnicodeDecodeError):
            raise EvidenceMalformed("the collateral is not JSON") from None
    if not isinstance(collateral, Mapping):
        raise EvidenceMalformed("the collateral must be a JSON object")
    missing = [name for name in COLLATERAL_FIELDS if type(collateral.get(name)) is not str]
    extra = sorted(set(collateral) - set(COLLATERAL_FIELDS))
    if missing or extra:
        raise EvidenceMalformed(f"the collateral's fields are wrong: missing {missing}, unexpected {extra}")
    return {name: collateral[name] for name in COLLATERAL_FIELDS}


def collateral_hash(collateral: Mapping[str, str]) -> str:
    """SHA-256 of the collateral's canonical JSON: the form committed on chain."""
    return sha256_hex(canonical(dict(collateral)))


def _unix(stamp: Any, what: str) -> int:
    if type(stamp) is not str:
        raise EvidenceMalformed(f"the collateral's {what} is missing")
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise EvidenceMalformed(f"the collateral's {what} {stamp!r} is not an ISO time") from None
    if moment.tzinfo is None:
        raise EvidenceMalformed(f"the collateral's {what} {stamp!r} has no time zone")
    return int(moment.timestamp())


def collateral_window(collateral: Mapping[str, str]) -> tuple[int, int]:
    """``(latest start, earliest end)`` of the collateral's validity, Unix seconds: the TCB info's and QE
    identity's issueDate..nextUpdate, both CRLs' thisUpdate..nextUpdate, the issuer chains' certificates."""
    starts, ends = [], []
    for name in ("tcb_info", "qe_identity"):
        try:
            body = json.loads(collateral[name])
        except ValueError:
            raise EvidenceMalformed(f"the collateral's {name} is not JSON") from None
        if not isinstance(body, dict):
            raise EvidenceMalformed(f"the collateral's {name} is not a JSON object")
        starts.append(_unix(body.get("issueDate"), f"{name} issueDate"))
        ends.append(_unix(body.get("nextUpdate"), f"{name} nextUpdate"))
    for name in ("root_ca_crl", "pck_crl"):
        try:
            crl = x509.load_der_x509_crl(bytes.fromhex(collateral[name]))
        except ValueError:
            raise EvidenceMalformed(f"the collateral's {name} is not a DER CRL in hex") from None
        if crl.next_update_utc is None:
            raise EvidenceMalformed(f"the collateral's {name} has no nextUpdate")
        starts.append(int(crl.last_update_utc.timestamp()))
        ends.append(int(crl.next_update_utc.timestamp()))
    for name in ("pck_crl_issuer_chain", "tcb_info_issuer_chain", "qe_identity_issuer_chain"):
        start, end = check_pem_chain(collateral[name].encode(), f"collateral's {name}")
        starts.append(start)
        ends.append(end)
    return max(starts), min(ends)


def _measurement(report: Mapping[str, Any]) -> tuple[str, dict[str, Any], str]:
    """``(evidence type, measurement, report data hex)`` of dcap-qvl's verified report body."""
    if "SgxEnclave" in report:
        body = report["SgxEnclave"]
        measurement = {
            "type": SGX,
            "mrenclave": body["mr_enclave"],
            "mrsigner": body["mr_signer"],
            "isv_prod_id": int(body["isv_prod_id"]),
            "isv_svn": int(body["isv_svn"]),
        }
        return SGX, measurement, str(body["report_data"])
    for kind in ("TD10", "TD15"):
        if kind in report:
            body = report[kind]
            measurement = {
                "type": TDX,
                "mrtd": body["mr_td"],
                "rtmrs": [body["rt_mr0"], body["rt_mr1"], body["rt_mr2"], body["rt_mr3"]],
                "mrseam": body["mr_seam"],
            }
            return TDX, measurement, str(body["report_data"])
    raise EvidenceRefused(f"the verified report is of an unknown kind: {sorted(report)}")


def verify(quote: bytes, collateral: Mapping[str, Any] | str | bytes, at_time: int) -> VerifiedEvidence:
    """Verify an SGX or TDX quote against its collateral as at ``at_time`` (Unix seconds)."""
    now = _at_time(at_time)
    layout = parse_layout(quote)
    fields = load_collateral(collateral)
    issued, next_update = collateral_window(fields)
    issued = max(issued, layout.chain_window[0])
    next_update = min(next_update, layout.chain_window[1])
    if now < issued:
        raise CollateralExpired(f"the collateral is not valid before {issued} (Unix time); asked for {now}")
    if now >= next_update:
        raise CollateralExpired(
            f"the collateral expired at its next update, {next_update} (Unix time); asked for {now}"
        )
    try:
        parsed = dcap_qvl.QuoteCollateralV3.from_json(json.dumps(fields))
    except ValueError as error:
        raise EvidenceMalformed(f"the collateral does not load: {error}") from None
    try:
        report = json.loads(dcap_qvl.verify(bytes(quote), parsed, now).to_json())
    except ValueError as error:
        reason = str(error).replace("Verification failed: ", "").split("\n")[0]
        if "expired" in reason.lower():
            raise CollateralExpired(f"the collateral does not cover {now}: {reason}") from None
        raise EvidenceRefused(f"the quote does not verify: {reason}") from None
    evidence_type, measurement, report_data = _measurement(report["report"])
    if evidence_type != layout.tee:
        raise EvidenceRefused(f"the quote's header says {layout.tee}, its body {evidence_type}")
    return VerifiedEvidence(
        evidence_type=evidence_type,
        tcb_status=str(report["status"]),
        advisories=tuple(sorted(str(advisory) for advisory in report["advisory_ids"])),
        measurement=measurement,
        report_data=report_data,
        verified_at=now,
        valid_until=next_update,
        quote_version=layout.version,
        quote_hash=sha256_hex(bytes(quote[: layout.signed_end])),
        collateral_hash=collateral_hash(fields),
        qe_status=dict(report.get("qe_status") or {}),
    )


def none_evidence(report_data: bytes, at_time: int) -> VerifiedEvidence:
    """The ``none`` evidence type: nothing is verified; only what it claims to bind is recorded."""
    now = _at_time(at_time)
    if not isinstance(report_data, bytes) or len(report_data) != REPORT_DATA_BYTES:
        raise EvidenceMalformed(f"report data is {REPORT_DATA_BYTES} bytes")
    return VerifiedEvidence(
        evidence_type=NONE,
        tcb_status=NOT_ATTESTED,
        advisories=(),
        measurement={"type": NONE},
        report_data=report_data.hex(),
        verified_at=now,
    )
