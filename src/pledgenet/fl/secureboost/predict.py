"""Federated SecureBoost scoring: batch over aligned rows, and one-by-one against a loaded host.

Batch (``predict_guest`` / ``serve_host_prediction``): the guest names rows of the aligned prediction data;
each host answers, for each of its split ids, which of those rows go left (one bit per split and row); the
guest walks every tree for all rows at once.

One-by-one (``OnlineScorer`` / ``serve_host_scoring``): for a single new application the batch path would
need the sample aligned first (a PSI run) and a batch message round. Instead each host keeps its model
part and its ID-indexed feature table loaded and answers per-ID requests until told to stop: the guest
sends the sample's ID (normalised as for alignment), each host replies with one bit per split it owns
(``ceil(splits / 8)`` bytes), and the guest walks its trees for that one row in plain Python (no array
set-up per request). A host learns
which of its IDs is being scored (as in FATE-Serving's host feature lookup); it never sees the guest's
features, the tree structure or the score. An ID a host does not hold is a ``DataError`` at the guest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pledgenet.crypto.psi.normalise import normalise_identifier
from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.data import PartyData
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.secureboost.training import GuestBoostModel, HostBoostModel, sigmoid


def predict_guest(
    channel: Channel, model: GuestBoostModel, data: PartyData, rows: np.ndarray | None = None
) -> np.ndarray:
    """Probabilities of default for ``rows`` of the aligned prediction data (all rows if None)."""
    positions = np.arange(data.rows) if rows is None else np.asarray(rows, dtype=np.int64)
    for host in model.hosts:
        channel.send(host, "sbt.predict", {"kind": "predict", "rows": positions})
    host_left: dict[tuple[str, int], np.ndarray] = {}
    for host in model.hosts:
        reply = channel.recv(host, "sbt.predict.left")
        for split_id, bits in zip(reply["split_ids"], reply["left"], strict=True):
            host_left[(host, int(split_id))] = np.unpackbits(bits, count=len(positions)).astype(bool)
    features = data.features[positions]
    hosts = set(model.hosts)
    margin = np.full(len(positions), model.base_margin)
    for tree in model.trees:
        node_of_row = np.zeros(len(positions), dtype=np.int64)
        for _ in range(model.params.max_depth + 1):
            for node in tree.nodes.values():
                if node.leaf:
                    continue
                at = node_of_row == node.id
                if node.owner in hosts:
                    goes_left = host_left[(node.owner, node.split_id)][at]
                else:
                    goes_left = features[at, node.feature] <= node.threshold
                node_of_row[np.flatnonzero(at)] = np.where(goes_left, 2 * node.id + 1, 2 * node.id + 2)
        margin += np.array([tree.nodes[int(n)].weight for n in node_of_row])
    return sigmoid(margin)


def serve_host_prediction(channel: Channel, model: HostBoostModel, data: PartyData, guest: str) -> None:
    """Answer one batch request: which of the requested rows go left at each of this host's splits."""
    request = channel.recv(guest, "sbt.predict")
    positions = np.asarray(request["rows"], dtype=np.int64)
    if positions.size and (positions.min() < 0 or positions.max() >= data.rows):
        raise ProtocolError("prediction rows out of range")
    ids, left = model.goes_left(data.features[positions])
    channel.send(guest, "sbt.predict.left", {"split_ids": ids, "left": [np.packbits(row) for row in left]})


# ---------------------------------------------------------------------------------------- one-by-one
_Step = tuple[
    bool, float, int, int, float
]  # leaf, weight, owner (-1: guest, else host index), key, threshold


class OnlineScorer:
    """The guest's side of one-by-one scoring: one request per sample to every host, then a tree walk.

    Use as a context manager (or call ``close``) so the hosts stop serving.
    """

    def __init__(self, channel: Channel, model: GuestBoostModel) -> None:
        self.channel, self.model = channel, model
        self._bit_of: list[dict[int, int]] = []
        for host in model.hosts:
            channel.send(host, "sbt.score", {"kind": "open"})
        for host in model.hosts:
            ids = [int(i) for i in channel.recv(host, "sbt.score.open")["split_ids"]]
            self._bit_of.append({split_id: bit for bit, split_id in enumerate(ids)})
        index = {host: h for h, host in enumerate(model.hosts)}
        self._trees: list[dict[int, _Step]] = []
        for tree in model.trees:
            steps: dict[int, _Step] = {}
            for node in tree.nodes.values():
                if node.leaf:
                    steps[node.id] = (True, node.weight, -1, 0, 0.0)
                elif node.owner in index:
                    h = index[node.owner]
                    steps[node.id] = (False, 0.0, h, self._bit_of[h][node.split_id], 0.0)
                else:
                    steps[node.id] = (False, 0.0, -1, node.feature, node.threshold)
            self._trees.append(steps)

    def __enter__(self) -> OnlineScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(self, sample_id: str, guest_features: Any) -> float:
        """Probability of default of one sample: ``guest_features`` in the guest model's feature order."""
        row = [float(v) for v in np.asarray(guest_features, dtype=np.float64).ravel()]
        if len(row) != len(self.model.feature_names):
            raise DataError(
                f"{len(row)} guest features given, the model uses {len(self.model.feature_names)}"
            )
        for host in self.model.hosts:
            self.channel.send(host, "sbt.score", {"kind": "score", "id": str(sample_id)})
        bits = []
        for host in self.model.hosts:
            reply = self.channel.recv(host, "sbt.score.left")
            if reply.get("missing"):
                raise DataError(f"{host} holds no sample with ID {sample_id!r}")
            bits.append(np.unpackbits(reply["left"]).tolist())
        margin = self.model.base_margin
        for steps in self._trees:
            node = 0
            while True:
                leaf, weight, owner, key, threshold = steps[node]
                if leaf:
                    margin += weight
                    break
                left = bits[owner][key] if owner >= 0 else row[key] <= threshold
                node = 2 * node + 1 if left else 2 * node + 2
        return float(1.0 / (1.0 + np.exp(-margin)))

    def close(self) -> None:
        for host in self.model.hosts:
            self.channel.send(host, "sbt.score", {"kind": "stop"})


def serve_host_scoring(channel: Channel, model: HostBoostModel, data: PartyData, guest: str) -> int:
    """Answer one-by-one requests from the guest until it stops; returns how many samples were scored.

    ``data`` is this host's current feature table (any IDs; it stays loaded with the model).
    """
    opening = channel.recv(guest, "sbt.score")
    if opening.get("kind") != "open":
        raise ProtocolError("one-by-one scoring must start with open")
    ids = sorted(model.splits)
    columns = np.array([model.splits[i][0] for i in ids], dtype=np.int64)
    thresholds = np.array([model.splits[i][1] for i in ids], dtype=np.float64)
    position_of = {normalise_identifier(str(sample)): row for row, sample in enumerate(data.ids)}
    channel.send(guest, "sbt.score.open", {"split_ids": ids})
    served = 0
    while True:
        request = channel.recv(guest, "sbt.score")
        if request.get("kind") == "stop":
            return served
        if request.get("kind") != "score":
            raise ProtocolError(f"unexpected scoring message {request.get('kind')!r}")
        try:
            position = position_of.get(normalise_identifier(str(request.get("id"))))
        except DataError:
            position = None
        if position is None:
            channel.send(guest, "sbt.score.left", {"missing": True, "left": np.zeros(0, dtype=np.uint8)})
            continue
        left = data.features[position, columns] <= thresholds
        channel.send(guest, "sbt.score.left", {"missing": False, "left": np.packbits(left)})
        served += 1
