"""Hetero SecureBoost: gradient boosting over features split between a guest (labels) and hosts.

Protocol (one guest, any number of hosts; see docs/protocols.md, "Vertical federated learning"):

* setup: the guest sends its Paillier public key; each host bins its own features (thresholds never
  leave it).
* per tree: the guest encrypts each row's packed (g, h) once (``sbt.gh``); each host answers with the
  number of bins of each of its feature *slots*, a per-tree random permutation of its features.
* per level: the guest sends the node of every row and which nodes need histograms (only the smaller child
  of each pair; the guest derives the sibling as parent − child in plaintext). Each host returns, per
  node, its encrypted per-bin sums packed ~14 bins per ciphertext and re-randomised (``sbt.hist``).
* the guest decrypts, finds the best split over its own features and every host's slots; for a host split
  it sends (node, slot, bin) and the host answers with an opaque ``split_id`` and which of the node's rows
  go left. The host keeps (feature, threshold) under that id; the guest's model only says "host h, split k".

Prediction: the guest sends the rows to score; each host answers, for each of its split ids, which rows
go left; the guest walks the trees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pledgenet.crypto.paillier.keys import PaillierPublicKey, generate_keypair
from pledgenet.crypto.paillier.obfuscator import ObfuscatorPool
from pledgenet.errors import ProtocolError
from pledgenet.fl.binning import bin_matrix
from pledgenet.fl.channel import Channel
from pledgenet.fl.data import PartyData
from pledgenet.fl.sbt_crypto import GradientCodec, HistogramEngine
from pledgenet.fl.tree import BoostParams, HostView, Tree, grow_tree
from pledgenet.fl.wire import IntVector


def sigmoid(margin: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-margin))


@dataclass
class GuestBoostModel:
    """The guest's part: trees (host nodes only name their owner and split id) and its own thresholds."""

    params: BoostParams
    base_margin: float
    trees: list[Tree]
    feature_names: tuple[str, ...]
    hosts: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "secureboost-guest",
            "params": asdict(self.params),
            "base_margin": self.base_margin,
            "feature_names": list(self.feature_names),
            "hosts": self.hosts,
            "trees": [tree.to_list() for tree in self.trees],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuestBoostModel:
        return cls(
            BoostParams(**data["params"]),
            float(data["base_margin"]),
            [Tree.from_list(t) for t in data["trees"]],
            tuple(data["feature_names"]),
            list(data["hosts"]),
        )


@dataclass
class HostBoostModel:
    """A host's part: for each split id it created, its own feature and threshold (never sent)."""

    splits: dict[int, tuple[int, float]] = field(default_factory=dict)
    feature_names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "secureboost-host",
            "feature_names": list(self.feature_names),
            "splits": {str(k): [f, t] for k, (f, t) in self.splits.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HostBoostModel:
        splits = {int(k): (int(v[0]), float(v[1])) for k, v in data["splits"].items()}
        return cls(splits, tuple(data["feature_names"]))

    def goes_left(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array(sorted(self.splits), dtype=np.int64)
        left = np.zeros((len(ids), features.shape[0]), dtype=bool)
        for i, split_id in enumerate(ids):
            feature, threshold = self.splits[int(split_id)]
            left[i] = features[:, feature] <= threshold
        return ids, left


class RemoteHost(HostView):
    """The guest's view of one host over a channel: everything it learns arrives through here."""

    def __init__(
        self, channel: Channel, name: str, public_key: PaillierPublicKey, codec: GradientCodec
    ) -> None:
        self.channel, self.name, self.codec, self.public_key = channel, name, codec, public_key
        self.encrypted: list[Any] = []
        self.slot_bins: list[int] = []

    def send_gradients(self, ciphertexts: list[Any]) -> None:
        self.channel.send(self.name, "sbt", {"kind": "tree", "gh": IntVector.of(ciphertexts, self._width)})

    @property
    def _width(self) -> int:
        return self.public_key.ciphertext_bytes

    def begin_tree(self, gradients: np.ndarray, hessians: np.ndarray) -> list[int]:
        reply = self.channel.recv(self.name, "sbt.layout")
        self.slot_bins = [int(b) for b in reply["bins"]]
        return list(self.slot_bins)

    def histograms(
        self, node_of_row: np.ndarray, nodes: list[int]
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        self.channel.send(self.name, "sbt", {"kind": "level", "node_of_row": node_of_row, "nodes": nodes})
        reply = self.channel.recv(self.name, "sbt.hist")
        packed = reply["hists"]
        if len(packed) != len(nodes):
            raise ProtocolError(f"{self.name} returned {len(packed)} histograms for {len(nodes)} nodes")
        total = sum(self.slot_bins)
        private_key = self._private_key
        return {
            node: self.codec.decrypt_histogram(private_key, list(vector.values), total)
            for node, vector in zip(nodes, packed, strict=True)
        }

    def split(
        self, node_of_row: np.ndarray, requests: list[tuple[int, int, int]]
    ) -> list[tuple[int, np.ndarray]]:
        self.channel.send(self.name, "sbt", {"kind": "split", "requests": [list(r) for r in requests]})
        reply = self.channel.recv(self.name, "sbt.split")
        out = []
        for (node, _, _), split_id, bits in zip(requests, reply["split_ids"], reply["left"], strict=True):
            size = int(np.sum(node_of_row == node))
            out.append((int(split_id), np.unpackbits(bits, count=size).astype(bool)))
        return out

    def end_tree(self) -> None:
        self.channel.send(self.name, "sbt", {"kind": "end_tree"})

    _private_key: Any = None


def fit_guest(
    channel: Channel,
    data: PartyData,
    hosts: list[str],
    params: BoostParams,
    *,
    progress: Any = None,
    obfuscator_workers: int | None = None,
) -> GuestBoostModel:
    """Train as the guest (label holder) with the given hosts; returns the guest's model part."""
    if data.labels is None:
        raise ProtocolError("the guest needs labels")
    specs, binned = bin_matrix(data.features, params.max_bins)
    edges = [spec.edges for spec in specs]
    keypair = generate_keypair(params.key_bits, allow_small_key=params.key_bits < 2048)
    codec = GradientCodec(params.key_bits, data.rows)
    for host in hosts:
        channel.send(
            host,
            "sbt",
            {
                "kind": "setup",
                "public_key": keypair.public_key.to_bytes(),
                "rows": data.rows,
                "max_bins": params.max_bins,
            },
        )
    views = [RemoteHost(channel, host, keypair.public_key, codec) for host in hosts]
    for view in views:
        view._private_key = keypair.private_key
    labels = data.labels.astype(np.float64)
    rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))
    base_margin = float(np.log(rate / (1 - rate)))
    margin = np.full(data.rows, base_margin)
    trees: list[Tree] = []
    with ObfuscatorPool(keypair.public_key, workers=obfuscator_workers) as pool:
        for _ in range(params.n_trees):
            probability = sigmoid(margin)
            gradients, hessians = probability - labels, probability * (1 - probability)
            ciphertexts = codec.encrypt_rows(keypair.public_key, pool, gradients, hessians)
            for view in views:
                view.send_gradients(ciphertexts)
            tree, leaf_of_row = grow_tree(binned, edges, gradients, hessians, list(views), params)
            weights = {node.id: node.weight for node in tree.nodes.values() if node.leaf}
            margin += np.array([weights[int(leaf)] for leaf in leaf_of_row])
            trees.append(tree)
            if progress is not None:
                progress()
    for host in hosts:
        channel.send(host, "sbt", {"kind": "done"})
    return GuestBoostModel(params, base_margin, trees, data.feature_names, list(hosts))


def fit_host(channel: Channel, data: PartyData, guest: str) -> HostBoostModel:
    """Serve the guest's SecureBoost training as a host; returns the host's split table."""
    setup = channel.recv(guest, "sbt")
    if setup.get("kind") != "setup":
        raise ProtocolError("SecureBoost must start with setup")
    public_key = PaillierPublicKey.from_bytes(setup["public_key"])
    if int(setup["rows"]) != data.rows:
        raise ProtocolError(f"guest trains on {setup['rows']} rows, this host holds {data.rows}")
    specs, binned = bin_matrix(data.features, int(setup["max_bins"]))
    codec = GradientCodec(public_key.key_bits, data.rows)
    model = HostBoostModel({}, data.feature_names)
    rng = np.random.default_rng()
    engine: HistogramEngine | None = None
    permutation = np.arange(len(specs))
    node_of_row = np.zeros(data.rows, dtype=np.int32)
    next_split = 0
    try:
        while True:
            message = channel.recv(guest, "sbt")
            kind = message.get("kind")
            if kind == "tree":
                ciphertexts = list(message["gh"].values)
                if len(ciphertexts) != data.rows:
                    raise ProtocolError("gradient vector has the wrong length")
                engine = HistogramEngine(ciphertexts, binned, public_key)
                permutation = rng.permutation(len(specs))
                channel.send(guest, "sbt.layout", {"bins": [specs[j].bins for j in permutation]})
            elif kind == "level" and engine is not None:
                node_of_row = np.asarray(message["node_of_row"], dtype=np.int32)
                bins_of = [specs[j].bins for j in permutation]
                hists = []
                for node in message["nodes"]:
                    rows = np.flatnonzero(node_of_row == int(node))
                    sums = engine.histogram(rows, [int(j) for j in permutation], bins_of)
                    hists.append(IntVector.of(engine.compress(sums, codec), public_key.ciphertext_bytes))
                channel.send(guest, "sbt.hist", {"hists": hists})
            elif kind == "split":
                ids, lefts = [], []
                for node, slot, bin_index in message["requests"]:
                    feature = int(permutation[int(slot)])
                    if not 0 <= int(bin_index) < len(specs[feature].edges):
                        raise ProtocolError("split bin out of range")
                    threshold = float(specs[feature].edges[int(bin_index)])
                    rows = np.flatnonzero(node_of_row == int(node))
                    lefts.append(np.packbits(data.features[rows, feature] <= threshold))
                    model.splits[next_split] = (feature, threshold)
                    ids.append(next_split)
                    next_split += 1
                channel.send(guest, "sbt.split", {"split_ids": ids, "left": lefts})
            elif kind == "end_tree":
                if engine is not None:
                    engine.close()
                    engine = None
            elif kind == "done":
                return model
            else:
                raise ProtocolError(f"unexpected SecureBoost message {kind!r}")
    finally:
        if engine is not None:
            engine.close()


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
    margin = np.full(len(positions), model.base_margin)
    for tree in model.trees:
        node_of_row = np.zeros(len(positions), dtype=np.int64)
        for _ in range(model.params.max_depth + 1):
            for node in tree.nodes.values():
                if node.leaf:
                    continue
                at = node_of_row == node.id
                if node.owner in host_left_owner(model.hosts):
                    goes_left = host_left[(node.owner, node.split_id)][at]
                else:
                    goes_left = features[at, node.feature] <= node.threshold
                node_of_row[np.flatnonzero(at)] = np.where(goes_left, 2 * node.id + 1, 2 * node.id + 2)
        margin += np.array([tree.nodes[int(n)].weight for n in node_of_row])
    return sigmoid(margin)


def host_left_owner(hosts: list[str]) -> set[str]:
    return set(hosts)


def serve_host_prediction(channel: Channel, model: HostBoostModel, data: PartyData, guest: str) -> None:
    """Answer one prediction request: which of the requested rows go left at each of this host's splits."""
    request = channel.recv(guest, "sbt.predict")
    positions = np.asarray(request["rows"], dtype=np.int64)
    if positions.size and (positions.min() < 0 or positions.max() >= data.rows):
        raise ProtocolError("prediction rows out of range")
    ids, left = model.goes_left(data.features[positions])
    channel.send(guest, "sbt.predict.left", {"split_ids": ids, "left": [np.packbits(row) for row in left]})
