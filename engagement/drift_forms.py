"""Forms of the drift pages: a rule's thresholds, the signals list's filters, a snooze.
A bad value gets a message naming the allowed range, and nothing is saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement import drift
from engagement.drift_selectors import STATES, SignalFilters
from engagement.models import DriftRuleCode

REMIND_MAX_DAYS = 365


def _range_messages(param: drift.Param) -> dict:
    words = str(_("Use a value %(range)s.") % {"range": param.help})
    # Django formats these with the limit (%(limit_value)s): a literal % is doubled.
    formatted = words.replace("%", "%%")
    return {"min_value": formatted, "max_value": formatted, "invalid": words,
            "max_digits": formatted, "max_decimal_places": formatted}  # fmt: skip


class DriftRuleForm(forms.Form):
    """One rule's setting for one organisation: on or off, its own parameters, and how
    long an open signal waits before it reminds again."""

    code = forms.ChoiceField(choices=DriftRuleCode.choices, widget=forms.HiddenInput)
    enabled = forms.BooleanField(label=_("On"), required=False)
    remind_every_days = forms.IntegerField(
        label=_("Remind again after (days)"), min_value=1, max_value=REMIND_MAX_DAYS,
        error_messages={k: _("Use a value from 1 to 365 days.")
                        for k in ("min_value", "max_value", "invalid", "required")},
    )  # fmt: skip

    def __init__(self, *args, setting: drift.Setting, **kwargs):
        self.setting = setting
        initial = {"code": setting.code, "enabled": setting.enabled,
                   "remind_every_days": setting.remind_every_days, **setting.values}  # fmt: skip
        super().__init__(*args, initial=initial, prefix=setting.code, **kwargs)
        for param in setting.rule.params:
            messages = _range_messages(param)
            messages["required"] = _("Give a value %(range)s.") % {"range": param.help}
            if param.is_whole:
                field = forms.IntegerField(min_value=int(param.low), max_value=int(param.high),
                                           error_messages=messages)  # fmt: skip
            else:
                field = forms.DecimalField(min_value=param.low, max_value=param.high,
                                           max_digits=4, decimal_places=2,
                                           error_messages=messages)  # fmt: skip
            field.label = param.label
            field.help_text = param.help
            field.widget.attrs.update({"inputmode": "decimal", "class": "short"})
            self.fields[param.name] = field
        self.order_fields(["enabled", *setting.rule.defaults, "remind_every_days"])

    def clean(self):
        data = super().clean()
        if data.get("code") and data["code"] != self.setting.code:
            raise forms.ValidationError(_("This form is for another rule."))
        if self.setting.code == DriftRuleCode.LOW_PARTNERSHIP and data.get("rating") == Decimal(1):
            self.add_error("rating", _("No mean rating is below 1: use a value above 1."))
        if self.setting.code == DriftRuleCode.MI_PRACTICE and data.get("count") == 1:
            self.add_error("count", _("A fall needs at least 2 observations."))
        return data

    def candidate(self) -> drift.Setting:
        """The setting as the form would save it (valid forms only)."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.setting.rule.defaults}
        return replace(self.setting, enabled=data["enabled"],
                       remind_every_days=data["remind_every_days"], **values)  # fmt: skip


class SignalFilterForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    program = forms.TypedChoiceField(label=_("Program"), required=False, coerce=int,
                                     empty_value=None)  # fmt: skip
    facilitator = forms.TypedChoiceField(label=_("Facilitator"), required=False, coerce=int,
                                         empty_value=None)  # fmt: skip
    state = forms.ChoiceField(label=_("State"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, programs, facilitators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("every rule")), *DriftRuleCode.choices]
        self.fields["program"].choices = [("", _("every program")), *programs]
        self.fields["facilitator"].choices = [("", _("every facilitator")), *facilitators]
        labels = (_("open"), _("snoozed"), _("resolved"), _("all"))
        self.fields["state"].choices = list(zip(STATES, labels, strict=True))

    def filters(self) -> SignalFilters:
        data = self.cleaned_data
        return SignalFilters(
            rule=data.get("rule") or "", program=data.get("program"),
            facilitator=data.get("facilitator"), state=data.get("state") or "open",
            page=data.get("page") or 1,
        )  # fmt: skip


class SnoozeForm(forms.Form):
    until = forms.DateField(
        label=_("Snooze until"), widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the date the snooze ends."),
                        "invalid": _("Give the date the snooze ends.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Why"), max_length=300, strip=True,
        error_messages={"required": _("Say why the signal can wait."),
                        "max_length": _("Keep the reason under 300 characters.")},
    )  # fmt: skip

    def clean_until(self):
        until = self.cleaned_data["until"]
        today = timezone.localdate()
        if until <= today:
            raise forms.ValidationError(_("Choose a date after today."))
        if until > today + timedelta(days=drift.SNOOZE_MAX_DAYS):
            raise forms.ValidationError(
                _("A signal can be snoozed for at most %(n)s days.") % {"n": drift.SNOOZE_MAX_DAYS}
            )
        return until
