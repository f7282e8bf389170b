"""The dashboard's filters: a bad value is named with a clear message and the page shows
the default view (nothing else changes: a dashboard only reads)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from communities.models import Phase
from engagement.dashboards import Filters
from engagement.measures import MEASURES, WINDOW_DAYS

MAX_DAYS = 731
GROUP_CHOICES = [
    ("team", _("teams")),
    ("facilitator", _("facilitators")),
    ("program", _("programs")),
]
SORTS = ["", "name", "-name"] + [f"{p}{m.key}" for m in MEASURES for p in ("", "-")]


class QuickSelect(forms.Select):
    """A <select> rendered in Python: a supervisor of a state-wide program filters among
    hundreds of facilitators, and Django's template per option cost more than the page's
    figures. Same markup as forms.Select (attributes included: aria-invalid and
    aria-describedby when the field has an error)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for v, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 (escaped)


class WindowForm(forms.Form):
    """A window of days: by default the last 90; at most two years."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=WINDOW_DAYS - 1)
        if start > end:
            self.add_error("start", _("The start must be on or before the end."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("start", _("Choose at most two years."))
        data["start"], data["end"] = start, end
        return data

    def window(self) -> tuple[date, date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]


class DashboardFilterForm(WindowForm):
    field_order = ["group", "program", "facilitator", "phase", "start", "end"]
    group = forms.ChoiceField(
        label=_("Rows"), choices=GROUP_CHOICES, required=False, widget=QuickSelect
    )
    program = forms.TypedChoiceField(
        label=_("Program"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )
    facilitator = forms.TypedChoiceField(
        label=_("Facilitator"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=[("", _("every phase")), *Phase.choices],
        required=False,
        widget=QuickSelect,
    )
    sort = forms.ChoiceField(choices=[(s, s) for s in SORTS], required=False,
                             widget=forms.HiddenInput)  # fmt: skip
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, programs, facilitators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("every program")), *programs]
        self.fields["facilitator"].choices = [("", _("every facilitator")), *facilitators]

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"], end=data["end"], group=data.get("group") or "team",
            program=data.get("program"), facilitator=data.get("facilitator"),
            phase=data.get("phase") or "", sort=data.get("sort") or "",
            page=data.get("page") or 1,
        )  # fmt: skip


def default_filters(today: date | None = None) -> Filters:
    end = today or timezone.localdate()
    return Filters(start=end - timedelta(days=WINDOW_DAYS - 1), end=end)
