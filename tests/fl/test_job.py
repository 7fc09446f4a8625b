from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from pledgenet.crypto.identity import issue_root
from pledgenet.crypto.keystore import Member, new_member
from pledgenet.errors import ConfigError, DataError, PeerAborted, ProtocolError
from pledgenet.fl.job import load_job, run_party, simulate
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.net.job import run_networked
from pledgenet.fl.secureboost.histograms import HistogramWorkers

DATA = Path(__file__).resolve().parents[2] / "data"
SMALL_KEY_BOOST = {"secureboost": {"key_bits": 1024, "allow_small_key": True}}  # 1024-bit keys: tests only


def _job(tmp_path: Path, **changes) -> Path:  # type: ignore[no-untyped-def]
    spec = {
        "name": "breast",
        "output": str(tmp_path / "out"),
        "parties": {
            "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
            "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv")},
            "coordinator": {"role": "coordinator"},
        },
        "components": {
            "secureboost": {
                "n_trees": 2,
                "max_depth": 2,
                "key_bits": 1024,
                "allow_small_key": True,
            },  # tests only
            "hetero_lr": {"epochs": 5, "batch_size": 64},
        },
    }
    spec.update(changes)
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_simulated_job_writes_models_metrics_and_report(tmp_path: Path) -> None:
    # Prepare
    job = load_job(_job(tmp_path))
    transcript = Transcript()
    # Execute
    results = simulate(job, transcript=transcript)
    # Assert
    out = tmp_path / "out"
    assert results["secureboost"]["auc"] > 0.9 and results["hetero_lr"]["auc"] > 0.95
    assert json.loads((out / "metrics.json").read_text())["rows"]["aligned"] == 569
    for name in ("guest.secureboost", "host.secureboost", "guest.hetero_lr", "host.hetero_lr"):
        assert (out / f"{name}.model.json").exists()
    assert "KS" in (out / "report.html").read_text()
    assert transcript.between("guest", "host")[0].tag == "align.setup"


def test_an_empty_intersection_stops_before_training(tmp_path: Path) -> None:
    # Prepare: the host's IDs share nothing with the guest's
    host = tmp_path / "host.csv"
    rows = (DATA / "breast_hetero_host.csv").read_text().splitlines()
    host.write_text("\n".join([rows[0], *("x" + line for line in rows[1:])]))
    parties = {
        "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
        "host": {"role": "host", "data": str(host)},
        "coordinator": {"role": "coordinator"},
    }
    job = load_job(_job(tmp_path, parties=parties, components=SMALL_KEY_BOOST))
    transcript = Transcript()
    # Execute / Assert
    with pytest.raises(DataError, match="empty intersection"):
        simulate(job, transcript=transcript)
    assert not any(m.tag.startswith("sbt") for m in transcript.messages)


def test_a_missing_label_is_refused_before_any_message(tmp_path: Path) -> None:
    parties = {
        "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "default_flag"},
        "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv")},
        "coordinator": {"role": "coordinator"},
    }
    job = load_job(_job(tmp_path, parties=parties))
    transcript = Transcript()
    with pytest.raises(DataError, match="label column 'default_flag' is missing"):
        simulate(job, transcript=transcript)
    assert transcript.messages == []


def test_a_job_without_a_guest_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="exactly one guest"):
        load_job(_job(tmp_path, parties={"host": {"role": "host", "data": "x.csv"}}))


def test_a_party_failing_mid_protocol_stops_the_others_at_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the host's histogram computation breaks at the first level of the first tree
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(HistogramWorkers, "replies", broken)
    job = load_job(_job(tmp_path))
    hub = MemoryHub(list(job.parties))
    errors: dict[str, BaseException] = {}

    def party(name: str) -> None:
        try:
            run_party(job, name, hub.channel(name))
        except BaseException as exc:
            errors[name] = exc

    threads = [threading.Thread(target=party, args=(name,), daemon=True) for name in job.parties]
    # Execute
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)  # a hang would be the 600 s receive timeout
    # Assert: the host's own error; the guest, waiting for histograms, is told by the host's abort notice
    # (the coordinator had finished hetero LR, which runs first, and is not affected)
    assert not any(thread.is_alive() for thread in threads)
    assert isinstance(errors["host"], RuntimeError)
    assert isinstance(errors["guest"], PeerAborted) and "host aborted" in str(errors["guest"])
    assert "RuntimeError" in str(errors["guest"]) and "coordinator" not in errors
    assert "disk full" not in str(errors["guest"])  # the notice names the error class, never its message
    with pytest.raises(RuntimeError, match="disk full"):
        simulate(job)


def _member(root_key, root_pem: str, org: str, directory: Path) -> Path:  # type: ignore[no-untyped-def]
    member = new_member(
        org, ["bank"], root_key=root_key, root_certificate_pem=root_pem, now_ms=int(time.time() * 1000)
    )
    member.save(directory / org)
    return directory / org


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_networked_job_runs_each_party_as_its_own_process(tmp_path: Path) -> None:
    # Prepare: alliance member keys (the guest's checked against the alliance root, the host's public key
    # pinned as hex); 1024-bit Paillier keys in tests only, to stay fast
    root_key, root_pem = issue_root("test-alliance", now_ms=int(time.time() * 1000))
    (tmp_path / "root.pem").write_text(root_pem)
    guest_dir = _member(root_key, root_pem, "guest-bank", tmp_path)
    host_dir = _member(root_key, root_pem, "host-broker", tmp_path)
    host_public = Member.load("host-broker", host_dir).signing.public_bytes.hex()
    parties = {
        "guest": {
            "role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y",
            "address": f"127.0.0.1:{_free_port()}", "key": str(guest_dir), "org": "guest-bank",
            "certificate": str(guest_dir / "certificate.pem"),
        },
        "host": {
            "role": "host", "data": str(DATA / "breast_hetero_host.csv"),
            "address": f"127.0.0.1:{_free_port()}", "key": str(host_dir / "signing.key"),
            "public_key": host_public,
        },
    }  # fmt: skip
    components = {"secureboost": {"n_trees": 2, "max_depth": 2, "key_bits": 1024, "allow_small_key": True}}
    path = _job(tmp_path, parties=parties, components=components, alliance_root=str(tmp_path / "root.pem"))
    command = [str(Path(sys.executable).parent / "pledgenet"), "fl", "run", str(path), "--party", "host"]
    # Execute: the host in its own process, the guest here
    host = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        results = run_networked(load_job(path), "guest")
        host_output, _ = host.communicate(timeout=60)
    finally:
        host.kill()
    # Assert
    assert host.returncode == 0, host_output.decode()[-2000:]
    written = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert written["rows"]["aligned"] == 569 and written["secureboost"]["auc"] > 0.9
    assert written["secureboost"]["auc"] == results["secureboost"]["auc"]
    assert (tmp_path / "out" / "host.secureboost.model.json").exists()


def test_a_networked_run_with_a_wrong_key_is_refused_before_any_connection(tmp_path: Path) -> None:
    # Prepare: the host's key file does not match the public key pinned for it
    root_key, root_pem = issue_root("test-alliance", now_ms=int(time.time() * 1000))
    (tmp_path / "root.pem").write_text(root_pem)
    host_dir = _member(root_key, root_pem, "host-broker", tmp_path)
    other_dir = _member(root_key, root_pem, "other", tmp_path)
    parties = {
        "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y",
                  "address": "127.0.0.1:1", "public_key": "00" * 32},
        "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv"), "address": "127.0.0.1:1",
                 "key": str(other_dir), "certificate": str(host_dir / "certificate.pem"),
                 "org": "host-broker"},
    }  # fmt: skip
    path = _job(
        tmp_path, parties=parties, components=SMALL_KEY_BOOST, alliance_root=str(tmp_path / "root.pem")
    )
    job = load_job(path)
    # Execute / Assert
    with pytest.raises(ProtocolError, match="does not match its directory entry"):
        run_networked(job, "host")
    with pytest.raises(ConfigError, match="needs 'key'"):
        run_networked(job, "guest")
