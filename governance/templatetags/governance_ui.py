"""Template tags of the workspace registers, for pages of the layers below that show them, and
the KPI trend chart, drawn here as SVG (no script, nothing fetched)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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
