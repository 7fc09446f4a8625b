"""The job file is checked whole before anything runs; a bad one gets one ``ConfigError`` naming the field.

Issue 19 items 8 and 9: every malformed job a new user wrote got a traceback or, worse, trained; property
tests feed random YAML and random frames and allow only a parse or the documented error.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from pledgenet.errors import ConfigError, DataError
from pledgenet.fl.data import PartyData, load_party_csv, validate_party_frame
from pledgenet.fl.job import Job, load_job, simulate
from pledgenet.fl.net.channel import Transcript

DATA = Path(__file__).resolve().parents[2] / "data"
GUEST = str(DATA / "breast_hetero_guest.csv")
HOST = str(DATA / "breast_hetero_host.csv")
LR = {"hetero_lr": {"epochs": 1, "batch_size": 64}}


def _spec(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "breast",
        "parties": {
            "guest": {"role": "guest", "data": GUEST, "label": "y"},
            "host": {"role": "host", "data": HOST},
            "coordinator": {"role": "coordinator"},
        },
        "components": dict(LR),
    }
    spec.update(changes)
    return spec


def _write(tmp_path: Path, spec: Any) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _party(**entry: Any) -> dict[str, Any]:
    return _spec(parties={**_spec()["parties"], **entry})["parties"]


BAD_JOBS = [
    ("a party given as a file name", {"parties": _party(host=HOST)}, r"parties\.host: must be a mapping"),
    ("a party given as a number", {"parties": _party(host=5)}, r"parties\.host: must be a mapping"),
    ("data given as a number", {"parties": _party(host={"role": "host", "data": 12345})},
     r"parties\.host\.data: must be text \(got 12345\)"),
    ("components as a list", {"components": ["secureboost"]}, r"components: must be a mapping of component"),
    ("test_share as text", {"test_share": "abc"}, r"test_share: must be a number \(got 'abc'\)"),
    ("test_share out of range", {"test_share": 1.5}, r"test_share: Input should be less than 1"),
    ("a NaN learning rate", {"components": {"hetero_lr": {"learning_rate": math.nan}}},
     r"components\.hetero_lr\.learning_rate: must be a finite number"),
    ("an unknown parameter", {"components": {"hetero_lr": {"epoch": 3}}},
     r"components\.hetero_lr\.epoch: is not a known field"),
    ("a parameter of the wrong type", {"components": {"secureboost": {"n_trees": "3"}}},
     r"components\.secureboost\.n_trees: must be a whole number"),
    ("a parameter out of range", {"components": {"secureboost": {"n_trees": 0}}},
     r"components\.secureboost: n_trees must be >= 1"),
    ("a misspelt top-level key", {"test_shares": 0.2}, r"test_shares: is not a known field"),
    ("an unknown role", {"parties": _party(host={"role": "lender", "data": HOST})}, r"parties\.host\.role"),
    ("a host without data", {"parties": _party(host={"role": "host"})}, r"a host needs 'data'"),
    ("no guest", {"parties": {"host": {"role": "host", "data": HOST}}}, r"exactly one guest"),
    ("a scorecard params mapping given as text", {"components": {**LR, "scorecard": "fast"}},
     r"components\.scorecard: must be a mapping"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"), [case[1:] for case in BAD_JOBS], ids=[c[0] for c in BAD_JOBS]
)
def test_a_malformed_job_file_is_refused_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    # Prepare
    path = _write(tmp_path, _spec(**changes))
    # Execute / Assert
    with pytest.raises(ConfigError, match=message):
        load_job(path)


def test_a_data_path_that_is_a_directory_is_refused_at_load_and_at_read(tmp_path: Path) -> None:
    # Prepare
    (tmp_path / "host-data").mkdir()
    path = _write(tmp_path, _spec(parties=_party(host={"role": "host", "data": str(tmp_path / "host-data")})))
    # Execute / Assert
    with pytest.raises(ConfigError, match=r"parties\.host\.data: .* is a directory"):
        load_job(path)
    with pytest.raises(DataError, match="is a directory, not a CSV file"):
        load_party_csv(tmp_path / "host-data", party="host")


def test_a_job_file_that_is_not_a_mapping_or_not_yaml_is_a_config_error(tmp_path: Path) -> None:
    for text in ("- a\n- b\n", "parties: [\n", "\x00\x01", ""):
        (tmp_path / "job.yaml").write_text(text)
        with pytest.raises(ConfigError, match="job file"):
            load_job(tmp_path / "job.yaml")


def test_huge_finite_features_get_the_standardise_error_not_an_overflow(tmp_path: Path) -> None:
    # Prepare: a host feature of 1e308 (finite, so the data check passes)
    frame = pd.read_csv(HOST)
    frame[frame.columns[1]] = 1e308
    frame.to_csv(tmp_path / "host.csv", index=False)
    parties = _party(host={"role": "host", "data": str(tmp_path / "host.csv")})
    job = load_job(_write(tmp_path, _spec(parties=parties, output=str(tmp_path / "out"))))
    # Execute / Assert
    with pytest.raises(DataError, match="too large for fixed point: standardise them"):
        simulate(job)


def test_a_job_whose_parties_share_few_ids_is_refused_before_training(tmp_path: Path) -> None:
    # Prepare: the host holds only 6 of the guest's IDs
    pd.read_csv(HOST).head(6).to_csv(tmp_path / "host.csv", index=False)
    parties = _party(host={"role": "host", "data": str(tmp_path / "host.csv")})
    job = load_job(_write(tmp_path, _spec(parties=parties, output=str(tmp_path / "out"))))
    transcript = Transcript()
    # Execute
    with pytest.raises(
        DataError, match=r"only 6 aligned rows: a job needs at least 100 \(min_aligned_rows\)"
    ):
        simulate(job, transcript=transcript)
    # Assert: the data parties exchanged alignment only (then the guest's abort); no metrics written
    sent = transcript.between("guest", "host") + transcript.between("host", "guest")
    assert {m.tag.split(".")[0] for m in sent} == {"align", "channel"}
    assert "channel.abort" in [m.tag for m in transcript.between("guest", "host")]
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_a_split_with_too_few_rows_of_a_class_is_refused(tmp_path: Path) -> None:
    # Prepare: 158 aligned rows, of which only 20 defaults (6 in the test split)
    guest = pd.read_csv(GUEST)
    kept = pd.concat([guest[guest["y"] == 0].head(138), guest[guest["y"] == 1].head(20)])
    kept.to_csv(tmp_path / "guest.csv", index=False)
    parties = _party(guest={"role": "guest", "data": str(tmp_path / "guest.csv"), "label": "y"})
    job = load_job(_write(tmp_path, _spec(parties=parties, output=str(tmp_path / "out"))))
    # Execute / Assert
    with pytest.raises(DataError, match=r"the test split holds 6 rows of class 1: .* at least 10"):
        simulate(job)


def test_the_minimums_are_job_settings_with_safe_floors(tmp_path: Path) -> None:
    job = load_job(_write(tmp_path, _spec(min_aligned_rows=20, min_class_rows=2)))
    assert (job.min_aligned_rows, job.min_class_rows) == (20, 2)
    with pytest.raises(ConfigError, match="min_class_rows"):
        load_job(_write(tmp_path, _spec(min_class_rows=0)))


# ------------------------------------------------------------------------------------- property tests
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
    st.sampled_from(["guest", "host", "coordinator", GUEST, HOST, "secureboost", "hetero_lr", "y", "id"]),
)  # fmt: skip
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_keys = st.sampled_from(
    ["name", "parties", "components", "test_share", "output", "role", "data", "label", "id", "features",
     "learning_rate", "n_trees", "epochs", "guest", "host", "min_class_rows", "address", "key"]
)  # fmt: skip
_documents = st.recursive(
    _scalars,
    lambda inner: st.dictionaries(_keys, inner, max_size=5) | st.lists(inner, max_size=3),
    max_leaves=20,
)


def _load_outcome(path: Path) -> Job | None:
    try:
        return load_job(path)
    except ConfigError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_random_text_as_a_job_file_parses_or_is_a_config_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "job.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_outcome(tmp_path / "job.yaml")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents, base=st.booleans())
def test_random_yaml_documents_parse_or_are_a_config_error(tmp_path: Path, document: Any, base: bool) -> None:
    # Prepare: either a random document, or a valid job with a random part spliced in
    if base and isinstance(document, dict):
        spec, host = _spec(), _spec()["parties"]["host"]
        for key, value in document.items():
            (host if key in ("role", "data", "label", "id", "features") else spec)[key] = value
        spec["parties"] = (
            {**_spec()["parties"], "host": host} if "parties" not in document else spec["parties"]
        )
        document = spec
    # Execute
    job = _load_outcome(_write(tmp_path, document))
    # Assert: what parses is a whole, consistent job
    if job is not None:
        assert 0 < job.test_share < 1 and job.hosts and job.guest in job.parties
        assert all(
            math.isfinite(v) for p in job.components.values() for v in p.values() if isinstance(v, float)
        )


_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.text(max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(
    frame=data_frames(
        [column("id", elements=st.one_of(st.text(max_size=3), st.integers(0, 20))),
         column("y", elements=st.one_of(st.sampled_from([0, 1]), _cells)),
         column("x1", elements=st.floats(allow_nan=True, allow_infinity=True, width=64)),
         column("x2", elements=_cells)],
        index=range_indexes(max_size=12),
    )
)  # fmt: skip
def test_random_frames_validate_or_are_a_data_error(frame: pd.DataFrame) -> None:
    # Execute
    try:
        data = validate_party_frame(frame, label_column="y", party="guest")
    except DataError:
        return
    # Assert: what is accepted is finite, labelled 0/1 with both classes, with unique IDs
    assert isinstance(data, PartyData) and np.isfinite(data.features).all()
    assert data.labels is not None and set(np.unique(data.labels)) == {0, 1}
    assert len(set(data.ids)) == data.rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list('id,y,x\n0123.e-"nan\x00é')), max_size=120))
def test_random_csv_files_load_or_are_a_data_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "party.csv").write_text(text)
    with contextlib.suppress(DataError):
        load_party_csv(tmp_path / "party.csv", label_column="y", party="guest")
