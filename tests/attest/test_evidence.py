"""Verifying genuine SGX and TDX quotes: the statuses dcap-qvl 0.7.0 gives, every tampered range refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dcap_qvl
import pytest
from attest_helpers import DATA, OUTDATED_TIME, SGX_TIME, TDX_TIME, collateral, quote

from pledgenet.crypto.attestation.evidence import verify
from pledgenet.crypto.attestation.layout import parse_layout
from pledgenet.errors import AttestationError, CollateralExpired, EvidenceMalformed, EvidenceRefused

Mangle = Callable[[bytes, dict[str, str]], tuple[bytes, Any]]
REGIONS = ("header", "report_body", "signature", "certification_data", "padding")


def test_the_genuine_sgx_quote_verifies_with_its_published_status() -> None:
    # Execute
    verified = verify(quote("sgx_quote"), collateral("sgx_quote"), SGX_TIME)

    # Assert
    assert verified.evidence_type == "sgx" and verified.quote_version == 3
    assert verified.tcb_status == "ConfigurationAndSWHardeningNeeded"
    assert verified.advisories == ("INTEL-SA-00289", "INTEL-SA-00615")
    assert verified.measurement["mrenclave"].startswith("33d8736db756ed49")
    assert verified.measurement["mrsigner"].startswith("815f42f11cf64430")
    assert verified.measurement["isv_svn"] == 0
    assert bytes.fromhex(verified.report_data).startswith(b"Hello, world!")
    assert verified.label == "attested (sgx)"


def test_the_genuine_tdx_quote_verifies_up_to_date_with_its_measurements() -> None:
    # Execute
    verified = verify(quote("tdx_quote"), collateral("tdx_quote"), TDX_TIME)

    # Assert
    assert verified.evidence_type == "tdx" and verified.quote_version == 4
    assert (verified.tcb_status, verified.advisories) == ("UpToDate", ())
    assert verified.measurement["mrtd"].startswith("91eb2b44d141d4ec")
    assert len(verified.measurement["rtmrs"]) == 4
    assert verified.measurement["rtmrs"][3] == "00" * 48


def test_an_out_of_date_tdx_platform_is_refused_with_dcap_qvls_reason() -> None:
    # Execute / Assert
    with pytest.raises(EvidenceRefused, match="No matching TCB level found"):
        verify(quote("tdx_quote_outdated"), collateral("tdx_quote_outdated"), OUTDATED_TIME)


@pytest.mark.parametrize(("name", "at_time"), [("sgx_quote", SGX_TIME), ("tdx_quote", TDX_TIME)])
def test_collateral_past_its_next_update_is_refused(name: str, at_time: int) -> None:
    # Prepare
    verified = verify(quote(name), collateral(name), at_time)
    assert verified.valid_until is not None

    # Execute / Assert: one second before the next update verifies; at it, refused
    verify(quote(name), collateral(name), verified.valid_until - 1)
    with pytest.raises(CollateralExpired, match="expired at its next update"):
        verify(quote(name), collateral(name), verified.valid_until)
    with pytest.raises(CollateralExpired, match="not valid before"):
        verify(quote(name), collateral(name), at_time - 30 * 86400)


def test_verification_is_a_function_of_its_inputs_only() -> None:
    # Execute: the same inputs, twice; a different time inside the window
    first = verify(quote("sgx_quote"), collateral("sgx_quote"), SGX_TIME)
    again = verify(quote("sgx_quote"), collateral("sgx_quote"), SGX_TIME)
    later = verify(quote("sgx_quote"), collateral("sgx_quote"), SGX_TIME + 86400)

    # Assert
    assert first == again
    assert first.as_dict() | {"verified_at": 0} == later.as_dict() | {"verified_at": 0}


@pytest.mark.parametrize(("name", "at_time"), [("sgx_quote", SGX_TIME), ("tdx_quote", TDX_TIME)])
def test_every_tampered_byte_range_is_refused(name: str, at_time: int) -> None:
    # Prepare: 24 positions spread over each region (its first and last byte included)
    genuine = quote(name)
    layout = parse_layout(genuine)
    tried: dict[str, int] = {}

    for region in REGIONS:
        start, end = layout.regions[region]
        positions = sorted(
            {start, end - 1, *range(start, end, max(1, (end - start) // 22))} & set(range(start, end))
        )
        for position in positions:
            tampered = bytearray(genuine)
            tampered[position] ^= 0x01

            # Execute / Assert
            with pytest.raises(AttestationError):
                verify(bytes(tampered), collateral(name), at_time)
        tried[region] = len(positions)

    # Assert: every region was exercised (the SGX quote has no padding, the TDX one 70 bytes of it)
    assert all(tried[region] >= 20 for region in REGIONS if region != "padding" or name == "tdx_quote")


def test_unsigned_bytes_dcap_qvl_alone_lets_through_are_refused() -> None:
    # Prepare: a newline of the PEM chain, the signature-data length and a trailing NUL of the TDX quote
    genuine = quote("tdx_quote")
    layout = parse_layout(genuine)
    chain_start = genuine.index(b"-----BEGIN CERTIFICATE-----")
    cases = {
        "pem newline": genuine.index(b"\n", chain_start + 30),
        "signature length": layout.regions["signature"][0],
        "padding": layout.regions["padding"][0] + 5,
    }
    for what, position in cases.items():
        tampered = bytearray(genuine)
        tampered[position] ^= 0x01
        # dcap-qvl alone accepts it (no signature covers these bytes) ...
        dcap_qvl.verify(bytes(tampered), dcap_qvl.QuoteCollateralV3.from_json(_json("tdx_quote")), TDX_TIME)

        # Execute / Assert: ... pledgenet does not
        with pytest.raises(EvidenceMalformed, match=r"quote|chain|signature"):
            verify(bytes(tampered), collateral("tdx_quote"), TDX_TIME)
        assert what in cases


def test_the_root_certificate_a_quote_carries_must_be_intels() -> None:
    # Prepare: change one byte inside the last (root) certificate of the SGX quote's chain
    genuine = quote("sgx_quote")
    root_start = genuine.rindex(b"-----BEGIN CERTIFICATE-----")
    tampered = bytearray(genuine)
    tampered[root_start + 500] = ord("A") if tampered[root_start + 500] != ord("A") else ord("B")

    # Execute / Assert
    with pytest.raises(EvidenceMalformed):
        verify(bytes(tampered), collateral("sgx_quote"), SGX_TIME)


@pytest.mark.parametrize(
    ("mangle", "error"),
    [
        (lambda q, c: (q[:40], c), EvidenceMalformed),
        (lambda q, c: (q, {**c, "tcb_info": "{"}), EvidenceMalformed),
        (lambda q, c: (q, {k: v for k, v in c.items() if k != "pck_crl"}), EvidenceMalformed),
        (lambda q, c: (q, "not json"), EvidenceMalformed),
        (lambda q, c: (q, collateral("tdx_quote")), AttestationError),
    ],
    ids=[
        "truncated quote",
        "bad tcb info",
        "missing crl",
        "collateral not json",
        "someone else's collateral",
    ],
)
def test_malformed_evidence_gets_a_clear_error(mangle: Mangle, error: type[Exception]) -> None:
    # Prepare
    bad_quote, bad_collateral = mangle(quote("sgx_quote"), collateral("sgx_quote"))

    # Execute / Assert
    with pytest.raises(error):
        verify(bad_quote, bad_collateral, SGX_TIME)


def _json(name: str) -> str:
    return (DATA / f"{name}_collateral.json").read_text()
