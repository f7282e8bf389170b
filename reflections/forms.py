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
            "reflected_more": yes_no(data.get("reflected_more")),
            "family_words": yes_no(data.get("family_words")),
            "family_agenda": yes_no(data.get("family_agenda")),
            "visibility": data["visibility"],
        }

    def follow_through(self) -> tuple[str, str] | None:
        if self.follow_up is None:
            return None
        return self.cleaned_data["outcome"], self.cleaned_data["note"].strip()


class SessionReflectionForm(ReflectionForm):
    """A reflection on a learning-circle session: no meeting, no MI self-check."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("meeting", "reflected_more", "family_words", "family_agenda"):
            del self.fields[name]
        self.fields["worked"].label = _("What I learned")
        self.fields["drifted"].label = _("Where my practice drifts from the model")
        self.fields["try_next"].label = _("What I will try next")

    def clean(self):
        data = forms.Form.clean(self)
        if not any((data.get(name) or "").strip() for name in ("worked", "drifted", "try_next")):
            raise forms.ValidationError(
                _("Write at least one of: what you learned, where you drift, what you will try.")
            )
        if self.follow_up is not None and not data.get("outcome"):
            self.add_error("outcome", _("Say what became of it: tried, not yet, or dropped."))
        return data


class PromptAnswerForm(forms.Form):
    """The answer to a reflection prompt: it becomes a reflection."""

    answer = forms.CharField(
        label=_("Your answer"),
        max_length=REFLECTION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": REFLECTION_TEXT_MAX}),
        error_messages={"required": _("Write your answer first; a few words are enough.")},
    )
    try_next = _text(_("What I will try next (optional)"))
    principles = forms.MultipleChoiceField(
        label=_("Principles it touched"),
        choices=PRINCIPLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=Reflection.Visibility.choices,
        initial=Reflection.Visibility.PRIVATE,
        widget=forms.RadioSelect,
    )

    def clean_answer(self):
        answer = self.cleaned_data["answer"].strip()
        if not answer:
            raise forms.ValidationError(_("Write your answer first; a few words are enough."))
        return answer

    def reflection_data(self) -> dict:
        data = self.cleaned_data
        return {
            "answer": data["answer"],
            "try_next": data["try_next"].strip(),
            "principles": list(data["principles"]),
            "visibility": data["visibility"],
        }


def draft_data(post) -> dict:
    """What a posted reflection form holds, for its draft (reflections.services.draft_save
    keeps only the reflection's own fields)."""
    from reflections.services import DRAFT_FIELDS

    return {name: post.getlist(name) if name == "principles" else post.get(name)
            for name in DRAFT_FIELDS if name in post}  # fmt: skip
