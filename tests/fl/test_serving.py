"""Online scoring of a trained vertical model by applicant ID: each host serves its part of the model
with its own fitted transforms; the guest's scores equal the plaintext scores of the same model.

Trains once (impute, scale, hetero LR, SecureBoost on the public diabetes split; 1024-bit keys here ONLY
to keep the suite fast), then serves both models over an in-memory hub with a transcript.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from pledgenet.errors import DataError
from pledgenet.fl.data import validate_party_frame
from pledgenet.fl.job import load_job, simulate
from pledgenet.fl.net.channel import MemoryHub, Transcript
from pledgenet.fl.public_data import PARTIES, party_frames, write_parties
from pledgenet.fl.secureboost.predict import walk_trees
from pledgenet.fl.secureboost.training import GuestBoostModel, HostBoostModel
from pledgenet.fl.serving import GuestScorer, load_transforms, prepare, serve_host

HOSTS = ["lab", "pharmacy"]
STEPS = ["impute", "scale"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path_factory.mktemp("serving")
    paths = write_parties(tmp_path / "data")
    spec = {
        "name": "diabetes-serving",
        "output": str(tmp_path / "out"),
        "parties": {
            "clinic": {"role": "guest", "data": str(paths["clinic"]), "label": "y"},
            "lab": {"role": "host", "data": str(paths["lab"])},
            "pharmacy": {"role": "host", "data": str(paths["pharmacy"])},
            "dealer": {"role": "coordinator"},
        },
        "components": {
            "impute": {},
            "scale": {},
            "hetero_lr": {"epochs": 3, "batch_size": 64},
            "secureboost": {
                "n_trees": 2,
                "max_depth": 3,
                "key_bits": 1024,
                "allow_small_key": True,
                "min_host_node_rows": 20,
            },
        },
    }
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    job = load_job(tmp_path / "job.yaml")
    simulate(job)
    frames = party_frames()
    common = set(frames["clinic"]["id"]) & set(frames["lab"]["id"]) & set(frames["pharmacy"]["id"])
    return {"output": job.output, "frames": frames, "ids": sorted(common)[:40]}


def _model(output: Path, party: str, component: str) -> Any:
    saved = json.loads((output / f"{party}.{component}.model.json").read_text())
    if component == "secureboost":
        return GuestBoostModel.from_dict(saved) if party == "clinic" else HostBoostModel.from_dict(saved)
    return saved


def _serve(trained: dict[str, Any], component: str, ids: list[str]) -> tuple[np.ndarray, Transcript]:
    output, frames = trained["output"], trained["frames"]
    transcript = Transcript()
    hub = MemoryHub(["clinic", *HOSTS], transcript)
    threads = []
    for host in HOSTS:
        table = validate_party_frame(frames[host], allow_missing=True, party=host)
        args = (hub.channel(host), "clinic", table, _model(output, host, component),
                load_transforms(output, host, STEPS))  # fmt: skip
        threads.append(threading.Thread(target=serve_host, args=args, daemon=True))
        threads[-1].start()
    guest = frames["clinic"].set_index("id").loc[ids, PARTIES["clinic"]].to_numpy(dtype=np.float64)
    transforms = load_transforms(output, "clinic", STEPS)
    with GuestScorer(hub.channel("clinic"), HOSTS, _model(output, "clinic", component), transforms) as scorer:
        scores = scorer.score(ids, guest)
        one = scorer.score_one(ids[0], guest[0])
    for thread in threads:
        thread.join(10)
    assert one == pytest.approx(scores[0])
    return scores, transcript


def _prepared(trained: dict[str, Any], party: str, ids: list[str]) -> np.ndarray:
    frame = trained["frames"][party].set_index("id").loc[ids].reset_index()
    label = "y" if party == "clinic" else None
    data = validate_party_frame(frame, label_column=label, allow_missing=True, party=party)
    return prepare(data, load_transforms(trained["output"], party, STEPS)).features


def test_served_lr_scores_equal_the_plaintext_model(trained) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the same model scored in plaintext on the same prepared columns
    ids, output = trained["ids"], trained["output"]
    margin = np.full(len(ids), _model(output, "clinic", "hetero_lr")["intercept"])
    for party in ["clinic", *HOSTS]:
        weights = _model(output, party, "hetero_lr")["weights"]
        margin += _prepared(trained, party, ids) @ np.array([weights[c] for c in PARTIES[party]])
    # Execute
    scores, transcript = _serve(trained, "hetero_lr", ids)
    # Assert: same scores; the guest sent only IDs, each host one partial predictor per applicant
    np.testing.assert_allclose(scores, 1.0 / (1.0 + np.exp(-margin)), atol=1e-9)
    for host in HOSTS:
        requests = [m.payload for m in transcript.between("clinic", host) if m.tag == "serve.request"]
        assert all(set(r) <= {"ids", "stop"} for r in requests)
        replies = [m.payload for m in transcript.between(host, "clinic") if m.tag == "serve.reply"]
        assert [len(r["partial"]) for r in replies] == [len(ids), 1]


def test_served_secureboost_scores_equal_the_plaintext_model(trained) -> None:  # type: ignore[no-untyped-def]
    # Prepare: host split bits computed in plaintext from the hosts' own split tables
    ids, output = trained["ids"], trained["output"]
    host_left = {}
    for host in HOSTS:
        model = _model(output, host, "secureboost")
        split_ids, left = model.goes_left(_prepared(trained, host, ids))
        host_left.update({(host, int(s)): row for s, row in zip(split_ids, left, strict=True)})
    guest_model = _model(output, "clinic", "secureboost")
    expected = walk_trees(guest_model, _prepared(trained, "clinic", ids), host_left)
    # Execute
    scores, transcript = _serve(trained, "secureboost", ids)
    # Assert: same scores; a host's reply is one packed bit per own split, no threshold or value
    np.testing.assert_allclose(scores, expected, atol=1e-12)
    reply = next(m.payload for m in transcript.between("lab", "clinic") if m.tag == "serve.reply")
    assert set(reply) == {"left", "rows"} and reply["rows"] == len(ids)


def test_an_unknown_applicant_is_refused_and_the_hosts_keep_serving(trained) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    output, frames = trained["output"], trained["frames"]
    hub = MemoryHub(["clinic", *HOSTS])
    threads = [
        threading.Thread(
            target=serve_host,
            args=(
                hub.channel(h),
                "clinic",
                validate_party_frame(frames[h], allow_missing=True, party=h),
                _model(output, h, "hetero_lr"),
                load_transforms(output, h, STEPS),
            ),
            daemon=True,
        )
        for h in HOSTS
    ]
    for thread in threads:
        thread.start()
    row = np.zeros(len(PARTIES["clinic"]))
    # Execute / Assert
    model = _model(output, "clinic", "hetero_lr")
    with GuestScorer(hub.channel("clinic"), HOSTS, model, feature_names=tuple(PARTIES["clinic"])) as scorer:
        with pytest.raises(DataError, match="holds no features for 1 of the 1"):
            scorer.score_one("NOBODY", row)
        assert 0.0 < scorer.score_one(trained["ids"][0], row) < 1.0
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
