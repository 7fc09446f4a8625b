"""Who a networked FL party accepts as a peer (issue 15 items 7 and 11).

Certificates: the root's own validity window, a typed roles extension, revocation and the common name
(also for FL peers). The coordinator: certified for the role, and no data party's organisation or key.
Everything here is refused while the directory is built, before a socket opens.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from pledgenet.crypto.identity import SigningKey, check_certificate, issue_root
from pledgenet.crypto.keystore import Member, new_member
from pledgenet.errors import ConfigError, IdentityError
from pledgenet.fl.job import load_job
from pledgenet.fl.net.job import directory_for

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = 1_780_000_000_000
DAY = 86_400_000


def test_a_certificate_under_an_expired_root_is_refused() -> None:
    # Prepare: the root lives 30 days, the member's certificate ten years
    root_key, root_pem = issue_root("al", now_ms=NOW, days=30)
    member = new_member("bank-b", ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=NOW)
    check_certificate(member.certificate_pem, root_pem, at_ms=NOW + DAY)  # inside both windows
    # Execute / Assert
    with pytest.raises(IdentityError) as refused:
        check_certificate(member.certificate_pem, root_pem, at_ms=NOW + 40 * DAY)
    assert refused.value.code == "root_expired"


def test_a_certificate_valid_before_its_root_is_refused_then() -> None:
    root_key, root_pem = issue_root("al", now_ms=NOW)
    member = new_member(
        "bank-b", ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=NOW,
        not_before_ms=NOW - 20 * DAY,
    )  # fmt: skip
    with pytest.raises(IdentityError) as refused:
        check_certificate(member.certificate_pem, root_pem, at_ms=NOW - 10 * DAY)
    assert refused.value.code == "root_not_yet_valid"


def _with_roles_extension(root_key: SigningKey, root_pem: str, raw: bytes) -> str:
    root = x509.load_pem_x509_certificate(root_pem.encode())
    subject = SigningKey.generate()
    start = dt.datetime.fromtimestamp(NOW / 1000, tz=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bank-b")]))
        .issuer_name(root.subject)
        .public_key(subject.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=30))
        .add_extension(
            x509.UnrecognizedExtension(
                x509.ObjectIdentifier("2.25.195959469219611365488771395177081089830.1"), raw
            ),
            critical=False,
        )
        .sign(root_key.to_cryptography(), None)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe not json", b'{"bank": true}', b"[1, 2]", b'"bank"'],
    ids=["bytes", "map", "ints", "text"],
)
def test_a_roles_extension_that_is_not_a_list_of_names_is_refused(raw: bytes) -> None:
    # Prepare: a certificate the root signed, with a malformed roles extension
    root_key, root_pem = issue_root("al", now_ms=NOW)
    pem = _with_roles_extension(root_key, root_pem, raw)
    # Execute / Assert
    with pytest.raises(IdentityError) as refused:
        check_certificate(pem, root_pem, at_ms=NOW + DAY)
    assert refused.value.code == "malformed_certificate"


# ------------------------------------------------------------------------------------- FL directories
@pytest.fixture()
def alliance(tmp_path: Path) -> dict[str, Any]:
    now = int(time.time() * 1000)
    root_key, root_pem = issue_root("fl", now_ms=now)
    (tmp_path / "root.pem").write_text(root_pem)
    members = {}
    for org, roles in {"bank-a": ["bank"], "broker-b": ["broker"], "trust-c": ["trust", "coordinator"],
                       "court-d": ["court"]}.items():  # fmt: skip
        member = new_member(org, roles, root_key=root_key, root_certificate_pem=root_pem, now_ms=now)
        member.save(tmp_path / org)
        members[org] = member
    return {"dir": tmp_path, "members": members}


def _party(alliance: dict[str, Any], role: str, org: str, port: int, **extra: Any) -> dict[str, Any]:
    entry = {"role": role, "org": org, "address": f"127.0.0.1:{port}",
             "certificate": str(alliance["dir"] / org / "certificate.pem"), **extra}  # fmt: skip
    if role == "guest":
        entry.update(data=str(DATA / "breast_hetero_guest.csv"), label="y")
    elif role == "host":
        entry["data"] = str(DATA / "breast_hetero_host.csv")
    return entry


def _job(alliance: dict[str, Any], coordinator: dict[str, Any] | None = None, **settings: Any) -> Any:
    parties = {
        "guest": _party(alliance, "guest", "bank-a", 9101),
        "host": _party(alliance, "host", "broker-b", 9102),
        "coordinator": coordinator or _party(alliance, "coordinator", "trust-c", 9103),
    }
    spec = {"name": "fl", "alliance_root": str(alliance["dir"] / "root.pem"), "parties": parties,
            "components": {"hetero_lr": {"epochs": 1}}, **settings}  # fmt: skip
    path = alliance["dir"] / "job.yaml"
    path.write_text(yaml.safe_dump(spec))
    return load_job(path)


def test_an_independent_certified_coordinator_is_accepted(alliance: dict[str, Any]) -> None:
    directory = directory_for(_job(alliance))
    assert set(directory) == {"guest", "host", "coordinator"}


def _key_hex(alliance: dict[str, Any], org: str) -> str:
    member: Member = alliance["members"][org]
    return member.signing.public_bytes.hex()


def _bare_key(a: dict[str, Any]) -> dict[str, Any]:
    return {"role": "coordinator", "address": "127.0.0.1:9103", "public_key": _key_hex(a, "trust-c")}


COORDINATORS = {
    "a bare public key": (_bare_key, "needs an alliance 'certificate'"),
    "no coordinator role": (
        lambda a: _party(a, "coordinator", "court-d", 9103),
        "not certified with the coord",
    ),
}


@pytest.mark.parametrize("case", list(COORDINATORS), ids=list(COORDINATORS))
def test_a_coordinator_that_is_not_certified_for_the_role_is_refused(
    alliance: dict[str, Any], case: str
) -> None:
    entry, message = COORDINATORS[case]
    with pytest.raises(ConfigError, match=message):
        directory_for(_job(alliance, entry(alliance)))


def test_a_coordinator_of_a_data_partys_organisation_or_key_is_refused(alliance: dict[str, Any]) -> None:
    # Prepare: the guest's bank runs with the coordinator-certified trust's organisation name, then a host
    # pinned by the coordinator's own key
    job_same_org = _job(alliance)
    job_same_org.parties["guest"]["org"] = "trust-c"
    job_same_org.parties["guest"]["certificate"] = str(alliance["dir"] / "trust-c" / "certificate.pem")
    job_same_key = _job(alliance)
    del job_same_key.parties["host"]["certificate"]
    job_same_key.parties["host"].pop("org")
    job_same_key.parties["host"]["public_key"] = _key_hex(alliance, "trust-c")
    # Execute / Assert
    for job in (job_same_org, job_same_key):
        with pytest.raises(ConfigError, match="must be independent of every data party"):
            directory_for(job)


def test_a_revoked_peer_certificate_is_refused(alliance: dict[str, Any]) -> None:
    # Prepare: the broker's certificate serial on the revocation list (inline, then as a JSON file)
    serial = alliance["members"]["broker-b"].certificate.serial_number
    (alliance["dir"] / "revoked.json").write_text(json.dumps([serial]))
    # Execute / Assert
    for revoked in ([serial], str(alliance["dir"] / "revoked.json")):
        with pytest.raises(ConfigError, match=r"party 'host': certificate refused: .*revoked"):
            directory_for(_job(alliance, revoked_serials=revoked))


def test_a_peer_certificate_must_name_the_partys_organisation(alliance: dict[str, Any]) -> None:
    # Prepare: the host's entry says broker-b but carries the court's certificate; then no org at all
    job = _job(alliance)
    job.parties["host"]["certificate"] = str(alliance["dir"] / "court-d" / "certificate.pem")
    with pytest.raises(ConfigError, match="the certificate names 'court-d', not 'broker-b'"):
        directory_for(job)
    job.parties["host"].pop("org")
    with pytest.raises(ConfigError, match="a certificate needs 'org'"):
        directory_for(job)


def test_a_certificate_without_an_alliance_root_is_refused(alliance: dict[str, Any]) -> None:
    job = _job(alliance)
    job.settings.pop("alliance_root")
    with pytest.raises(ConfigError, match="checked against the job's alliance_root"):
        directory_for(job)
