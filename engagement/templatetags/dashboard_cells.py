"""A dashboard row's cells in Python: a page of 50 rows has 450 of them, and a template
include per cell cost more than computing the figures."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from engagement.measures import BY_KEY, Value

register = template.Library()


def _cell(value: Value, label: str, low: str, language: str) -> str:
    display = escape(value.display_in(language))
    if value.value is None:
        return f'<td data-label="{label}"><span class="muted">{display}</span></td>'
    n = f'<small class="n"> · n={value.n}</small>'
    if value.low:
        mark = f'<span class="low-mark">▼ {low}</span>'
        return f'<td data-label="{label}" class="low">{display} {mark}{n}</td>'
    return f'<td data-label="{label}">{display}{n}</td>'


@register.simple_tag
def dashboard_row(row) -> SafeString:
    """One <tr> of the dashboard: the row's heading (a team links to its drill-down,
    with its program, phase and facilitators; a facilitator or program says how many
    teams) and its cells."""
    if row.team is not None:
        team = row.team
        href = _drilldown_href(get_script_prefix()).format(team.pk)
        heading = (
            f'<a href="{href}">{escape(row.label)}</a><br><small class="muted">'
            f"{escape(team.program_name)} · {escape(team.phase_label)} · {escape(row.detail)}"
            "</small>"
        )
    else:
        heading = escape(row.label)
        if row.detail:
            n = int(row.detail)
            count = ngettext("%(n)s team", "%(n)s teams", n) % {"n": n}
            heading += f' <small class="muted">· {escape(count)}</small>'
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<tr><th scope="row">{heading}</th>{measure_cells(row.cells)}</tr>'
    )


@register.simple_tag
def measure_cells(values: list[Value]) -> SafeString:
    """One <td> per measure: the figure, "▼ low" when low, and what it rests on (n); or,
    when there is no figure, why not in words."""
    language = get_language()
    low = _words(language, "low")
    cells = [_cell(value, _label(language, value.measure.key), low, language) for value in values]
    return mark_safe("".join(cells))  # noqa: S308 (every value above is escaped)


@lru_cache(maxsize=8)
def _drilldown_href(script_prefix: str) -> str:
    """A team's drill-down address with {} for its id (reversed once per prefix, not once
    per row)."""
    return escape(reverse("dashboard_team", args=[0])).replace("/0/", "/{}/")


@lru_cache(maxsize=64)
def _label(language: str, key: str) -> str:
    return escape(str(BY_KEY[key].label))


@lru_cache(maxsize=8)
def _words(language: str, text: str) -> str:
    return escape(_(text))


@register.simple_tag
def trend_rows(trend: dict) -> SafeString:
    """The <tr> of a trend's table: the week, and its figure (and "low")."""
    language = get_language()
    low = " · " + _words(language, "low")
    label = escape(trend["label"])
    rows = [
        f'<tr><th scope="row">{escape(week)}</th><td data-label="{label}">'
        f"{escape(value.display_in(language))}{low if value.low else ''}</td></tr>"
        for week, value in trend["rows"]
    ]
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def measure_trend(trend: dict) -> SafeString:
    """A measure's 12 weeks, folded: a small SVG line (the dashed line marks "low"; a gap
    is a week without a figure) and the same points as a table, for screen readers and
    without colour (engagement.dashboards.chart gives the coordinates)."""
    measure = escape(trend["label"])
    paths = "".join(f'<path d="{escape(p)}" class="chart-line"></path>' for p in trend["paths"])
    dots = "".join(
        f'<circle cx="{d["x"]}" cy="{d["y"]}" r="3" class="chart-dot"></circle>'
        for d in trend["dots"]
    )
    summary = escape(_("%(measure)s: the last 12 weeks") % {"measure": trend["label"]})
    low_y = trend["low_y"]
    if low_y is None:  # a count: no line where it counts as low
        described = escape(_("%(measure)s week by week") % {"measure": trend["label"]})
        low_line = ""
    else:
        described = escape(
            _("%(measure)s week by week; the dashed line marks where it counts as low")
            % {"measure": trend["label"]}
        )
        low_line = f'<line x1="6" x2="294" y1="{low_y}" y2="{low_y}" class="chart-low"></line>'
    caption = escape(_("%(measure)s by week") % {"measure": trend["label"]})
    week_of = escape(_("Week of"))
    return mark_safe(  # noqa: S308 (every value is escaped or a number)
        f'<details class="measure-trend"><summary>{summary}</summary>'
        f'<svg viewBox="0 0 300 100" class="trend-line-chart" role="img" aria-label="{described}">'
        '<rect x="0" y="0" width="300" height="100" class="chart-bg"></rect>'
        f"{low_line}{paths}{dots}</svg>"
        f'<table class="stacked trend-weeks"><caption>{caption}</caption>'
        f'<thead><tr><th scope="col">{week_of}</th>'
        f'<th scope="col">{measure}</th></tr></thead>'
        f"<tbody>{trend_rows(trend)}</tbody></table></details>"
    )
