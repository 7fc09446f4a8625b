"""The byte layout of an Intel DCAP quote, checked strictly before the signatures are.

``dcap-qvl`` verifies every signed byte of a quote (header, report body, QE report, the PCK chain's
signatures), but as a parser it is lenient about the bytes no signature covers: measured on the genuine
samples in ``data/attestation/``, 0.7.0 still accepts a quote with 872 of 4,600 (SGX) and 946 of 5,006
(TDX) single bytes changed: the signature-data length, the certification-data type, the whitespace of the
PEM chain, bytes appended after the quote. Those changes do not forge anything, but a quote committed on
chain by its hash must have one form only, so pledgenet refuses any quote that is not laid out exactly:

    header (48)  report body (SGX 384; TD 1.0 584; v5: type, size, body)  signature-data length (4)
    signature data:  ECDSA signature (64)  attestation key (64)
                     [v4/v5: certification-data type 6 (QE report), size]
                     QE report (384)  QE report signature (64)  QE auth data (2 + n)
                     certification-data type 5 (PCK chain), size, the chain in canonical PEM (+ one NUL)
    padding: only zero bytes (Intel's quote buffers are zero-padded; the TDX sample has 70 of them)

Every nested size must end exactly where its container ends. ``regions`` names the byte ranges (header,
report_body, signature, certification_data, padding) so tests and error messages can point at them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from pledgenet.errors import EvidenceMalformed

HEADER_BYTES = 48
SGX_REPORT_BYTES = 384
TD10_REPORT_BYTES = 584
TD15_REPORT_BYTES = 648
_V5_BODIES = {1: SGX_REPORT_BYTES, 2: TD10_REPORT_BYTES, 3: TD15_REPORT_BYTES}
_SIGNATURE_AND_KEY = 64 + 64
_QE_REPORT_AND_SIGNATURE = 384 + 64
CERT_QE_REPORT = 6
CERT_PCK_CHAIN = 5
#: SHA-256 of Intel's SGX Root CA certificate (DER), the root of every PCK chain, TCB info and QE identity.
#: ``dcap-qvl`` trusts its own copy and never reads the root a quote carries, so we pin that one here.
INTEL_SGX_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
ECDSA_P256 = 2
TEE_SGX = 0x00000000
TEE_TDX = 0x00000081


@dataclass(frozen=True)
class QuoteLayout:
    """Where each part of a quote lies: ``regions`` maps a name to its ``(start, end)`` byte range."""

    version: int
    tee: str
    regions: dict[str, tuple[int, int]]
    #: ``(latest notBefore, earliest notAfter)`` of the PCK chain, Unix seconds
    chain_window: tuple[int, int]

    @property
    def signed_end(self) -> int:
        """Where the quote proper ends (its zero padding excluded): the quote's hash covers up to here."""
        return self.regions["padding"][0]


def _unpack(fmt: str, quote: bytes, offset: int, what: str) -> tuple[int, ...]:
    try:
        return struct.unpack_from(fmt, quote, offset)
    except struct.error:
        raise EvidenceMalformed(f"the quote ends inside its {what} (offset {offset})") from None


def _report_body(quote: bytes, version: int, tee: str) -> int:
    """The offset where the report body ends."""
    if version == 5:
        body_type, body_size = _unpack("<HI", quote, HEADER_BYTES, "report body header")
        expected = _V5_BODIES.get(body_type)
        if expected is None or expected != body_size or (tee == "sgx") != (body_type == 1):
            raise EvidenceMalformed(f"v5 report body type {body_type} / size {body_size} is unknown")
        return HEADER_BYTES + 6 + body_size
    return HEADER_BYTES + (SGX_REPORT_BYTES if tee == "sgx" else TD10_REPORT_BYTES)


def check_pem_chain(chain: bytes, what: str) -> tuple[int, int]:
    """A chain must be canonical PEM certificates (optionally ended by one NUL) ending at Intel's root."""
    text = chain[:-1] if chain.endswith(b"\x00") else chain
    try:
        certificates = x509.load_pem_x509_certificates(text)
    except ValueError:
        raise EvidenceMalformed(f"the {what} is not PEM") from None
    canonical = b"".join(certificate.public_bytes(Encoding.PEM) for certificate in certificates)
    if canonical != text:
        raise EvidenceMalformed(f"the {what} is not in canonical PEM form")
    if certificates[-1].fingerprint(hashes.SHA256()).hex() != INTEL_SGX_ROOT_CA_SHA256:
        raise EvidenceMalformed(f"the {what} does not end at Intel's SGX Root CA")
    return certificates_window(certificates)


def certificates_window(certificates: list[x509.Certificate]) -> tuple[int, int]:
    """``(latest notBefore, earliest notAfter)`` of ``certificates``, in Unix seconds."""
    return (
        max(int(certificate.not_valid_before_utc.timestamp()) for certificate in certificates),
        min(int(certificate.not_valid_after_utc.timestamp()) for certificate in certificates),
    )


def parse_layout(quote: bytes) -> QuoteLayout:
    """Check the quote's layout; raise ``EvidenceMalformed`` naming the first part that is off."""
    if not isinstance(quote, bytes | bytearray):
        raise EvidenceMalformed("a quote is bytes")
    quote = bytes(quote)
    version, key_type, tee_type = _unpack("<HHI", quote, 0, "header")
    if len(quote) < HEADER_BYTES:
        raise EvidenceMalformed(f"a quote is at least {HEADER_BYTES} bytes; this one is {len(quote)}")
    if version not in (3, 4, 5):
        raise EvidenceMalformed(f"quote version {version} is not supported (3, 4 and 5 are)")
    if key_type != ECDSA_P256:
        raise EvidenceMalformed(f"attestation key type {key_type} is not ECDSA P-256")
    if tee_type not in (TEE_SGX, TEE_TDX) or (version == 3 and tee_type != TEE_SGX):
        raise EvidenceMalformed(f"TEE type {tee_type:#x} is not SGX or TDX (or not in a v{version} quote)")
    tee = "sgx" if tee_type == TEE_SGX else "tdx"
    body_end = _report_body(quote, version, tee)
    (signature_size,) = _unpack("<I", quote, body_end, "signature-data length")
    signature_start = body_end + 4
    signature_end = signature_start + signature_size
    if signature_end > len(quote):
        raise EvidenceMalformed("the signature data runs past the end of the quote")
    position = signature_start + _SIGNATURE_AND_KEY
    if version >= 4:
        outer_type, outer_size = _unpack("<HI", quote, position, "certification data")
        position += 6
        if outer_type != CERT_QE_REPORT or position + outer_size != signature_end:
            raise EvidenceMalformed("the certification data is not a QE report filling the signature data")
    position += _QE_REPORT_AND_SIGNATURE
    (auth_size,) = _unpack("<H", quote, position, "QE authentication data")
    position += 2 + auth_size
    chain_type, chain_size = _unpack("<HI", quote, position, "PCK certification data")
    certification_start = position
    position += 6
    if chain_type != CERT_PCK_CHAIN or position + chain_size != signature_end:
        raise EvidenceMalformed("the PCK certification data is not a PEM chain ending the signature data")
    chain_window = check_pem_chain(quote[position:signature_end], "quote's PCK certificate chain")
    if any(quote[signature_end:]):
        raise EvidenceMalformed("the quote has non-zero bytes after its signature data")
    return QuoteLayout(
        version=version,
        tee=tee,
        chain_window=chain_window,
        regions={
            "header": (0, HEADER_BYTES),
            "report_body": (HEADER_BYTES, body_end),
            "signature": (body_end, certification_start),
            "certification_data": (certification_start, signature_end),
            "padding": (signature_end, len(quote)),
        },
    )
