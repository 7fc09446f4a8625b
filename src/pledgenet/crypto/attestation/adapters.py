"""The chip-facing adapters: how a worker inside an SGX enclave or a TDX guest obtains its quote.

Both put the worker's 64 bytes of report data (``Worker.report_data``: its X25519 public key, then 32 bytes
of its own) into the hardware report and return the quote the platform's quoting enclave signs. Neither
fetches collateral: the operator's node gets it from its PCCS (``dcap_qvl.get_collateral(pccs_url,
quote)``, or Intel's PCS) and carries it in the registration; peers never go to the network.

- ``GramineQuoteSource`` (SGX, under Gramine with ``sgx.remote_attestation = "dcap"``): Gramine's
  pseudo-filesystem ``/dev/attestation``: write ``user_report_data`` (64 bytes), read ``quote``.
- ``TsmQuoteSource`` (TDX, Linux 6.7+ guests): the kernel's configfs-tsm report interface
  ``/sys/kernel/config/tsm/report``: ``mkdir`` an entry, write ``inblob`` (64 bytes), read ``outblob``
  (the quote) and ``provider`` (``tdx_guest``), check ``generation`` counted exactly our one write (another
  writer in between would have changed it), ``rmdir`` the entry.

This machine has neither; the tests drive the file protocols on a directory laid out like the real one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from pledgenet.crypto.attestation.evidence import REPORT_DATA_BYTES, SGX, TDX
from pledgenet.errors import ConfigError, EvidenceMalformed

GRAMINE_ROOT = Path("/dev/attestation")
TSM_ROOT = Path("/sys/kernel/config/tsm/report")


class QuoteSource(Protocol):
    evidence_type: str

    def quote(self, report_data: bytes) -> bytes: ...


def _check_report_data(report_data: bytes) -> None:
    if not isinstance(report_data, bytes) or len(report_data) != REPORT_DATA_BYTES:
        raise EvidenceMalformed(f"report data is {REPORT_DATA_BYTES} bytes")


def _read(path: Path, hint: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {path} ({error.strerror}): {hint}") from None


class GramineQuoteSource:
    """SGX quotes through Gramine's ``/dev/attestation`` (DCAP)."""

    evidence_type = SGX

    def __init__(self, root: Path = GRAMINE_ROOT) -> None:
        self.root = root

    def quote(self, report_data: bytes) -> bytes:
        _check_report_data(report_data)
        hint = "is this worker running under Gramine with sgx.remote_attestation = 'dcap'?"
        kind = _read(self.root / "attestation_type", hint).strip()
        if kind != b"dcap":
            raise ConfigError(f"Gramine's attestation type is {kind.decode(errors='replace')!r}, not 'dcap'")
        try:
            (self.root / "user_report_data").write_bytes(report_data)
        except OSError as error:
            raise ConfigError(f"cannot write {self.root / 'user_report_data'}: {error.strerror}") from None
        return _read(self.root / "quote", hint)


class TsmQuoteSource:
    """TDX quotes through the kernel's configfs-tsm report interface."""

    evidence_type = TDX

    def __init__(self, root: Path = TSM_ROOT, entry: str | None = None) -> None:
        self.root = root
        self.entry = entry or f"pledgenet-{os.getpid()}"

    def quote(self, report_data: bytes) -> bytes:
        _check_report_data(report_data)
        hint = "is this a TDX guest with configfs-tsm (Linux 6.7+) mounted at /sys/kernel/config?"
        entry = self.root / self.entry
        try:
            entry.mkdir()
        except OSError as error:
            raise ConfigError(f"cannot create the report entry {entry} ({error.strerror}): {hint}") from None
        try:
            before = int(_read(entry / "generation", hint).strip() or b"0")
            (entry / "inblob").write_bytes(report_data)
            quote = _read(entry / "outblob", hint)
            provider = _read(entry / "provider", hint).strip()
            after = int(_read(entry / "generation", hint).strip() or b"0")
        except OSError as error:
            raise ConfigError(f"the report entry {entry} failed ({error.strerror}): {hint}") from None
        finally:
            with contextlib.suppress(
                OSError
            ):  # a real configfs entry goes with rmdir; a leftover is harmless
                entry.rmdir()
        if after != before + 1:
            raise ConfigError(
                f"another writer used {entry} meanwhile (generation {before} -> {after}); retry"
            )
        if provider != b"tdx_guest":
            raise ConfigError(f"the TSM provider is {provider.decode(errors='replace')!r}, not 'tdx_guest'")
        return quote
