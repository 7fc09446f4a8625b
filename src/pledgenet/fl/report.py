"""The HTML report of a vertical FL job: metrics tables and ROC / KS curves (plotly, self-contained)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import plotly.graph_objects as go


def _figures(name: str, curve: dict[str, list[float]]) -> str:
    roc = go.Figure()
    roc.add_trace(go.Scatter(x=curve["fpr"], y=curve["tpr"], name="ROC"))
    roc.add_trace(go.Scatter(x=[0, 1], y=[0, 1], name="chance", line={"dash": "dot"}))
    roc.update_layout(
        title=f"{name}: ROC", xaxis_title="false positive rate", yaxis_title="true positive rate"
    )
    ks = go.Figure()
    ks.add_trace(go.Scatter(x=curve["threshold"], y=curve["tpr"], name="defaults above threshold"))
    ks.add_trace(go.Scatter(x=curve["threshold"], y=curve["fpr"], name="non-defaults above threshold"))
    gap = [t - f for t, f in zip(curve["tpr"], curve["fpr"], strict=True)]
    ks.add_trace(go.Scatter(x=curve["threshold"], y=gap, name="KS gap"))
    ks.update_layout(title=f"{name}: KS", xaxis_title="score threshold", yaxis_title="cumulative share")
    return roc.to_html(full_html=False, include_plotlyjs=False) + ks.to_html(
        full_html=False, include_plotlyjs=False
    )


def write_report(
    path: Path, job: str, results: dict[str, Any], curves: dict[str, dict[str, list[float]]]
) -> None:
    """Write one HTML page with every component's metrics and curves (plotly.js inlined: works offline)."""
    from plotly.offline import get_plotlyjs

    sections = []
    for component, curve in curves.items():
        figures = results[component]
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{v:.4f}</td></tr>"
            for k, v in figures.items()
            if isinstance(v, float)
        )
        sections.append(f"<h2>{html.escape(component)}</h2><table>{rows}</table>{_figures(component, curve)}")
    measured = results.get("contribution")
    if isinstance(measured, dict) and "values_ppm" in measured:
        rows = "".join(
            f"<tr><td>{html.escape(str(player))}</td><td>{value:.0f}</td>"
            f"<td>{measured['std_errors_ppm'][player]:.0f}</td></tr>"
            for player, value in measured["values_ppm"].items()
        )
        sections.append(
            f"<h2>contribution ({html.escape(str(measured['estimator']))} Shapley of "
            f"{html.escape(str(measured['metric']))}, ppm)</h2><table><tr><th>player</th><th>value</th>"
            f"<th>standard error</th></tr>{rows}</table>"
        )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(job)}</title>"
        f"<script>{get_plotlyjs()}</script></head><body><h1>Vertical FL job {html.escape(job)}</h1>"
        f"<p>aligned rows: {results['rows']['aligned']}, test rows: {results['rows']['test']}</p>"
        + "".join(sections)
        + "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page)
