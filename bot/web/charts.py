"""The report's charts: SVG drawn on the server by pygal, each in a light and a dark version.

A chart travels as an `<img>` with a `data:image/svg+xml` URI: an SVG image can load nothing and run
nothing (pygal's small inline config script stays inert), so the page works offline under a
Content-Security-Policy of `img-src data:` with no script at all. Every chart has a data table under it
(built from the same numbers) for screen readers and for print.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style

from handlers.reports.model import Report

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif'
_COMMON = {"font_family": FONT, "label_font_size": 13, "major_label_font_size": 13, "legend_font_size": 14,
           "title_font_size": 16, "value_font_size": 12, "tooltip_font_size": 13, "opacity": ".85",
           "opacity_hover": ".95", "transition": "0ms"}
LIGHT = Style(background="#ffffff", plot_background="#ffffff", foreground="#1f2933", foreground_strong="#111827",
              foreground_subtle="#6b7280", guide_stroke_color="#d1d5db", major_guide_stroke_color="#9ca3af",
              colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c"), **_COMMON)
DARK = Style(background="#111827", plot_background="#111827", foreground="#e5e7eb", foreground_strong="#f9fafb",
             foreground_subtle="#9ca3af", guide_stroke_color="#374151", major_guide_stroke_color="#4b5563",
             colors=("#93c5fd", "#fbbf24", "#6ee7b7", "#c4b5fd", "#fda4af"), **_COMMON)


@dataclass(frozen=True, slots=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    description: str  # the alt text
    light: str  # data: URIs
    dark: str
    table: Table


_INERT = re.compile(rb"<script\b.*?</script>|<!--.*?-->", re.DOTALL)


def _uri(svg: bytes) -> str:
    """pygal's inline config script (inert in an image anyway) and its comments are dropped: a third smaller."""
    return "data:image/svg+xml;base64," + base64.b64encode(_INERT.sub(b"", svg)).decode("ascii")


def _render(build: pygal.graph.graph.Graph) -> tuple[str, str]:
    out = []
    for style in (LIGHT, DARK):
        chart = build(style)
        out.append(_uri(chart.render()))
    return out[0], out[1]


def _config(style: Style, **extra: object) -> dict[str, object]:
    return {"style": style, "js": [], "width": 720, "height": 340, "explicit_size": False, "show_legend": True,
            "legend_at_bottom": True, "legend_at_bottom_columns": 3, "disable_xml_declaration": False,
            "print_values": False, "margin": 16, "margin_right": 44, "x_label_rotation": 0, "truncate_label": -1,
            "show_minor_x_labels": True, "dots_size": 4, "stroke_style": {"width": 3},
            "y_labels_major_every": None, "value_formatter": lambda v: f"{v:g}",
            **extra}


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def dimension_chart(report: Report, dim_id: str) -> Chart:
    dim = next(d for d in report.dimensions if d.id == dim_id)
    labels = [r.label for r in report.rounds]
    values = [r.means.get(dim_id) for r in report.rounds]  # a mean that may not be shown: a gap
    good = {"high": "higher is better", "low": "lower is better", "middle": "3 is about right"}[dim.good]

    def build(style: Style) -> pygal.Line:
        chart = pygal.Line(**_config(style, range=(1, 5), show_legend=False, y_labels=[1, 2, 3, 4, 5]))
        chart.title = f"{dim.name} (1–5, {good})"
        chart.x_labels = labels
        chart.add(dim.name, values)
        return chart

    light, dark = _render(build)
    rows = tuple((r.label, _fmt(r.means.get(dim_id)), f"{r.answered} of {r.invited}") for r in report.rounds)
    return Chart(f"dim-{dim_id}", f"{dim.name} over time",
                 f"Line chart of the team's average {dim.name.lower()} per pulse round; the table below has the "
                 "numbers.", light, dark,
                 Table(f"{dim.name}: team average per round (1–5, {good})", ("Round", "Average", "Answered"), rows))


def response_chart(report: Report) -> Chart:
    def build(style: Style) -> pygal.Bar:
        chart = pygal.Bar(**_config(style, range=(0, 100), show_legend=False))
        chart.title = "Response rate per round (%)"
        chart.x_labels = [r.label for r in report.rounds]
        chart.add("Answered (%)", [r.response_rate for r in report.rounds])
        return chart

    light, dark = _render(build)
    rows = tuple((r.label, f"{r.response_rate}%", f"{r.answered} of {r.invited}") for r in report.rounds)
    return Chart("response", "Response rate", "Bar chart of the share of invited people who answered each round; "
                 "the table below has the numbers.", light, dark,
                 Table("Response rate per round", ("Round", "Answered", "Of invited"), rows))


def _energy_by_week(report: Report) -> list[float | None]:
    from handlers.reports.observe import ENERGY, week_before

    by_week: dict[object, float] = {}
    for r in report.rounds:
        week = week_before(r, report.weeks)
        if week is not None and ENERGY in r.means:
            by_week[week.week_start] = r.means[ENERGY]
    return [by_week.get(w.week_start) for w in report.weeks]


def week_label(report: Report, index: int) -> str:
    start = report.weeks[index].week_start
    return f"{start.day} {start:%b}"


def meetings_chart(report: Report) -> Chart:
    labels = [week_label(report, i) for i in range(len(report.weeks))]
    hours = [w.meeting_hours for w in report.weeks]
    energy = _energy_by_week(report)

    def build(style: Style) -> pygal.Bar:
        chart = pygal.Bar(**_config(style, secondary_range=(1, 5)))
        chart.title = "Meeting hours per week, and the energy of the round after"
        chart.x_labels = labels
        chart.add("Meeting hours", hours)
        chart.add("Energy (1–5, right axis)", energy, secondary=True)
        return chart

    light, dark = _render(build)
    rows = tuple((f"Week of {labels[i]}", str(w.meetings), _fmt(w.meeting_hours), _fmt(energy[i]))
                 for i, w in enumerate(report.weeks))
    return Chart("meetings", "Meeting hours against energy",
                 "Bar chart of meeting hours per week with the energy of the pulse round that followed each week; "
                 "the table below has the numbers.", light, dark,
                 Table("Meetings per week and the energy of the round after (a week without a shown round has none)",
                       ("Week", "Meetings", "Hours", "Energy after"), rows))


def decisions_chart(report: Report) -> Chart:
    labels = [week_label(report, i) for i in range(len(report.weeks))]
    series: Sequence[tuple[str, list[int]]] = (
        ("Dropped something", [w.dropped for w in report.weeks]),
        ("Moved the deadline", [w.extended for w in report.weeks]),
        ("Parked", [w.parked for w in report.weeks]),
        ("Not scope creep", [w.dismissed for w in report.weeks]),
    )

    def build(style: Style) -> pygal.StackedBar:
        chart = pygal.StackedBar(**_config(style, legend_at_bottom_columns=2))
        chart.title = "\u201cWhat do we drop?\u201d decisions per week"
        chart.x_labels = labels
        for name, values in series:
            chart.add(name, values)
        return chart

    light, dark = _render(build)
    rows = tuple((f"Week of {labels[i]}", str(w.dropped), str(w.extended), str(w.parked), str(w.dismissed))
                 for i, w in enumerate(report.weeks))
    return Chart("decisions", "Scope-creep decisions",
                 "Stacked bar chart of the scope-creep decisions made each week; the table below has the numbers.",
                 light, dark, Table("Scope-creep decisions per week",
                                    ("Week", "Dropped", "Deadline moved", "Parked", "Not scope creep"), rows))


def charts(report: Report) -> list[Chart]:
    out: list[Chart] = []
    if report.rounds:
        out.extend(dimension_chart(report, d.id) for d in report.dimensions)
        out.append(response_chart(report))
    out.append(meetings_chart(report))
    out.append(decisions_chart(report))
    return out
