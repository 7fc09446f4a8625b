"""Jobs that fail cleanly: a failure in any party, at any stage, in any API, stops every party at once
and the caller gets the failing party's own error (not a peer's ``PeerAborted`` echo of it).

Each case runs in a watchdog thread: a case that does not return within ``DEADLINE_S`` is a hang.
SecureBoost uses 1024-bit keys here ONLY to keep the suite fast.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from pledgenet.errors import DataError
from pledgenet.fl.estimators import HeteroLogisticRegression, HeteroSecureBoost, Simulation
from pledgenet.fl.job import load_job, simulate
from pledgenet.fl.net.channel import MemoryChannel

DATA = Path(__file__).resolve().parents[2] / "data"
DEADLINE_S = 30.0
SMALL_BOOST = {"n_trees": 1, "max_depth": 2, "max_bins": 8, "key_bits": 1024, "allow_small_key": True}


def _returns_in_time(action: Callable[[], Any]) -> BaseException | None:
    """Run ``action`` in a watchdog thread; the error it raised (None if none). Fails the test on a hang."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            action()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE_S)
    assert not thread.is_alive(), f"the parties still wait {DEADLINE_S} s after a failure: a hang"
    return outcome[0]


def _fail_on_send(monkeypatch: pytest.MonkeyPatch, party: str, after: int) -> None:
    """``party``'s channel fails (as a full disk would) on its message number ``after``."""
    original = MemoryChannel.send
    sent = {"count": 0}

    def send(self: MemoryChannel, to: str, tag: str, payload: Any) -> None:
        if self.party == party:
            sent["count"] += 1
            if sent["count"] > after:
                raise DataError(f"injected failure in {party} at message {sent['count']}")
        original(self, to, tag, payload)

    monkeypatch.setattr(MemoryChannel, "send", send)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    guest = pd.read_csv(DATA / "breast_hetero_guest.csv")
    host = pd.read_csv(DATA / "breast_hetero_host.csv")
    return {"x": guest.drop(columns=["y"]), "y": guest["y"], "host": host}


LR_CASES = [("guest", 0), ("guest", 3), ("guest", 40), ("bank", 0), ("bank", 5), ("coordinator", 2)]


@pytest.mark.parametrize(("party", "after"), LR_CASES)
def test_a_failing_lr_party_stops_every_estimator_with_its_own_error(
    frames, monkeypatch, party, after
) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the party fails at its first, an early or a mid-training message
    sim = Simulation(HeteroLogisticRegression, hosts=["bank"], epochs=2, batch_size=64)
    _fail_on_send(monkeypatch, party, after)
    # Execute
    error = _returns_in_time(lambda: sim.fit(frames["x"], frames["y"], {"bank": frames["host"]}))
    # Assert: the caller sees the failing party's own error, whichever party it was
    assert isinstance(error, DataError) and f"injected failure in {party}" in str(error)


@pytest.mark.parametrize(("party", "after"), [("guest", 0), ("guest", 6), ("bank", 0), ("bank", 4)])
def test_a_failing_secureboost_party_stops_every_estimator(frames, monkeypatch, party, after) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    sim = Simulation(HeteroSecureBoost, hosts=["bank"], **SMALL_BOOST)
    _fail_on_send(monkeypatch, party, after)
    # Execute
    error = _returns_in_time(lambda: sim.fit(frames["x"], frames["y"], {"bank": frames["host"]}))
    # Assert
    assert isinstance(error, DataError) and f"injected failure in {party}" in str(error)


def test_a_host_failing_while_serving_predictions_stops_the_guest(frames, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Prepare: a trained model; the host's channel fails once scoring starts
    sim = Simulation(HeteroLogisticRegression, hosts=["bank"], epochs=1, batch_size=64)
    sim.fit(frames["x"], frames["y"], {"bank": frames["host"]})
    _fail_on_send(monkeypatch, "bank", 2)
    # Execute
    error = _returns_in_time(lambda: sim.predict_proba(frames["x"], {"bank": frames["host"]}))
    # Assert
    assert isinstance(error, DataError) and "injected failure in bank" in str(error)


def test_raw_amounts_stop_lr_at_once_with_the_real_cause_and_fix(frames) -> None:  # type: ignore[no-untyped-def]
    # Prepare: the host's column in the raw form a lender holds it (amounts up to millions)
    raw = frames["host"].copy()
    raw["limit_bal"] = (raw.iloc[:, 1] * 1e6).round()
    sim = Simulation(HeteroLogisticRegression, hosts=["bank"], epochs=2, batch_size=64)
    # Execute
    error = _returns_in_time(lambda: sim.fit(frames["x"], frames["y"], {"bank": raw}))
    # Assert: the error names the column and the fix, not the learning rate
    assert isinstance(error, DataError)
    assert "feature limit_bal reaches" in str(error) and "add the scale component" in str(error)


def _job(tmp_path: Path, components: dict[str, Any]) -> Path:
    spec = {
        "name": "breast",
        "output": str(tmp_path / "out"),
        "parties": {
            "guest": {"role": "guest", "data": str(DATA / "breast_hetero_guest.csv"), "label": "y"},
            "host": {"role": "host", "data": str(DATA / "breast_hetero_host.csv")},
            "coordinator": {"role": "coordinator"},
        },
        "components": components,
    }
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


JOB_CASES = [
    ("guest", 1, "scale"),  # alignment
    ("host", 3, "scale"),  # the split / the first component
    ("host", 4, "hetero_lr"),  # a model component
    ("coordinator", 1, "hetero_lr"),
    ("guest", 8, "secureboost"),
]


@pytest.mark.parametrize(("party", "after", "component"), JOB_CASES)
def test_a_failing_party_stops_a_simulated_job_at_every_stage(
    tmp_path, monkeypatch, party, after, component
) -> None:  # type: ignore[no-untyped-def]
    # Prepare
    components = {"scale": {}, component: {"epochs": 2, "batch_size": 64}} if component == "hetero_lr" else {}
    if component == "secureboost":
        components = {"secureboost": SMALL_BOOST}
    elif component == "scale":
        components = {"scale": {}, "hetero_lr": {"epochs": 1, "batch_size": 64}}
    job = load_job(_job(tmp_path, components))
    _fail_on_send(monkeypatch, party, after)
    # Execute
    error = _returns_in_time(lambda: simulate(job))
    # Assert
    assert isinstance(error, DataError) and f"injected failure in {party}" in str(error)
