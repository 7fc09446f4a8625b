"""Hetero SecureBoost: gradient boosting over features split between a guest (labels) and hosts.

Protocol (one guest, any number of hosts; see docs/protocols.md, "Vertical federated learning"):

* setup: the guest sends its Paillier public key; each host bins its own features (thresholds never
  leave it) and starts its histogram workers.
* per tree: the guest announces the tree and streams its ciphertexts in chunks (``sbt.gh``), three rows'
  packed (g, h) per ciphertext (``sbt_crypto``), encrypted with obfuscators its key-owner pool computed
  while the previous tree was being built; each host answers at once with the number of bins of each of
  its feature *slots* (a per-tree random permutation of its features) and multiplies every chunk into its
  root histogram as it arrives.
* per level: the guest sends the node of every row and which nodes need histograms (only the smaller child
  of each pair; the guest derives the sibling as parent - child in plaintext). Each host returns, per node,
  its encrypted per-bin sums, aligned and packed three bins per ciphertext, masked and re-randomised
  (``sbt.hist``).
* the guest decrypts, finds the best split over its own features and every host's slots; for a host split
  it sends (node, slot, bin) and the host answers with an opaque ``split_id`` and which of the node's rows
  go left. The host keeps (feature, threshold) under that id; the guest's model only says "host h, split k".

Prediction (batch and one-by-one) is in ``sbt_predict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pledgenet.crypto.paillier import ObfuscatorPool, PaillierPrivateKey, PaillierPublicKey, generate_keypair
from pledgenet.errors import EncodingOverflow, ProtocolError
from pledgenet.fl.binning import bin_matrix
from pledgenet.fl.data import PartyData
from pledgenet.fl.guest_key import check_guest_key
from pledgenet.fl.net.channel import Channel
from pledgenet.fl.secureboost.crypto import GradientCodec
from pledgenet.fl.secureboost.histograms import PARALLEL_MIN_ROWS, HistogramWorkers
from pledgenet.fl.secureboost.tree import BoostParams, HostView, Tree, grow_tree

CHUNK_CIPHERTEXTS = 1024
"""Ciphertexts per ``sbt.gh`` message: small enough that hosts start summing early (512 KB at 2048 bits)."""
OWNER_WINDOW_BITS = 10
"""Fixed-base windows of the guest's CRT obfuscator tables at 2048 bits: ~27% less time per obfuscator than
8-bit windows, for ~66 MB of tables per pool worker (8-bit: ~20 MB), built in under a second."""


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
        """Split ids (sorted) and, per id, whether each row of ``features`` goes left."""
        ids = np.array(sorted(self.splits), dtype=np.int64)
        columns = np.array([self.splits[int(i)][0] for i in ids], dtype=np.int64)
        thresholds = np.array([self.splits[int(i)][1] for i in ids], dtype=np.float64)
        left = thresholds[:, None] >= features[:, columns].T
        return ids, left.reshape(len(ids), features.shape[0])


class RemoteHost(HostView):
    """The guest's view of one host over a channel: everything it learns arrives through here."""

    def __init__(
        self, channel: Channel, name: str, private_key: PaillierPrivateKey, codec: GradientCodec
    ) -> None:
        self.channel, self.name, self.codec = channel, name, codec
        self._private_key = private_key
        self.slot_bins: list[int] = []
        self._gradients = self._hessians = np.zeros(0)

    def begin_tree(self, gradients: np.ndarray, hessians: np.ndarray) -> list[int]:
        reply = self.channel.recv(self.name, "sbt.layout")
        self.slot_bins = [int(b) for b in reply["bins"]]
        if any(b < 1 for b in self.slot_bins):
            raise ProtocolError(f"{self.name} announced a feature without bins")
        self._gradients, self._hessians = gradients, hessians
        return list(self.slot_bins)

    def _with_last_bins(self, sums: np.ndarray, node_total: float) -> np.ndarray:
        """Each slot's sums with its last bin appended (node total minus the others; never a split input)."""
        out, start = [], 0
        for bins in self.slot_bins:
            part = sums[start : start + bins - 1]
            out.append(np.append(part, node_total - part.sum()))
            start += bins - 1
        return np.concatenate(out) if out else np.zeros(0)

    def histograms(
        self, node_of_row: np.ndarray, nodes: list[int]
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        self.channel.send(self.name, "sbt", {"kind": "level", "node_of_row": node_of_row, "nodes": nodes})
        replies = self.channel.recv(self.name, "sbt.hist")["hists"]
        if len(replies) != len(nodes):
            raise ProtocolError(f"{self.name} returned {len(replies)} histograms for {len(nodes)} nodes")
        sent = sum(self.slot_bins) - len(self.slot_bins)  # hosts never send a feature's last bin
        out = {}
        for node, reply in zip(nodes, replies, strict=True):
            sums_g, sums_h = self.codec.decrypt_reply(self._private_key, bytes(reply), sent)
            members = node_of_row == node
            out[node] = (
                self._with_last_bins(sums_g, float(self._gradients[members].sum())),
                self._with_last_bins(sums_h, float(self._hessians[members].sum())),
            )
        return out

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


def _stream_gradients(
    channel: Channel, hosts: list[str], codec: GradientCodec, pool: ObfuscatorPool, packed: list[int]
) -> None:
    """Announce a tree and send its ciphertexts chunk by chunk (hosts start summing on the first)."""
    chunks = range(0, len(packed), CHUNK_CIPHERTEXTS)
    for host in hosts:
        channel.send(host, "sbt", {"kind": "tree", "chunks": len(chunks)})
    for start in chunks:
        vector = codec.encrypt_rows(pool.public_key, packed[start : start + CHUNK_CIPHERTEXTS], pool)
        data = vector.to_bytes()
        for host in hosts:
            channel.send(host, "sbt.gh", {"start": start, "gh": data})


def fit_guest(
    channel: Channel,
    data: PartyData,
    hosts: list[str],
    params: BoostParams,
    *,
    progress: Callable[[], None] | None = None,
    obfuscator_workers: int | None = None,
    rows_per_ciphertext: int | None = None,
) -> GuestBoostModel:
    """Train as the guest (label holder) with the given hosts; returns the guest's model part.

    Obfuscators come from the key owner's pool (CRT tables, ``OWNER_WINDOW_BITS``) over
    ``obfuscator_workers`` processes (default: every core); the next tree's are computed while the hosts
    build this tree's histograms. ``rows_per_ciphertext`` overrides the packing the codec picks from the
    row count (``GradientCodec.for_training``).
    """
    if data.labels is None:
        raise ProtocolError("the guest needs labels")
    specs, binned = bin_matrix(data.features, params.max_bins)
    edges = [spec.edges for spec in specs]
    keypair = generate_keypair(params.key_bits, allow_small_key=params.allow_small_key)
    public_key, private_key = keypair.public_key, keypair.private_key
    if rows_per_ciphertext is None:
        codec = GradientCodec.for_training(params.key_bits, data.rows)
    else:
        codec = GradientCodec(params.key_bits, data.rows, rows_per_ciphertext)
    per_tree = -(-data.rows // codec.rows_per_ciphertext)
    labels = data.labels.astype(np.float64)
    rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))
    base_margin = float(np.log(rate / (1 - rate)))
    margin = np.full(data.rows, base_margin)
    trees: list[Tree] = []
    if obfuscator_workers is None and data.rows < PARALLEL_MIN_ROWS:
        obfuscator_workers = 1  # worker processes cost more to start than a small job saves
    with ObfuscatorPool(
        public_key, private_key=private_key, workers=obfuscator_workers, window_bits=OWNER_WINDOW_BITS
    ) as pool:
        pool.refill(per_tree)  # the first tree's obfuscators, while the hosts set up
        setup = {
            "kind": "setup",
            "public_key": public_key.to_bytes(),
            "rows": data.rows,
            "rows_per_ciphertext": codec.rows_per_ciphertext,
            "min_host_node_rows": params.min_host_node_rows,
        }
        for host in hosts:
            channel.send(host, "sbt", {**setup, "max_bins": params.max_bins})
        views = [RemoteHost(channel, host, private_key, codec) for host in hosts]
        for index in range(params.n_trees):
            probability = sigmoid(margin)
            gradients, hessians = probability - labels, probability * (1 - probability)
            _stream_gradients(channel, hosts, codec, pool, codec.pack_rows(gradients, hessians))
            if index + 1 < params.n_trees:
                pool.refill(per_tree)  # computed while the hosts work on this tree
            tree, leaf_of_row = grow_tree(binned, edges, gradients, hessians, list(views), params)
            weights = {node.id: node.weight for node in tree.nodes.values() if node.leaf}
            margin += np.array([weights[int(leaf)] for leaf in leaf_of_row])
            trees.append(tree)
            if progress is not None:
                progress()
    for host in hosts:
        channel.send(host, "sbt", {"kind": "done"})
    return GuestBoostModel(params, base_margin, trees, data.feature_names, list(hosts))


class _HostSession:
    """A host's state during training: its bins, the per-tree slot permutation, its split table."""

    def __init__(
        self, channel: Channel, data: PartyData, guest: str, workers: int | None, own: BoostParams
    ) -> None:
        setup = channel.recv(guest, "sbt")
        if setup.get("kind") != "setup":
            raise ProtocolError("SecureBoost must start with setup")
        if int(setup["rows"]) != data.rows:
            raise ProtocolError(f"guest trains on {setup['rows']} rows, this host holds {data.rows}")
        self.channel, self.data, self.guest = channel, data, guest
        self.min_node_rows = own.min_host_node_rows
        if int(setup.get("min_host_node_rows", 0)) < self.min_node_rows:
            raise ProtocolError(
                f"the guest's min_host_node_rows ({setup.get('min_host_node_rows')}) is below this host's "
                f"({self.min_node_rows})"
            )
        self.public_key = PaillierPublicKey.from_bytes(setup["public_key"])
        check_guest_key(self.public_key, allow_small_key=own.allow_small_key)
        self.specs, binned = bin_matrix(data.features, int(setup["max_bins"]))
        try:
            codec = GradientCodec(self.public_key.key_bits, data.rows, int(setup["rows_per_ciphertext"]))
        except EncodingOverflow as exc:
            raise ProtocolError(f"the guest's packing does not fit its key: {exc}") from None
        bins = [spec.bins for spec in self.specs]
        self.workers = HistogramWorkers(self.public_key, binned, bins, codec, workers)
        self.model = HostBoostModel({}, data.feature_names)
        self.permutation = np.arange(len(self.specs))
        self.node_of_row = np.zeros(data.rows, dtype=np.int32)
        self._rng = np.random.default_rng()

    def tree(self, chunks: int) -> None:
        self.permutation = self._rng.permutation(len(self.specs))
        self.channel.send(self.guest, "sbt.layout", {"bins": [self.specs[j].bins for j in self.permutation]})
        self.workers.begin_tree()
        for _ in range(chunks):
            chunk = self.channel.recv(self.guest, "sbt.gh")
            self.workers.add_chunk(int(chunk["start"]), bytes(chunk["gh"]))

    def level(self, node_of_row: Any, nodes: list[Any]) -> None:
        self.node_of_row = np.asarray(node_of_row, dtype=np.int32)
        if self.node_of_row.shape != (self.data.rows,):
            raise ProtocolError("node assignment has the wrong length")
        counts = dict(zip(*np.unique(self.node_of_row, return_counts=True), strict=True))
        sizes = {int(node): int(count) for node, count in counts.items()}
        for node in nodes:
            family = (
                [int(node)]
                if int(node) == 0
                else [int(node), int(node) + 1 if int(node) % 2 else int(node) - 1]
            )
            if any(sizes.get(member, 0) < self.min_node_rows for member in family):
                raise ProtocolError(
                    f"the guest asked for the histogram of node {node}, which (or whose sibling) holds fewer "
                    f"than {self.min_node_rows} rows (min_host_node_rows)"
                )
        order = [int(j) for j in self.permutation]
        hists = self.workers.replies(self.node_of_row, [int(n) for n in nodes], order)
        self.channel.send(self.guest, "sbt.hist", {"hists": hists})

    def split(self, requests: list[Any]) -> None:
        ids, lefts = [], []
        for node, slot, bin_index in requests:
            if not 0 <= int(slot) < len(self.permutation):
                raise ProtocolError("split slot out of range")
            feature = int(self.permutation[int(slot)])
            if not 0 <= int(bin_index) < len(self.specs[feature].edges):
                raise ProtocolError("split bin out of range")
            threshold = float(self.specs[feature].edges[int(bin_index)])
            rows = np.flatnonzero(self.node_of_row == int(node))
            lefts.append(np.packbits(self.data.features[rows, feature] <= threshold))
            split_id = len(self.model.splits)
            self.model.splits[split_id] = (feature, threshold)
            ids.append(split_id)
        self.channel.send(self.guest, "sbt.split", {"split_ids": ids, "left": lefts})


def fit_host(
    channel: Channel,
    data: PartyData,
    guest: str,
    *,
    workers: int | None = None,
    params: BoostParams | None = None,
) -> HostBoostModel:
    """Serve the guest's SecureBoost training as a host; returns the host's split table.

    ``workers`` histogram processes (default: every core when the data is large enough to pay).
    ``params``: this host's own copy of the job's parameters: its ``allow_small_key`` and
    ``min_host_node_rows`` govern which guest keys and histogram requests it accepts (defaults: 2048-bit
    keys and up, nodes of 50 rows and up).
    """
    session = _HostSession(channel, data, guest, workers, params or BoostParams())
    try:
        while True:
            message = channel.recv(guest, "sbt")
            kind = message.get("kind")
            if kind == "tree":
                session.tree(int(message["chunks"]))
            elif kind == "level":
                session.level(message["node_of_row"], list(message["nodes"]))
            elif kind == "split":
                session.split(list(message["requests"]))
            elif kind == "end_tree":
                continue
            elif kind == "done":
                return session.model
            else:
                raise ProtocolError(f"unexpected SecureBoost message {kind!r}")
    finally:
        session.workers.close()
