"""The reflection form: what worked, where we drifted, what we try next, the principles
it touched, an MI self-check, who sees it, and what became of the last "try next"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reflections.models import NOTE_MAX, PRINCIPLES, REFLECTION_TEXT_MAX, FollowThrough, Reflection

YES_NO = [("", _("not sure")), ("yes", _("yes")), ("no", _("no"))]


def _text(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=REFLECTION_TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REFLECTION_TEXT_MAX}),
    )


class ReflectionForm(forms.Form):
    meeting = forms.TypedChoiceField(label=_("Meeting"), coerce=int, required=False)
    worked = _text(_("What worked"))
    drifted = _text(_("Where we drifted from the model"))
    try_next = _text(_("What we will try next"), _("It comes back to you at your next reflection."))
    principles = forms.MultipleChoiceField(
        label=_("Principles it touched"),
        choices=PRINCIPLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reflected_more = forms.ChoiceField(
        label=_("Did I reflect more than I asked?"), choices=YES_NO, required=False,
        widget=forms.RadioSelect,
    )  # fmt: skip
    family_words = forms.ChoiceField(
        label=_("Did the family's words shape the plan?"), choices=YES_NO, required=False,
        widget=forms.RadioSelect,
    )  # fmt: skip
    family_agenda = forms.ChoiceField(
        label=_("Did the family set the agenda?"), choices=YES_NO, required=False,
        widget=forms.RadioSelect,
    )  # fmt: skip
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=Reflection.Visibility.choices,
        initial=Reflection.Visibility.PRIVATE,
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Last time you said you would try"),
        choices=[("", "—"), *FollowThrough.Outcome.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("How it went"), max_length=NOTE_MAX, required=False)

    def __init__(self, *args, meetings=(), follow_up=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        self.fields["meeting"].choices = [("", _("no particular meeting"))] + [
            (m.pk, m.held_on.isoformat()) for m in meetings
        ]
        if follow_up is None:
            del self.fields["outcome"], self.fields["note"]

    def clean(self):
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in ("worked", "drifted", "try_next")):
            raise forms.ValidationError(
                _("Write at least one of: what worked, where we drifted, what we will try next.")
            )
        if self.follow_up is not None and not data.get("outcome"):
            self.add_error("outcome", _("Say what became of it: tried, not yet, or dropped."))
        return data

    def reflection_data(self) -> dict:
        data = self.cleaned_data

        def yes_no(value):
            return {"yes": True, "no": False}.get(value)

        return {
            "worked": data["worked"].strip(),
            "drifted": data["drifted"].strip(),
            "try_next": data["try_next"].strip(),
            "principles": list(data["principles"]),
            "reflected_more": yes_no(data["reflected_more"]),
            "family_words": yes_no(data["family_words"]),
            "family_agenda": yes_no(data["family_agenda"]),
            "visibility": data["visibility"],
        }

    def follow_through(self) -> tuple[str, str] | None:
        if self.follow_up is None:
            return None
        return self.cleaned_data["outcome"], self.cleaned_data["note"].strip()
