"""A dashboard row's cells in Python: a page of 50 rows has 450 of them, and a template
include per cell cost more than computing the figures."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from engagement.measures import BY_KEY, Value

register = template.Library()


def _cell(value: Value, label: str, low: str) -> str:
    display = escape(value.display)
    if value.value is None:
        return f'<td data-label="{label}"><span class="muted">{display}</span></td>'
    n = f'<small class="n"> · n={value.n}</small>'
    if value.low:
        mark = f'<span class="low-mark">▼ {low}</span>'
        return f'<td data-label="{label}" class="low">{display} {mark}{n}</td>'
    return f'<td data-label="{label}">{display}{n}</td>'


@register.simple_tag
def measure_cells(values: list[Value]) -> SafeString:
    """One <td> per measure: the figure, "▼ low" when low, and what it rests on (n); or,
    when there is no figure, why not in words."""
    language = get_language()
    low = _words(language, "low")
    cells = [_cell(value, _label(language, value.measure.key), low) for value in values]
    return mark_safe("".join(cells))  # noqa: S308 (every value above is escaped)


@lru_cache(maxsize=64)
def _label(language: str, key: str) -> str:
    return escape(str(BY_KEY[key].label))


@lru_cache(maxsize=8)
def _words(language: str, text: str) -> str:
    return escape(_(text))
