"""Forms parse and validate what people type. Only the fields a role may change exist in
a form: anything else in a POST (team, author, wording, version) is ignored."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from communities.models import TeamMeeting, User
from engagement.models import LONG_TEXT_MAX, STATEMENT_MAX, WORD_MAX, Goal


def _text(label, max_length: int, *, required: bool = False, rows: int = 3, help_text=""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
    )


class GoalCreateForm(forms.Form):
    statement = _text(
        _("Our goal, in our own words"),
        STATEMENT_MAX,
        required=True,
        rows=2,
        help_text=format_lazy(_("Up to {n} characters."), n=STATEMENT_MAX),
    )
    why_it_matters = _text(_("Why it matters to us"), LONG_TEXT_MAX)
    strengths = _text(_("Strengths we can build on"), LONG_TEXT_MAX)


class GoalEditForm(GoalCreateForm):
    status = forms.ChoiceField(
        label=_("Where this goal stands"), choices=Goal.Status.choices, widget=forms.RadioSelect
    )
    set_aside_reason = _text(_("Why it is set aside (the family sees this)"), LONG_TEXT_MAX, rows=2)
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("status") == Goal.Status.SET_ASIDE and not data.get("set_aside_reason"):
            self.add_error(
                "set_aside_reason", _("Please say why the goal is set aside; the family sees it.")
            )
        return data

    def goal_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "base_version"}


class StepForm(forms.Form):
    what = forms.CharField(label=_("What"), max_length=STATEMENT_MAX)
    who = forms.CharField(label=_("Who"), max_length=150, required=False)
    due_on = forms.DateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class StepDoneForm(forms.Form):
    done = forms.BooleanField(required=False)


class ProgressForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How close are we? (0 = just starting, 10 = there)"),
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    word = forms.CharField(
        label=_("A word about it (optional)"), max_length=WORD_MAX, required=False
    )


class CommentForm(forms.Form):
    body = _text(_("Comment"), LONG_TEXT_MAX, required=True, rows=3)


class RestoreForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


_RATING = [(n, str(n)) for n in range(1, 6)]


class MeetingCheckInForm(forms.Form):
    agency = forms.TypedChoiceField(
        label=_("We decided what we work on"), choices=_RATING, coerce=int,
        widget=forms.RadioSelect,
    )  # fmt: skip
    relevance = forms.TypedChoiceField(
        label=_("This plan matters to us"), choices=_RATING, coerce=int,
        widget=forms.RadioSelect,
    )  # fmt: skip
    partnership = forms.TypedChoiceField(
        label=_("We were treated as partners"), choices=_RATING, coerce=int,
        widget=forms.RadioSelect,
    )  # fmt: skip
    word = forms.CharField(
        label=_("Anything else? (optional)"), max_length=WORD_MAX, required=False
    )


class TeamMeetingForm(forms.Form):
    held_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,  # most meetings are recorded the day they are held
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=5, max_value=600, initial=60
    )
    family_present = forms.BooleanField(label=_("The family was there"), required=False)
    agenda_set_by = forms.ChoiceField(
        label=_("Who set the agenda"),
        choices=TeamMeeting.AgendaSetBy.choices,
        widget=forms.RadioSelect,
        initial=TeamMeeting.AgendaSetBy.TOGETHER,
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Who attended"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["attendees"].queryset = (
            User.objects.filter(family_memberships__team=team)
            | User.objects.filter(facilitated_teams=team)
        ).distinct()
        self.fields["held_on"].initial = timezone.localdate()

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError(_("A meeting can only be recorded once it has happened."))
        return held_on

    def clean(self):
        data = super().clean()
        family_ids = set(
            User.objects.filter(family_memberships__team=self.team).values_list("pk", flat=True)
        )
        chosen = {u.pk for u in data.get("attendees", [])}
        if data.get("family_present") is False and chosen & family_ids:
            self.add_error(
                "family_present",
                _("You ticked family members as attending: was the family there?"),
            )
        return data
