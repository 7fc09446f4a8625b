"""Federated binning: WOE and IV of host features with the labels encrypted, and IV-based selection.

Protocol (one guest holding the labels, any number of hosts; Paillier of :mod:`pledgenet.crypto.paillier`):

1. ``fb.labels`` guest → each host: its public key and ``[[y_i]]`` for every aligned row (0/1 plaintexts,
   declared bound 1 bit), encrypted under the guest's key.
2. Each host bins each of its features at home (quantile cut points; for optimal binning, fine quantile
   bins first), draws a fresh random order of its features ("slots"), and sums the encrypted labels per
   bin with ``EncryptedVector.histogram`` (empty bins: fresh encryptions of 0). It re-randomises the sums
   (so the guest cannot link a one-row bin to that row's ciphertext), compresses them (many bins per
   ciphertext, fewer decryptions) and sends ``fb.counts``: the ciphertexts, and per slot the number of bins
   and the row count of each bin.
3. The guest decrypts the per-bin event counts, gets non-events = rows − events, and computes WOE and IV
   per slot with :mod:`pledgenet.fl.binning` (the same code as the plaintext baseline). For optimal binning
   it runs ChiMerge on the fine counts and tells the host which adjacent fine bins to join.
4. IV-based selection over the guest's and every host slot's IV (``min_iv``, optionally ``top_k``); each
   host gets ``fb.result``: per slot the merge (optimal binning), the IV, and whether it is selected.

The guest learns, per host slot: the number of bins, each bin's row count and event count (so WOE/IV); it
never sees a host value, threshold, feature name or which rows fall in which bin, and slot order is
random. A host learns the guest's public key, ciphertexts (IND-CPA: nothing about labels), and for its own
features the IV, whether selected, and with optimal binning which fine bins were joined (a coarse hint of
where the default rate changes). See docs/protocols.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from pledgenet.crypto.paillier import (
    EncryptedVector,
    PaillierPublicKey,
    decrypt,
    encrypt_integers,
    generate_keypair,
)
from pledgenet.crypto.prg import Prg
from pledgenet.errors import DataError, ProtocolError
from pledgenet.fl.binning import BinSpec, chi_merge, label_counts, merge_spec, quantile_bins, woe_iv
from pledgenet.fl.data import PartyData
from pledgenet.fl.guest_key import check_guest_key
from pledgenet.fl.net.channel import Channel

METHODS = ("quantile", "optimal")


@dataclass(frozen=True)
class BinningParams:
    method: str = "quantile"  # or "optimal": ChiMerge over fine_bins quantile bins
    max_bins: int = 10
    fine_bins: int = 32
    min_share: float = 0.05  # optimal binning: smallest bin, as a share of rows
    min_iv: float = 0.02  # selection: keep features with IV at least this
    top_k: int | None = None  # selection: then keep at most this many, highest IV first
    key_bits: int = 2048
    allow_small_key: bool = False  # tests only: 1024-bit keys

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise DataError(f"binning method must be one of {METHODS}, not {self.method!r}")
        if self.max_bins < 2 or self.fine_bins < self.max_bins or not 0 <= self.min_share < 0.5:
            raise DataError("binning needs 2 <= max_bins <= fine_bins and 0 <= min_share < 0.5")
        if self.min_iv < 0 or (self.top_k is not None and self.top_k < 1):
            raise DataError("min_iv must be >= 0 and top_k >= 1")


@dataclass(frozen=True)
class FeatureWoe:
    """One feature's bins as the guest sees them (host features only by owner and anonymous slot)."""

    name: str  # the guest's own feature name, or "<host>#<slot>"
    owner: str
    events: np.ndarray
    non_events: np.ndarray
    woe: np.ndarray
    iv: float
    selected: bool = False


@dataclass
class GuestBinning:
    features: list[FeatureWoe]
    specs: dict[str, BinSpec]  # the guest's own features (host cut points never leave the hosts)

    @property
    def selected(self) -> list[str]:
        return [f.name for f in self.features if f.selected]

    def iv_table(self) -> dict[str, float]:
        return {f.name: f.iv for f in self.features}


@dataclass
class HostBinning:
    specs: dict[str, BinSpec]
    iv: dict[str, float] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)


def _bin(values: np.ndarray, params: BinningParams) -> BinSpec:
    return quantile_bins(values, params.fine_bins if params.method == "optimal" else params.max_bins)


def _woe(name: str, owner: str, events: np.ndarray, non_events: np.ndarray) -> FeatureWoe:
    woe, iv = woe_iv(events, non_events)
    return FeatureWoe(name, owner, events, non_events, woe, iv)


def _merged(events: np.ndarray, non_events: np.ndarray, params: BinningParams) -> list[int] | None:
    if params.method != "optimal":
        return None
    return chi_merge(events, non_events, params.max_bins, params.min_share)


def _apply(mapping: list[int] | None, counts: np.ndarray) -> np.ndarray:
    if mapping is None:
        return counts
    return np.bincount(np.asarray(mapping), weights=counts, minlength=max(mapping) + 1)


def _select(features: list[FeatureWoe], params: BinningParams) -> list[FeatureWoe]:
    ranked = sorted((f for f in features if f.iv >= params.min_iv), key=lambda f: -f.iv)
    chosen = {f.name for f in ranked[: params.top_k]}
    return [replace(f, selected=f.name in chosen) for f in features]


def bin_guest(channel: Channel, data: PartyData, hosts: list[str], params: BinningParams) -> GuestBinning:
    """The guest's side: its own features in plaintext, every host's through encrypted label sums."""
    if data.labels is None:
        raise DataError("the guest needs labels to compute WOE and IV")
    labels = data.labels.astype(np.int64)
    if labels.min() == labels.max():
        raise DataError("WOE needs both defaults and non-defaults among the labels")
    keypair = generate_keypair(params.key_bits, allow_small_key=params.allow_small_key)
    public_key, private_key = keypair.public_key, keypair.private_key
    encrypted = encrypt_integers(public_key, labels.tolist(), bound_bits=1, private_key=private_key)
    setup = {"public_key": public_key.to_bytes(), "labels": encrypted.to_bytes(), "rows": data.rows}
    channel.broadcast(hosts, "fb.labels", {**setup, "params": asdict(params)})
    specs, features = {}, []
    for j, name in enumerate(data.feature_names):
        spec = _bin(data.features[:, j], params)
        events, non_events = label_counts(spec.assign(data.features[:, j]), labels, spec.bins)
        mapping = _merged(events, non_events, params)
        specs[name] = spec if mapping is None else merge_spec(spec, mapping)
        features.append(_woe(name, "guest", _apply(mapping, events), _apply(mapping, non_events)))
    mappings: dict[str, list[list[int] | None]] = {}
    for host in hosts:
        slots = _host_counts(channel, host, private_key, data.rows, int(labels.sum()))
        mappings[host] = []
        for slot, (events, totals) in enumerate(slots):
            mapping = _merged(events, totals - events, params)
            mappings[host].append(mapping)
            events, totals = _apply(mapping, events), _apply(mapping, totals)
            features.append(_woe(f"{host}#{slot}", host, events, totals - events))
    features = _select(features, params)
    for host in hosts:
        mine = [f for f in features if f.owner == host]
        result = {
            "mappings": mappings[host],
            "iv": [f.iv for f in mine],
            "selected": [f.selected for f in mine],
        }
        channel.send(host, "fb.result", result)
    return GuestBinning(features, specs)


def _host_counts(
    channel: Channel, host: str, private_key: Any, rows: int, positives: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Decrypt one host's per-bin event sums; check them against the declared bin sizes."""
    message = channel.recv(host, "fb.counts")
    bins = [int(b) for b in message["bins"]]
    totals = [np.asarray(t, dtype=np.int64) for t in message["totals"]]
    sums = EncryptedVector.from_bytes(private_key.public_key, message["sums"])
    width = max(bins, default=0)
    decrypted = np.rint(decrypt(private_key, sums)).astype(np.int64)
    if len(totals) != len(bins) or decrypted.shape != (len(bins) * width,):
        raise ProtocolError(f"{host} sent per-bin sums of the wrong shape")
    out = []
    for slot, (count, total) in enumerate(zip(bins, totals, strict=True)):
        events = decrypted[slot * width : slot * width + count]
        if total.shape != (count,) or total.sum() != rows or (events < 0).any() or (events > total).any():
            raise ProtocolError(f"{host}'s per-bin counts are inconsistent")
        if events.sum() != positives or decrypted[slot * width + count : (slot + 1) * width].any():
            raise ProtocolError(f"{host}'s per-bin sums do not add up to the labels")
        out.append((events, total))
    return out


def _is_merge(mapping: list[int], bins: int) -> bool:
    steps = np.diff(mapping)
    return len(mapping) == bins and mapping[0] == 0 and bool(((steps == 0) | (steps == 1)).all())


def bin_host(channel: Channel, data: PartyData, guest: str, *, allow_small_key: bool = False) -> HostBinning:
    """A host's side: bin at home, sum the guest's encrypted labels per bin, keep the cut points.

    ``allow_small_key`` is this host's own (from its job file), never the guest's word.
    """
    setup = channel.recv(guest, "fb.labels")
    params = BinningParams(**setup["params"])
    if int(setup["rows"]) != data.rows:
        raise ProtocolError("guest and host hold different numbers of aligned rows")
    public_key = PaillierPublicKey.from_bytes(setup["public_key"])
    check_guest_key(public_key, allow_small_key=allow_small_key)
    labels = EncryptedVector.from_bytes(public_key, setup["labels"])
    if len(labels) != data.rows or labels.bound_bits > 1 or labels.exponent != 0:
        raise ProtocolError("the encrypted labels do not match the rows or are not 0/1 integers")
    order = Prg.fresh(b"fb-slots").permutation(len(data.feature_names))
    specs = [_bin(data.features[:, j], params) for j in order]
    width = max(spec.bins for spec in specs)
    assigned = np.stack(
        [spec.assign(data.features[:, j]) for spec, j in zip(specs, order, strict=True)], axis=1
    )
    sums = labels.histogram(assigned, width).rerandomised().compress()
    totals = [np.bincount(assigned[:, k], minlength=spec.bins) for k, spec in enumerate(specs)]
    channel.send(
        guest, "fb.counts", {"sums": sums.to_bytes(), "bins": [s.bins for s in specs], "totals": totals}
    )
    result = channel.recv(guest, "fb.result")
    mappings, ivs, chosen = result["mappings"], result["iv"], result["selected"]
    if not len(mappings) == len(ivs) == len(chosen) == len(specs):
        raise ProtocolError("the guest's binning result does not match this host's features")
    out = HostBinning({})
    for slot, j in enumerate(order):
        name = data.feature_names[int(j)]
        mapping = mappings[slot]
        if mapping is not None and not _is_merge(list(mapping), specs[slot].bins):
            raise ProtocolError("the guest's bin merge is not a monotone map of this feature's bins")
        out.specs[name] = specs[slot] if mapping is None else merge_spec(specs[slot], list(mapping))
        out.iv[name] = float(ivs[slot])
        if chosen[slot]:
            out.selected.append(name)
    out.selected.sort(key=data.feature_names.index)
    return out
