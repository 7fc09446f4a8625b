"""The data commands end to end on the demo book: a dataset, a grant, a recorded copy, a job on the chain
run by ``fl run --job``, a revocation refused with its reason code and exit code; documents anchored to a
pledge registration and verified (a changed byte fails)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_harness import Cli

from pledgenet.demo import demo_book

DATA = Path(__file__).resolve().parents[2] / "data"
REGISTRATION: dict[str, str] = {}


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("data-cli")) / "alliance"
    with demo_book.create(path) as alliance:
        book = demo_book.build_book(alliance)
    REGISTRATION["no"] = next(iter(book.registrations.values()))
    return path


def test_a_grant_a_copy_a_chain_job_then_a_revocation(cli: Cli, tmp_path: Path) -> None:
    # Prepare: the bank's level-3 dataset (names of level 3 sealed) and the broker's own labels
    bank = ["--title", "Borrowers", "--description", "credit features", "--level", "3", "--hide-names"]
    cli(
        "data register",
        "bank-01",
        "bank-credit",
        str(DATA / "breast_hetero_host.csv"),
        *bank,
        "--column",
        "id=3:C2",
        "--column",
        "x0=3",
    )
    cli(
        "data register",
        "broker-01",
        "broker-defaults",
        str(DATA / "breast_hetero_guest.csv"),
        "--title",
        "Defaults",
        "--description",
        "labels",
        "--level",
        "2",
    )
    shown = cli.json("data show", "broker-02", "bank-credit")["versions"][0]["schema"]
    assert [c["name"] for c in shown[:3]] == [None, None, "x1"]

    # Execute: request, approvals, a copy, a job created, accepted, run from the chain
    grant = cli.json(
        "data request",
        "broker-01",
        "bank-credit",
        "--column",
        "c1",
        "--column",
        "c2",
        "--column",
        "x1",
        "--purpose",
        "credit_modelling",
        "--operation",
        "plaintext_copy",
        "--operation",
        "vertical_training",
    )["grant"]
    cli("data approve", "registrar", grant)
    assert cli.json("data approve", "bank-01", grant)["status"] == "approved"
    code, _, err = cli(
        "data fetch",
        "broker-01",
        "bank-credit",
        "--grant",
        grant,
        "--purpose",
        "credit_modelling",
        "--out",
        str(tmp_path / "copy.csv"),
    )
    assert code == 0, err
    job = cli.json(
        "job create",
        "broker-01",
        "--kind",
        "vertical_training",
        "--purpose",
        "credit_modelling",
        "--party",
        "broker-01=guest",
        "--party",
        "bank-01=host",
        "--party",
        "registrar=coordinator",
        "--dataset",
        "broker-defaults",
        "--dataset",
        f"bank-credit:{grant}",
        "--components",
        '{"hetero_lr": {"epochs": 2, "batch_size": 64}}',
    )["job"]
    cli("job accept", "bank-01", job)
    assert cli.json("job accept", "registrar", job)["status"] == "accepted"
    code, _, err = cli.raw(
        "fl",
        "run",
        "--job",
        job,
        "--dir",
        str(cli.directory),
        "--as",
        "broker-01",
        "--output",
        str(tmp_path / "fl"),
    )
    assert code == 0, err

    # Assert: the copy (id, x0, x1), the log, the job's outcome
    assert (tmp_path / "copy.csv").read_text().splitlines()[0] == "id,x0,x1"
    log = cli.json("data log", "regulator", "--dataset", "bank-credit")
    assert [(u["user"], u["operation"], u["outcome"]) for u in log] == [
        ("broker-01", "plaintext_copy", "served"),
        ("broker-01", "vertical_training", "served"),
    ]
    assert cli.json("data log", "broker-02") == []
    finished = cli.json("job show", "regulator", job)
    assert finished["status"] == "finished" and "bank-01.hetero_lr" in finished["outcome"]["models"]

    # Execute: the bank revokes; the broker asks again
    cli("data revoke", "bank-01", grant, "--reason", "ended")
    code, _, err = cli(
        "data fetch",
        "broker-01",
        "bank-credit",
        "--grant",
        grant,
        "--purpose",
        "credit_modelling",
        "--out",
        str(tmp_path / "again.csv"),
    )
    # Assert
    assert code == 8 and "error [grant_revoked]" in err
    alerts = cli.json("data log", "bank-01", "--alerts")
    assert [u["alerts"] for u in alerts] == [["access_after_revocation"]]


def test_documents_anchored_to_a_registration_are_verified_byte_for_byte(cli: Cli, tmp_path: Path) -> None:
    # Prepare
    agreement = tmp_path / "agreement.pdf"
    agreement.write_bytes(b"%PDF-1.7 pledge agreement between pledgor and pledgee\n")
    record = f"registration:{REGISTRATION['no']}"
    # Execute
    cli(
        "doc anchor",
        "broker-01",
        str(agreement),
        "--type",
        "pledge_agreement",
        "--signer",
        "Nanhu Group",
        "--record",
        record,
    )
    verified = cli.json("doc verify", "court-01", str(agreement))
    listed = cli.json("doc list", "regulator", "--record", record)
    code, shown, _ = cli("pledge show", "regulator", REGISTRATION["no"])
    agreement.write_bytes(agreement.read_bytes().replace(b"1.7", b"1.8"))
    code, _, err = cli("doc verify", "court-01", str(agreement))
    # Assert
    assert (verified["anchored_by"], verified["record"], verified["type"]) == (
        "broker-01",
        REGISTRATION["no"],
        "pledge_agreement",
    )
    assert [doc["hash"] for doc in listed] == [verified["hash"]]
    assert [doc["hash"] for doc in json.loads(shown)["documents"]] == [verified["hash"]]
    assert code == 8 and "error [unknown_document]" in err
    code, _, err = cli(
        "doc anchor",
        "broker-01",
        str(agreement),
        "--type",
        "court_order",
        "--signer",
        "x",
        "--record",
        "freeze:no-such-freeze",
    )
    assert code == 8 and "unknown_document" in err
