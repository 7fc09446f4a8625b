"""The reports the CLI and the demo write (the registrar's weekly statistics as CSV and HTML, the
regulator's risk report as HTML) in the dashboard's presentation: headings people read, amounts in CNY with
separators and readable units, "—" where a figure does not apply, charts drawn by plotly. A report is one
self-contained file: the styles and plotly.js are inline, so it opens without a network. The figures come
from ``risk.reports`` (``weekly_statistics``, ``risk_report``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from pledgenet.errors import ConfigError
from pledgenet.risk.breakdowns import by_group
from pledgenet.risk.pledge_book import Market, PledgeBook
from pledgenet.risk.reports import risk_report, weekly_statistics
from pledgenet.risk.valuation import Valuation
from pledgenet.web.columns import table
from pledgenet.web.format import exposure, integer, percent, trade_date
from pledgenet.web.i18n import translate
from pledgenet.web.render import Section, chart_section, render, summary_section, table_section

#: columns of the report tables
WEEKLY_TOP = ["code", "name", "pledges", "unrestricted_pledged", "restricted_pledged", "total_shares",
              "pledge_ratio"]  # fmt: skip
LARGEST = ["contract_id", "code", "pledgee", "owed_fen", "guarantee_ratio", "status"]
PLEDGEES = ["org", "kind", "contracts", "exposure_fen", "share_warning", "share_triggered",
            "distance_to_firm_cap", "distance_to_product_cap", "hhi_by_stock"]  # fmt: skip
GROUPS = ["companies", "contracts", "exposure_fen", "share_warning", "share_triggered", "ratio"]
STRESS = ["scenario", "warning", "triggered", "exposure_triggered_fen", "shortfall_fen", "uncovered_fen",
          "worst_pledgee"]  # fmt: skip

#: report words beyond the dashboard's (English, 中文)
WORDS = {
    "weekly.title": ("Weekly pledge statistics", "股票质押每周统计"),
    "risk.title": ("Pledge risk report", "股票质押风险报告"),
    "companies": ("Companies with pledges", "有质押的公司"),
    "pledged_value": ("Pledged market value", "质押市值"),
    "pledged_shares": ("Shares pledged", "质押股数"),
    "unrestricted_share": ("Unrestricted share", "无限售股占比"),
    "by_board": ("Pledged market value by board", "各板块质押市值"),
    "ratio_per_company": ("Pledge ratio per company (%)", "各公司质押比例（%）"),
    "highest": ("Highest pledge ratios", "质押比例最高的公司"),
    "contracts": ("Contracts", "合约数"),
    "exposure": ("Exposure", "敞口"),
    "average_ratio": ("Average guarantee ratio", "平均履约保障比例"),
    "shortfall": ("Shortfall to closing lines", "距平仓线缺口"),
    "pledgees": ("Pledgees", "质权人"),
    "boards": ("By board", "按板块"),
    "industries": ("By industry (largest 15)", "按行业（前 15）"),
    "stress_triggered": ("Contracts at the closing line under each scenario", "各情景下触及平仓线的合约数"),
}


def _w(key: str, lang: str) -> str:
    english, chinese = WORDS[key]
    return chinese if lang == "zh-CN" else english


def _page(title: str, as_of: str, sections: list[Section], lang: str) -> str:
    css = (resources.files("pledgenet.web") / "static" / "app.css").read_text(encoding="utf-8")
    subtitle = f"{translate('as_of', lang)} {trade_date(as_of, lang)}"
    return render(
        "report.html",
        lang,
        title=title,
        subtitle=subtitle,
        sections=sections,
        css=css,
        plotly_js=get_plotlyjs(),
    )


def weekly_html(per_stock: pd.DataFrame, summary: dict[str, Any], as_of: str, lang: str = "en") -> str:
    """The weekly statistics page: figures, three charts, the highest pledge ratios."""
    buckets = summary["companies_by_ratio_bucket"]
    values = summary["pledged_value_fen_by_board"]
    boards = [translate(f"value.{board}", lang, default=board) for board in values]
    unit = "亿元" if lang == "zh-CN" else "CNY bn"
    scale = 1e10 if lang == "zh-CN" else 1e11
    top = per_stock.sort_values("pledge_ratio", ascending=False).head(20)
    return _page(
        f"{_w('weekly.title', lang)} {as_of}",
        as_of,
        [
            summary_section(
                [
                    (_w("companies", lang), integer(summary["companies_with_pledges"], lang)),
                    (_w("pledged_value", lang), exposure(summary["pledged_value_fen"], lang)),
                    (_w("pledged_shares", lang), integer(summary["pledged_shares"], lang)),
                    (_w("unrestricted_share", lang), percent(summary["unrestricted_share"], lang)),
                ]
            ),
            chart_section(
                go.Figure(go.Bar(x=list(buckets), y=list(buckets.values()))),
                translate("section.buckets", lang),
            ),
            chart_section(
                go.Figure(go.Bar(x=boards, y=[v / scale for v in values.values()])),
                f"{_w('by_board', lang)} ({unit})",
            ),
            chart_section(
                go.Figure(go.Histogram(x=per_stock["pledge_ratio"] * 100.0, nbinsx=60)),
                _w("ratio_per_company", lang),
            ),
            table_section(_w("highest", lang), table(top, WEEKLY_TOP, lang)),
        ],
        lang,
    )


def risk_html(
    report: dict[str, Any],
    boards: pd.DataFrame,
    industries: pd.DataFrame,
    stress_results: pd.DataFrame | None,
    as_of: str,
    lang: str = "en",
) -> str:
    """The regulator's report page: figures, the ratio and status charts, exposures, pledgees, groups,
    stress."""
    distribution, status = report["ratio_distribution"], report["by_status"]
    status_chart = go.Figure(
        go.Bar(x=[translate(f"value.{s}", lang) for s in status], y=list(status.values()),
               marker_color=["#2a9d8f", "#b7791f", "#a4161a"][: len(status)])
    )  # fmt: skip
    sections = [
        summary_section(
            [
                (_w("contracts", lang), integer(report["contracts"], lang)),
                (_w("exposure", lang), exposure(report["exposure_fen"], lang)),
                (_w("average_ratio", lang), percent(report["average_guarantee_ratio"], lang)),
                (_w("shortfall", lang), exposure(report["shortfall_to_closing_fen"], lang)),
            ]
        ),
        chart_section(go.Figure(go.Bar(x=list(distribution), y=list(distribution.values()))),
                      translate("section.ratio_distribution", lang)),
        chart_section(status_chart, translate("section.by_status", lang)),
        table_section(translate("section.largest", lang), table(report["largest_exposures"], LARGEST, lang)),
        table_section(_w("pledgees", lang), table(report["pledgees"], PLEDGEES, lang)),
        table_section(_w("boards", lang), table(boards, ["board", *GROUPS], lang)),
        table_section(_w("industries", lang), table(industries, ["industry", *GROUPS], lang)),
    ]  # fmt: skip
    if stress_results is not None and len(stress_results):
        chart = go.Figure(go.Bar(x=stress_results["scenario"], y=stress_results["triggered"]))
        sections += [
            table_section(translate("section.stress_results", lang), table(stress_results, STRESS, lang)),
            chart_section(chart, _w("stress_triggered", lang)),
        ]
    return _page(f"{_w('risk.title', lang)} {as_of}", as_of, sections, lang)


def _write(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    return path


def write_weekly_report(
    book: PledgeBook, market: Market, directory: Path, as_of: str, lang: str = "en"
) -> dict[str, Path]:
    """``weekly_<as_of>.csv`` (per stock, raw units) and ``weekly_<as_of>.html`` (figures and charts in the
    dashboard's presentation, ``lang`` ``en`` or ``zh-CN``)."""
    per_stock, summary = weekly_statistics(book, market)
    csv_path = directory / f"weekly_{as_of}.csv"
    _write(csv_path, per_stock.to_csv(index=False))
    html_path = _write(directory / f"weekly_{as_of}.html", weekly_html(per_stock, summary, as_of, lang))
    return {"csv": csv_path, "html": html_path}


def write_risk_report(
    book: PledgeBook,
    market: Market,
    valuation: Valuation,
    directory: Path,
    as_of: str,
    stress_results: pd.DataFrame | None = None,
    lang: str = "en",
) -> dict[str, Path]:
    """``risk_<as_of>.html``: the regulator's report with charts and tables (the dashboard's presentation)."""
    report = risk_report(book, market, valuation, stress_results)
    boards = by_group(book, market, valuation, "board")
    industries = by_group(book, market, valuation, "industry").head(15)
    page = risk_html(report, boards, industries, stress_results, as_of, lang)
    return {"html": _write(directory / f"risk_{as_of}.html", page)}
