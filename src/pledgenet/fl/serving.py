"""Online scoring of a trained vertical model: one endpoint per party, applicants scored by ID.

Each host runs :func:`serve_host` with its part of the model (SecureBoost split table or hetero LR
weights), its current feature table indexed by ID, and the transforms its job fitted (``impute``,
``scale``; loaded from its model files by :func:`load_transforms`), applied to the table once at start.
The guest's :class:`GuestScorer` scores one applicant or a batch by ID in real time: it sends the IDs to
every host at once, each host answers for each ID

* SecureBoost: one bit per split the host owns (whether the applicant goes left there), packed;
* hetero LR: the applicant's partial linear predictor ``x_h · w_h`` (one number),

and the guest finishes the score with its own features. What the guest learns of a host's features is
what the model's routes imply (left or right at each of the host's splits) or, for LR, the partial
predictor, exactly as in batch prediction; a host learns which of its IDs are scored, never the guest's
features, the trees, the other hosts' answers or the score. An ID a host does not hold is refused
(``DataError`` at the guest, naming the host and the count; the host replies only "missing" for it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pledgenet.crypto.psi.normalise import normalise_identifier
from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.prep.transforms import Imputer, Scaler
from pledgenet.fl.secureboost.predict import walk_trees
from pledgenet.fl.secureboost.training import GuestBoostModel, HostBoostModel

Transform = Scaler | Imputer
TRANSFORM_STEPS = ("impute", "scale")


def load_transforms(output: str | Path, party: str, steps: list[str]) -> list[Transform]:
    """The party's fitted transforms of a finished job, in the job's order (``steps``: component names)."""
    loaded: list[Transform] = []
    for step in steps:
        if step not in TRANSFORM_STEPS:
            continue
        saved = json.loads((Path(output) / f"{party}.{step}.model.json").read_text())
        loaded.append(Imputer.from_dict(saved) if step == "impute" else Scaler.from_dict(saved))
    return loaded


def prepare(data: PartyData, transforms: list[Transform]) -> PartyData:
    for transform in transforms:
        data = transform.transform(data)
    if np.isnan(data.features).any():
        raise DataError("the scoring table has missing values and no impute step was fitted")
    return data


def serve_host(
    channel: Channel,
    guest: str,
    table: PartyData,
    model: HostBoostModel | dict[str, Any],
    transforms: list[Transform] | None = None,
) -> int:
    """Answer the guest's scoring requests until it stops; returns how many applicants were scored."""
    table = prepare(table, transforms or [])
    position_of = {normalise_identifier(str(sample)): row for row, sample in enumerate(table.ids)}
    if isinstance(model, HostBoostModel):
        split_ids = sorted(model.splits)
        columns = np.array([model.splits[i][0] for i in split_ids], dtype=np.int64)
        thresholds = np.array([model.splits[i][1] for i in split_ids], dtype=np.float64)
        channel.send(guest, "serve.open", {"kind": "secureboost", "split_ids": split_ids})
    else:
        weights = np.array([model["weights"][name] for name in table.feature_names], dtype=np.float64)
        channel.send(guest, "serve.open", {"kind": "hetero_lr"})
    served = 0
    while True:
        request = channel.recv(guest, "serve.request")
        if request.get("stop"):
            return served
        keys = [_normalised(i) for i in request["ids"]]
        positions = [None if key is None else position_of.get(key) for key in keys]
        missing = [k for k, p in enumerate(positions) if p is None]
        if missing:
            channel.send(guest, "serve.reply", {"missing": len(missing)})
            continue
        rows = table.features[np.asarray(positions, dtype=np.int64)]
        if isinstance(model, HostBoostModel):
            left = rows[:, columns] <= thresholds[None, :]
            channel.send(guest, "serve.reply", {"left": np.packbits(left, axis=1), "rows": len(rows)})
        else:
            channel.send(guest, "serve.reply", {"partial": rows @ weights})
        served += len(rows)


def _normalised(sample: Any) -> str | None:
    try:
        return normalise_identifier(str(sample))
    except DataError:
        return None


class GuestScorer:
    """The guest's endpoint: ``score(ids, guest_rows)`` for a batch, ``score_one(id, row)`` for one.

    ``guest_rows`` are the applicants' raw guest features in ``feature_names`` order (default: the
    SecureBoost model's order, or the order the guest's transforms were fitted on); the guest's fitted
    transforms are applied first. Use as a context manager so the hosts stop serving.
    """

    def __init__(
        self,
        channel: Channel,
        hosts: list[str],
        model: GuestBoostModel | dict[str, Any],
        transforms: list[Transform] | None = None,
        feature_names: tuple[str, ...] | None = None,
    ) -> None:
        self.channel, self.hosts, self.model = channel, list(hosts), model
        self.transforms = transforms or []
        self.feature_names = feature_names or self._default_names()
        self._split_ids: dict[str, list[int]] = {}
        expected = "secureboost" if isinstance(model, GuestBoostModel) else "hetero_lr"
        for host in self.hosts:
            opening = channel.recv(host, "serve.open")
            if opening.get("kind") != expected:
                raise ProtocolError(
                    f"{host} serves a {opening.get('kind')} model, the guest a {expected} one"
                )
            self._split_ids[host] = [int(i) for i in opening.get("split_ids", [])]

    def __enter__(self) -> GuestScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(self, ids: list[str], guest_rows: Any) -> np.ndarray:
        """Probabilities of default of the applicants ``ids`` (rows of ``guest_rows`` in the same order)."""
        features = np.atleast_2d(np.asarray(guest_rows, dtype=np.float64))
        names = self.feature_names
        if features.shape != (len(ids), len(names)):
            raise DataError(f"guest rows of shape {features.shape}, expected {(len(ids), len(names))}")
        for transform in self.transforms:
            features = transform.transform(features)
        for host in self.hosts:
            self.channel.send(host, "serve.request", {"ids": [str(i) for i in ids]})
        replies = {host: self.channel.recv(host, "serve.reply") for host in self.hosts}
        for host, reply in replies.items():
            if reply.get("missing"):
                raise DataError(
                    f"{host} holds no features for {reply['missing']} of the {len(ids)} applicants"
                )
        if isinstance(self.model, GuestBoostModel):
            host_left: dict[tuple[str, int], np.ndarray] = {}
            for host, reply in replies.items():
                split_ids = self._split_ids[host]
                bits = np.unpackbits(np.asarray(reply["left"], dtype=np.uint8), axis=1, count=len(split_ids))
                for column, split_id in enumerate(split_ids):
                    host_left[(host, split_id)] = bits[:, column].astype(bool)
            return walk_trees(self.model, features, host_left)
        weights = np.array([self.model["weights"][n] for n in names], dtype=np.float64)
        margin = features @ weights + float(self.model["intercept"])
        for reply in replies.values():
            margin = margin + np.asarray(reply["partial"], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-margin))

    def score_one(self, sample_id: str, guest_row: Any) -> float:
        return float(self.score([sample_id], np.asarray(guest_row, dtype=np.float64)[None, :])[0])

    def close(self) -> None:
        for host in self.hosts:
            self.channel.send(host, "serve.request", {"stop": True})

    def _default_names(self) -> tuple[str, ...]:
        if isinstance(self.model, GuestBoostModel):
            return self.model.feature_names
        fitted = next((t.columns_ for t in self.transforms if t.columns_ is not None), None)
        if fitted is None:
            raise DataError(
                "pass feature_names: an LR model file does not fix the order of the guest's columns"
            )
        return tuple(fitted)
