"""Template tags of the workspace registers, for pages of the layers below that show them, and
the charts (a KPI's trend, a maturity review's radar and trends), drawn here as SVG: no script,
nothing fetched, the same on a page and in a PDF."""

from __future__ import annotations

import math

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from governance.selectors import KpiState, decimal_text
from governance.selectors import workspace_overview as overview_of
from relationships.models import Relationship

register = template.Library()

# Charts carry their colours as SVG attributes, not CSS classes: WeasyPrint draws inline SVG
# without the page's stylesheet, and a chart must look the same on a page and in a PDF.
CHART_LINE = "#0b5cad"
CHART_MUTED = "#56657a"
CHART_ON = "#0b6e4f"
CHART_OFF = "#a4262c"


@register.simple_tag(takes_context=True)
def workspace_overview(context, relationship: Relationship) -> SafeString:
    """The registers card of the relationship page: links, top risks, escalated issues,
    overdue actions and KPIs off track, as the acting organization sees them."""
    request = context["request"]
    data = {"relationship": relationship, **overview_of(relationship)}
    return render_to_string("governance/_overview.html", data, request=request)


@register.filter
def figure(value) -> str:
    """A stored decimal as people write it."""
    return "" if value is None else decimal_text(value)


@register.simple_tag
def kpi_chart(state: KpiState, width: int = 240, height: int = 64) -> SafeString:
    """The KPI's values as a line over time, its target as a dashed line, the latest value as
    a dot coloured by whether it meets the target. Its text alternative says the same."""
    kpi, values = state.kpi, state.values
    label = f"{kpi.name}: target {decimal_text(kpi.target)} {kpi.unit}"
    if not values:
        return format_html(
            '<svg class="kpi-chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><text x="4"'
            ' y="{}" class="kpi-chart__empty" fill="{}" font-size="12">No values yet</text></svg>',
            width,
            height,
            f"{label}; no values yet.",
            height // 2,
            CHART_MUTED,
        )
    figures = [float(m.value) for m in values] + [float(kpi.target)]
    low, high = min(figures), max(figures)
    span = (high - low) or 1.0
    pad = 6

    def x(i: int) -> str:
        return f"{pad + (width - 2 * pad) * (i / max(len(values) - 1, 1)):.1f}"

    def y(v: float) -> str:
        return f"{height - pad - (height - 2 * pad) * ((v - low) / span):.1f}"

    points = " ".join(f"{x(i)},{y(float(m.value))}" for i, m in enumerate(values))
    target_y = y(float(kpi.target))
    last = values[-1]
    summary = (
        f"{label}; {len(values)} values from {values[0].period:%b %Y} to {last.period:%b %Y}, "
        f"latest {decimal_text(last.value)} {kpi.unit}, "
        f"{'on track' if state.on_track else 'off track'}"
        f"{', ' + state.trend if state.trend else ''}."
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="1.8" class="kpi-chart__point" fill="{}">'
        "<title>{}: {}</title></circle>",
        (
            (x(i), y(float(m.value)), CHART_LINE, f"{m.period:%d %b %Y}", decimal_text(m.value))
            for i, m in enumerate(values)
        ),
    )
    return format_html(
        '<svg class="kpi-chart" viewBox="0 0 {w} {h}" role="img" aria-label="{summary}">'
        '<line x1="{pad}" x2="{x2}" y1="{ty}" y2="{ty}" class="kpi-chart__target"'
        ' stroke="{muted}" stroke-width="1" stroke-dasharray="4 3"/>'
        '<polyline points="{points}" class="kpi-chart__line" fill="none" stroke="{line}"'
        ' stroke-width="2"/>{dots}'
        '<circle cx="{lx}" cy="{ly}" r="3.5" class="kpi-chart__latest '
        'kpi-chart__latest--{state}" fill="{dot}"/></svg>',
        w=width,
        h=height,
        summary=summary,
        pad=pad,
        x2=width - pad,
        ty=target_y,
        points=points,
        dots=dots,
        lx=x(len(values) - 1),
        ly=y(float(last.value)),
        state="on" if state.on_track else "off",
        muted=CHART_MUTED,
        line=CHART_LINE,
        dot=CHART_ON if state.on_track else CHART_OFF,
    )


# --- maturity review charts ------------------------------------------------------------------

#: One colour per party on the radar, in the report's party order; the joint score is dashed.
PARTY_COLOURS = ("#0b5cad", "#b7791f", "#6b46c1", "#0b6e4f", "#c05621", "#2c7a7b")
GAP_COLOUR = CHART_OFF


def radar_series(report: dict) -> list[dict]:
    """The polygons the radar draws: each party the reader may see, then the joint score."""
    series = []
    shown = [p for p in report["parties"] if str(p["organization"]) in _party_keys(report)]
    for index, party in enumerate(shown):
        key = str(party["organization"])
        series.append(
            {
                "name": party["name"],
                "colour": PARTY_COLOURS[index % len(PARTY_COLOURS)],
                "values": [
                    (p["parties"].get(key) or {}).get("median") for p in report["principles"]
                ],
                "dashed": False,
            }
        )
    series.append(
        {
            "name": "Ecosystem median" if report["ecosystem"] else "Joint score",
            "colour": CHART_MUTED,
            "values": [p["joint"] for p in report["principles"]],
            "dashed": True,
        }
    )
    return series


def _party_keys(report: dict) -> set[str]:
    return {key for p in report["principles"] for key in p["parties"]}


@register.simple_tag
def maturity_radar(report: dict, size: int = 440) -> SafeString:
    """Every principle as an axis from 0 to 5, each party's medians as a polygon (the joint
    score dashed), and a red bar on the axes where the parties' medians lie 1.5 or more apart
    (the perception gap). Drawn here so that the page and the PDF show the same chart."""
    principles = report["principles"]
    count = len(principles)
    centre, radius = size / 2, size / 2 - 48

    def point(index: int, value: float) -> tuple[float, float]:
        angle = math.pi * 2 * index / count - math.pi / 2
        distance = radius * max(0.0, min(value, 5.0)) / 5
        return (
            round(centre + distance * math.cos(angle), 1),
            round(centre + distance * math.sin(angle), 1),
        )

    parts = []
    for level in range(1, 6):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(count)))
        parts.append(
            format_html(
                '<polygon points="{}" fill="none" stroke="#d5dbe3" stroke-width="1"/>', ring
            )
        )
    for index, principle in enumerate(principles):
        x, y = point(index, 5)
        lx, ly = point(index, 5.75)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d5dbe3"/>'
                '<text x="{}" y="{}" font-size="13" text-anchor="middle" '
                'dominant-baseline="middle" fill="#1a202c"><title>{}</title>{}</text>',
                centre,
                centre,
                x,
                y,
                lx,
                ly,
                principle["title"],
                index + 1,
            )
        )
    summary = []
    for series in radar_series(report):
        values = series["values"]
        if all(v is None for v in values):
            continue
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, v or 0) for i, v in enumerate(values))
        )
        parts.append(
            format_html(
                '<polygon points="{}" fill="none" stroke="{}" stroke-width="2.5" '
                'stroke-linejoin="round" stroke-dasharray="{}"><title>{}</title></polygon>',
                points,
                series["colour"],
                "6 4" if series["dashed"] else "none",
                series["name"],
            )
        )
        summary.append(series["name"])
    gaps = []
    for index, principle in enumerate(principles):
        medians = [p["median"] for p in principle["parties"].values()]
        gap = principle.get("gap")
        if gap is None or gap < 1.5 or len(medians) < 2:
            continue
        (x1, y1), (x2, y2) = point(index, min(medians)), point(index, max(medians))
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                'stroke-width="6" stroke-linecap="round" opacity="0.8"><title>Gap of {} on {}'
                "</title></line>",
                x1,
                y1,
                x2,
                y2,
                GAP_COLOUR,
                gap,
                principle["title"],
            )
        )
        gaps.append(f"{principle['title']} ({gap})")
    label = f"Radar of {count} principles, scored 0 to 5: {', '.join(summary)}." + (
        f" Perception gaps of 1.5 or more on: {'; '.join(gaps)}." if gaps else " No wide gap."
    )
    return format_html(
        '<svg class="maturity-radar" viewBox="0 0 {s} {s}" width="{s}" height="{s}" role="img" '
        'aria-label="{}">{}</svg>',
        label,
        mark_safe("".join(parts)),  # noqa: S308 - every part is built with format_html above
        s=size,
    )


@register.simple_tag
def maturity_trend(principle: dict, width: int = 120, height: int = 32) -> SafeString:
    """The joint score of a principle over the earlier reviews and this one, as a line."""
    points = [p["joint"] for p in principle.get("previous", [])] + [principle["joint"]]
    values = [(i, v) for i, v in enumerate(points) if v is not None]
    label = f"{principle['title']}: joint score over {len(values)} review(s)"
    if len(values) < 2:
        return format_html(
            '<svg class="maturity-trend" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
            'aria-label="{}"><text x="2" y="{}" font-size="11" fill="{}">First review</text></svg>',
            width,
            height,
            width,
            height,
            f"{label}; no earlier review.",
            height - 10,
            CHART_MUTED,
        )
    pad = 4

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * i / max(len(points) - 1, 1)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v - 1) / 4

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in values)
    last_i, last_v = values[-1]
    summary = f"{label}: " + ", ".join(f"{v:g}" for _, v in values) + "."
    return format_html(
        '<svg class="maturity-trend" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{summary}"><polyline points="{line}" fill="none" stroke="{colour}" '
        'stroke-width="2"/><circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/></svg>',
        w=width,
        h=height,
        summary=summary,
        line=line,
        colour=CHART_LINE,
        cx=f"{x(last_i):.1f}",
        cy=f"{y(last_v):.1f}",
    )


@register.simple_tag
def maturity_legend(report: dict) -> SafeString:
    """The radar's key: a line in each series' colour (dashed for the joint score), the gap."""
    items = [
        format_html(
            '<li><svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" '
            'y2="5" stroke="{}" stroke-width="3" stroke-dasharray="{}"/></svg> {}</li>',
            series["colour"],
            "6 4" if series["dashed"] else "none",
            series["name"],
        )
        for series in radar_series(report)
    ]
    items.append(
        format_html(
            '<li><svg width="28" height="10" aria-hidden="true"><line x1="3" y1="5" x2="25" '
            'y2="5" stroke="{}" stroke-width="6" stroke-linecap="round"/></svg> {}</li>',
            GAP_COLOUR,
            "A perception gap of 1.5 or more between the parties",
        )
    )
    return format_html('<ul class="maturity-legend">{}</ul>', mark_safe("".join(items)))  # noqa: S308
