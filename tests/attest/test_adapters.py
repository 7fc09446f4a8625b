"""The chip-facing adapters' file protocols, on directories laid out like Gramine's and the kernel's
(this machine has neither chip: nothing here is attested, the quote is the genuine sample's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from attest_helpers import PAIR_TIME, collateral, quote

from pledgenet.attest.compute import Worker
from pledgenet.crypto.attestation.adapters import GramineQuoteSource, TsmQuoteSource
from pledgenet.crypto.attestation.evidence import verify
from pledgenet.errors import ConfigError, EvidenceMalformed


def test_the_gramine_adapter_writes_the_report_data_and_reads_the_quote(tmp_path: Path) -> None:
    # Prepare: Gramine's /dev/attestation as a directory
    (tmp_path / "attestation_type").write_text("dcap\n")
    (tmp_path / "quote").write_bytes(quote("sgx_quote"))
    worker = Worker("stats-sgx", "registrar")

    # Execute
    evidence = worker.hardware_evidence(GramineQuoteSource(tmp_path), collateral("sgx_quote"))

    # Assert
    assert (tmp_path / "user_report_data").read_bytes() == worker.report_data()
    assert evidence["type"] == "sgx" and bytes.fromhex(evidence["quote"]) == quote("sgx_quote")
    assert verify(bytes.fromhex(evidence["quote"]), evidence["collateral"], PAIR_TIME).evidence_type == "sgx"


def test_the_gramine_adapter_refuses_a_non_dcap_enclave(tmp_path: Path) -> None:
    # Prepare
    (tmp_path / "attestation_type").write_text("none\n")

    # Execute / Assert
    with pytest.raises(ConfigError, match="not 'dcap'"):
        GramineQuoteSource(tmp_path).quote(bytes(64))


def test_the_tsm_adapter_outside_a_tdx_guest_says_so(tmp_path: Path) -> None:
    # Execute / Assert
    with pytest.raises(ConfigError, match="TDX guest with configfs-tsm"):
        TsmQuoteSource(tmp_path, entry="w1").quote(bytes(64))
    with pytest.raises(EvidenceMalformed):
        TsmQuoteSource(tmp_path).quote(b"short")
