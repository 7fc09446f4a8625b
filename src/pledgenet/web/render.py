"""Pages from templates: the Jinja2 environment, the sections a page is made of, charts, problems.

A page is a title and a list of sections (a table, a summary of figures, a plotly chart, a form, a line of
text, links, an inclusion proof to check); ``page.html`` draws them in order. The same environment renders
the HTML reports the CLI writes (``report.html``), so a report and a page look and read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from pledgenet.errors import PledgenetError
from pledgenet.register.member_views import SEALED
from pledgenet.web.columns import Table
from pledgenet.web.i18n import DEFAULT_LANGUAGE, translate


@dataclass
class Field:
    """One labelled form field (``type``: text, number, date, select, checkbox, file)."""

    name: str
    label: str
    type: str = "text"
    value: Any = None
    required: bool = True
    options: list[tuple[str, str]] = field(default_factory=list)
    step: str | None = None


@dataclass
class Form:
    title: str
    action: str
    fields: list[Field]
    submit: str
    hidden: dict[str, str] = field(default_factory=dict)
    long: bool = False
    multipart: bool = False
    #: "get" for a form that only chooses what a page shows
    method: str = "post"


@dataclass
class Section:
    kind: str
    title: str = ""
    table: Table | None = None
    caption: str | None = None
    csv: str | None = None
    items: list[tuple[str, str]] = field(default_factory=list)
    html: str = ""
    form: Form | None = None
    text: str = ""
    css: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def table_section(title: str, table: Table, caption: str | None = None, csv: str | None = None) -> Section:
    return Section("table", title=title, table=table, caption=caption, csv=csv)


def summary_section(items: list[tuple[str, str]], title: str = "") -> Section:
    return Section("summary", title=title, items=items)


def text_section(text: str, css: str = "") -> Section:
    return Section("text", text=text, css=css)


def form_section(form: Form, title: str = "") -> Section:
    return Section("form", title=title, form=form)


def chart_section(figure: go.Figure, title: str = "") -> Section:
    """A plotly chart; its JavaScript is the node's own ``/static/plotly.min.js`` (or inlined in a report)."""
    figure.update_layout(
        height=360, margin={"l": 60, "r": 20, "t": 30, "b": 60}, template="plotly_white", title=None
    )
    html = figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    return Section("chart", title=title, html=str(html))


@dataclass(frozen=True)
class Problem:
    """What a page shows for a refusal: the same ``error [code]: message`` line the CLI prints."""

    title: str
    code: str
    detail: str
    status: int = 400

    @classmethod
    def of(cls, error: PledgenetError, lang: str, status: int = 400) -> Problem:
        return cls(translate("refused", lang), error.code, error.message, status)


_environment: Environment | None = None


def environment() -> Environment:
    """The templates of ``pledgenet.web`` (autoescaped)."""
    global _environment
    if _environment is None:
        _environment = Environment(
            loader=PackageLoader("pledgenet.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _environment


def render(template: str, lang: str = DEFAULT_LANGUAGE, **context: Any) -> str:
    """``template`` rendered in ``lang``; ``t(key, **values)`` translates inside the template."""

    def t(key: str, **values: Any) -> str:
        return translate(key, lang, **values)

    sections = context.get("sections") or []
    charts = any(isinstance(section, Section) and section.kind == "chart" for section in sections)
    context.setdefault("charts", charts)
    return (
        environment()
        .get_template(template)
        .render(lang=lang, t=t, sealed_marker=translate("sealed", lang), raw_sealed=SEALED, **context)
    )
