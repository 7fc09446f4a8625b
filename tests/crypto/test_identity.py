"""Identities: certificates under the alliance root carry org and roles; bad ones are refused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pledgenet.crypto.identity import check_certificate, issue_root
from pledgenet.crypto.keystore import Member, new_member
from pledgenet.errors import IdentityError

NOW = 1_750_000_000_000
DAY = 86_400_000


def test_certificate_carries_org_roles_and_keys() -> None:
    # Prepare
    root_key, root_pem = issue_root("al", now_ms=NOW)
    member = new_member(
        "bank-b", ["bank", "governing"], root_key=root_key, root_certificate_pem=root_pem, now_ms=NOW
    )
    # Execute
    certified = check_certificate(member.certificate_pem, root_pem, at_ms=NOW + DAY)
    # Assert
    assert certified.org == "bank-b"
    assert certified.roles == ("bank", "governing")
    assert certified.signing_public == member.signing.public_bytes
    assert certified.encryption_public == member.encryption_public_key


@pytest.mark.parametrize(
    ("at", "code"), [(NOW - 10 * DAY, "certificate_not_yet_valid"), (NOW + 40 * DAY, "certificate_expired")]
)
def test_certificate_outside_its_validity_is_refused(at: int, code: str) -> None:
    # Prepare
    root_key, root_pem = issue_root("al", now_ms=NOW)
    member = new_member(
        "bank-b", ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=NOW, days=30
    )
    # Execute / Assert
    with pytest.raises(IdentityError) as refused:
        check_certificate(member.certificate_pem, root_pem, at_ms=at)
    assert refused.value.code == code


def test_certificate_of_another_root_is_refused() -> None:
    # Prepare
    _key, root_pem = issue_root("al", now_ms=NOW)
    other_key, other_pem = issue_root("al", now_ms=NOW)  # same name, different key
    stranger = new_member("bank-b", ["bank"], root_key=other_key, root_certificate_pem=other_pem, now_ms=NOW)
    # Execute / Assert
    with pytest.raises(IdentityError) as refused:
        check_certificate(stranger.certificate_pem, root_pem, at_ms=NOW)
    assert refused.value.code == "forged_certificate"


def test_revoked_and_garbage_certificates_are_refused() -> None:
    # Prepare
    root_key, root_pem = issue_root("al", now_ms=NOW)
    member = new_member("bank-b", ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=NOW)
    serial = member.certificate.serial_number
    # Execute / Assert
    with pytest.raises(IdentityError, match="revoked"):
        check_certificate(member.certificate_pem, root_pem, at_ms=NOW, revoked_serials=frozenset({serial}))
    with pytest.raises(IdentityError, match="PEM"):
        check_certificate("not a certificate", root_pem, at_ms=NOW)


def test_key_files_are_private_and_load_back(tmp_path: Path) -> None:
    # Prepare
    root_key, root_pem = issue_root("al", now_ms=NOW)
    member = new_member("bank-b", ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=NOW)
    # Execute
    member.save(tmp_path / "bank-b")
    loaded = Member.load("bank-b", tmp_path / "bank-b")
    # Assert
    for name in ("signing.key", "encryption.key"):
        assert stat.S_IMODE((tmp_path / "bank-b" / name).stat().st_mode) == 0o600
    assert loaded.signing.public_bytes == member.signing.public_bytes
    assert loaded.encryption_public_key == member.encryption_public_key
