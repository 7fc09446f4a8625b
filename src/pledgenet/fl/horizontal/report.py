"""The HTML report of a horizontal job: learning curves, per-lender metrics, the privacy budget spent.

One self-contained page (plotly.js inlined: it opens offline, no CDN).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import plotly.graph_objects as go


def _curve_figure(component: str, curve: list[dict[str, float]]) -> str:
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=[p["round"] for p in curve], y=[p["auc"] for p in curve], name="global AUC")
    )
    axis = "tree" if component == "gbdt" else "round"
    figure.update_layout(title=f"{component}: AUC on the evaluation set", xaxis_title=axis, yaxis_title="AUC")
    return str(figure.to_html(full_html=False, include_plotlyjs=False))


def _lender_figure(component: str, lenders: dict[str, dict[str, float]]) -> str:
    names = sorted(lenders)
    figure = go.Figure()
    for key, label in (
        ("global_auc", "global model"),
        ("ditto_auc", "Ditto"),
        ("finetune_auc", "fine-tuned"),
    ):
        if all(key in lenders[n] for n in names):
            figure.add_trace(go.Bar(x=names, y=[lenders[n][key] for n in names], name=label))
    figure.update_layout(
        title=f"{component}: each lender's AUC on its own test split", barmode="group", yaxis_title="AUC"
    )
    return str(figure.to_html(full_html=False, include_plotlyjs=False))


def _table(rows: dict[str, dict[str, Any]]) -> str:
    columns = sorted({k for row in rows.values() for k in row})
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><td>{html.escape(name)}</td>"
        + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns)
        + "</tr>"
        for name, row in sorted(rows.items())
    )
    return f"<table border='1' cellpadding='4'><tr><th></th>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"
    return html.escape("" if value is None else str(value))


def write_horizontal_report(path: Path, results: dict[str, Any]) -> None:
    from plotly.offline import get_plotlyjs

    sections = []
    for component, outcome in results.items():
        if not isinstance(outcome, dict) or "lenders" not in outcome:
            continue
        parts = [f"<h2>{html.escape(component)}</h2>"]
        if outcome.get("curve"):
            parts.append(_curve_figure(component, outcome["curve"]))
        parts.append(_lender_figure(component, outcome["lenders"]))
        parts.append(_table(outcome["lenders"]))
        privacy = outcome.get("privacy")
        if privacy:
            parts.append("<h3>Privacy budget</h3>" + _table({"client-level DP": privacy}))
        else:
            parts.append("<p>No differential privacy in this component (secure aggregation only).</p>")
        if outcome.get("round_seconds"):
            seconds = outcome["round_seconds"]
            parts.append(f"<p>rounds: {len(seconds)}, mean round {sum(seconds) / len(seconds):.3f} s, "
                         f"lenders in each round's sum: {outcome.get('survivors')}</p>")  # fmt: skip
        sections.append("".join(parts))
    title = html.escape(str(results.get("job", "job")))
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<script>{get_plotlyjs()}</script></head><body><h1>Horizontal FL job {title}</h1>"
        f"<p>lenders: {html.escape(', '.join(results.get('lenders', [])))}</p>"
        + "".join(sections)
        + "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page)
