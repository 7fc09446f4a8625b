"""Horizontal gradient boosting over the channel: every sum a lender contributes goes through secure
aggregation, so the aggregator sees pooled histograms only (see :mod:`pledgenet.fl.horizontal.gbdt`).

The aggregator drives the job with ``hgb.step`` requests; after each one every lender contributes one
securely aggregated vector: ``grid`` (rows per grid cell, for the bins), ``base`` (defaults and rows, for
the starting log-odds), ``level`` (gradient and hessian histograms of the open nodes). Each request carries
the decisions of the step before (bin edges, base score, splits and leaf values), so lenders build the
same model as the aggregator. ``finish`` ends the job; each lender then reports the final model's AUC on
its own test split (``hgb.metrics``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pledgenet.crypto.secagg import RingEncoding, SecAggParams, contribute, secure_sum
from pledgenet.errors import ProtocolError
from pledgenet.fl import metrics
from pledgenet.fl.data import PartyData
from pledgenet.fl.horizontal.gbdt import (
    GbdtParams,
    Tree,
    apply_decisions,
    bin_features,
    choose_edges,
    decide_level,
    grid_counts,
    level_histograms,
    logistic_gradients,
    predict_raw,
)
from pledgenet.fl.horizontal.lenders import LenderData

STEP_TAG, METRICS_TAG = "hgb.step", "hgb.metrics"


def _params(job: str, step: int, lenders: list[str], length: int, gbdt: GbdtParams) -> SecAggParams:
    group = len(lenders) if gbdt.degree is None else gbdt.degree + 1
    threshold = gbdt.threshold or max(group // 2 + 1, -(-2 * group // 3))
    context = f"{job}|gbdt|step-{step}".encode()
    return SecAggParams(
        tuple(lenders), threshold=threshold, length=length, context=context, degree=gbdt.degree
    )


def _encoding(gbdt: GbdtParams, lenders: int, scale: float) -> RingEncoding:
    return RingEncoding(bound=float(gbdt.max_rows), parties=lenders, scale=scale)


def _wire_splits(splits: dict[int, tuple[int, int]]) -> list[list[int]]:
    return [[n, f, b] for n, (f, b) in splits.items()]


def _wire_leaves(leaves: dict[int, float]) -> list[list[float]]:
    return [[float(n), v] for n, v in leaves.items()]


def serve_gbdt(
    channel: Any,
    lenders: list[str],
    columns: int,
    gbdt: GbdtParams,
    *,
    job: str = "job",
    evaluation: PartyData | None = None,
) -> dict[str, Any]:
    """The aggregator's side: returns the model, the AUC curve over trees and every lender's metrics."""
    step = 0

    def request(body: dict[str, Any], length: int, scale: float) -> np.ndarray:
        nonlocal step
        for lender in lenders:
            channel.send(lender, STEP_TAG, {"step": step, **body})
        outcome = secure_sum(channel, _params(job, step, lenders, length, gbdt), deadline_s=gbdt.deadline_s)
        step += 1
        return _encoding(gbdt, len(lenders), scale).decode_sum(outcome.total, len(outcome.survivors))

    counts = request({"kind": "grid"}, columns * gbdt.grid_cells, 1.0)
    edges = choose_edges(np.rint(counts), columns, gbdt)
    positives, rows = request({"kind": "base", "edges": edges}, 2, 1.0)
    rate = float(np.clip(positives / max(rows, 1.0), 1e-6, 1 - 1e-6))
    base = float(np.log(rate / (1 - rate)))
    trees: list[Tree] = []
    curve: list[dict[str, float]] = []
    pending: dict[str, Any] = {"base": base, "splits": [], "leaves": []}
    histogram_length = 2 * columns * gbdt.max_bins
    for tree_no in range(gbdt.n_trees):
        tree, active = Tree(), [0]
        for depth in range(gbdt.max_depth):
            if not active:
                break
            body = {"kind": "level", "tree": tree_no, "nodes": active, **pending}
            sums = request(body, len(active) * histogram_length, gbdt.scale)
            splits, leaves, next_open, value_splits = decide_level(sums, active, depth, columns, edges, gbdt)
            tree.splits.update(value_splits)
            tree.leaves.update(leaves)
            pending = {"splits": _wire_splits(splits), "leaves": _wire_leaves(leaves)}
            active = next_open
        trees.append(tree)
        if evaluation is not None and evaluation.labels is not None:
            auc = metrics.auc(evaluation.labels, predict_raw(trees, base, evaluation.features))
            curve.append({"round": tree_no + 1, "auc": auc})
    for lender in lenders:
        channel.send(lender, STEP_TAG, {"step": step, "kind": "finish", **pending})
    reports = {lender: channel.recv(lender, METRICS_TAG) for lender in lenders}
    for lender, report in reports.items():
        if not isinstance(report, dict) or not isinstance(report.get("global_auc"), float):
            raise ProtocolError(f"{lender} sent malformed metrics")
    return {"base": base, "trees": trees, "edges": edges, "curve": curve, "lenders": reports}


def join_gbdt(
    channel: Any, aggregator: str, lenders: list[str], data: LenderData, gbdt: GbdtParams, *, job: str = "job"
) -> dict[str, float]:
    """A lender's side: answer each step with its securely aggregated contribution; rebuild the model."""
    features = data.train.features
    if data.train.labels is None or data.test.labels is None:
        raise ProtocolError(f"{data.name} holds no labels")
    labels = data.train.labels.astype(np.float64)
    columns = features.shape[1]
    binned = np.zeros_like(features, dtype=np.int64)
    edges: list[np.ndarray] = []
    raw, node = np.zeros(len(labels)), np.zeros(len(labels), dtype=np.int64)
    grad = hess = np.zeros(len(labels))
    base, trees, building, current_tree = 0.0, [], None, -1
    while True:
        message = channel.recv(aggregator, STEP_TAG)
        try:
            kind, step = message["kind"], int(message["step"])
            if "base" in message:
                base = float(message["base"])
                raw[:] = base
            splits = {int(n): (int(f), int(b)) for n, f, b in message.get("splits", [])}
            leaves = {int(n): float(v) for n, v in message.get("leaves", [])}
            apply_decisions(binned, node, raw, splits, leaves)
        except (KeyError, TypeError, ValueError, IndexError):
            raise ProtocolError("the aggregator sent a malformed boosting step") from None
        if building is not None:
            building.splits.update({n: (f, float(edges[f][b])) for n, (f, b) in splits.items()})
            building.leaves.update(leaves)
        if kind == "finish":
            break
        if kind == "grid":
            vector, scale = grid_counts(features, gbdt), 1.0
        elif kind == "base":
            edges = [np.asarray(e, dtype=np.float64) for e in message["edges"]]
            if len(edges) != columns:
                raise ProtocolError("the aggregator sent bin edges for another number of features")
            binned = bin_features(features, edges)
            vector, scale = np.array([labels.sum(), float(len(labels))]), 1.0
        elif kind == "level":
            if int(message["tree"]) != current_tree:
                current_tree = int(message["tree"])
                if building is not None:
                    trees.append(building)
                building = Tree()
                grad, hess = logistic_gradients(raw, labels)
                node[:] = 0
            active = [int(n) for n in message["nodes"]]
            vector, scale = level_histograms(binned, grad, hess, node, active, gbdt.max_bins), gbdt.scale
        else:
            raise ProtocolError(f"unknown boosting step {kind!r}")
        encoded = _encoding(gbdt, len(lenders), scale).encode(vector)
        contribute(channel, aggregator, _params(job, step, lenders, len(vector), gbdt), encoded)
    if building is not None:
        trees.append(building)
    scores = predict_raw(trees, base, data.test.features)
    report = {"global_auc": metrics.auc(data.test.labels, scores)}  # no row counts: they tell the size
    channel.send(aggregator, METRICS_TAG, report)
    return report
