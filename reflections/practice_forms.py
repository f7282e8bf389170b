"""Forms for observed practice: opening an observation, finishing it (globals, notes,
what to practise next, and the counts of a tally sheet), pasting a transcript, and one
utterance's code. Every refusal says why; nothing is saved."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import FamilyTeam
from reflections.models import PracticeObservation
from reflections.practice_scores import (
    COUNT_FIELDS,
    COUNT_MAX,
    GLOBAL_FIELDS,
    GLOBAL_MAX,
    GLOBAL_MIN,
    NO_CODE,
    NO_CODE_LABEL,
    Code,
)
from reflections.transcript import transcript_problem

COUNT_ERRORS = {
    "min_value": _("A count cannot be negative."),
    "max_value": _("A count stops at %(limit_value)s: code one segment at a time."),
    "invalid": _("Enter a whole number."),
}
GLOBAL_CHOICES = [(n, str(n)) for n in range(GLOBAL_MIN, GLOBAL_MAX + 1)]


class ObservationForm(forms.ModelForm):
    """Who was observed, when, where from, and how it will be coded. `people` are the
    ones the coach may code (practice_access.coachable_people)."""

    class Meta:
        model = PracticeObservation
        fields = ["facilitator", "observed_on", "team", "source", "segment_minutes", "method"]
        widgets = {
            "observed_on": forms.DateInput(attrs={"type": "date"}),
            "source": forms.RadioSelect,
            "method": forms.RadioSelect,
        }

    def __init__(self, *args, people, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = people
        self.fields["facilitator"].label_from_instance = lambda u: u.name or u.email
        self.fields["facilitator"].empty_label = None
        self.fields["team"].queryset = (
            FamilyTeam.objects.filter(
                program__organization=organization, facilitators__in=people, closed_on__isnull=True
            )
            .distinct()
            .order_by("name")
        )
        self.fields["segment_minutes"].min_value = 1
        self.fields["segment_minutes"].widget.attrs.update({"min": 1, "max": 180})
        self.fields["observed_on"].initial = timezone.localdate()

    def clean_observed_on(self):
        day = self.cleaned_data["observed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The conversation cannot be in the future."))
        return day

    def clean_segment_minutes(self):
        minutes = self.cleaned_data["segment_minutes"]
        if not 1 <= minutes <= 180:
            raise forms.ValidationError(_("A segment lasts from 1 to 180 minutes."))
        return minutes

    def clean(self):
        data = super().clean()
        team, facilitator = data.get("team"), data.get("facilitator")
        if team and facilitator and not team.facilitators.filter(pk=facilitator.pk).exists():
            self.add_error("team", _("Choose a team this facilitator facilitates, or none."))
        return data


class FinishForm(forms.Form):
    """The four global ratings, notes and one skill to practise next; and, for an
    observation coded on a tally sheet, the counts."""

    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    practise_next = forms.CharField(
        label=_("One skill to practise next"),
        required=False,
        max_length=300,
        help_text=_("One skill, in words the facilitator can try this week."),
    )

    def __init__(self, *args, with_counts: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {f.name: f.verbose_name for f in PracticeObservation._meta.fields}
        for name in GLOBAL_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=labels[name], choices=GLOBAL_CHOICES, coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Rate each global from 1 to 5."),
                    "invalid_choice": _("A global rating is a whole number from 1 to 5."),
                },
            )  # fmt: skip
        self.with_counts = with_counts
        if with_counts:
            for name in COUNT_FIELDS:
                self.fields[name] = forms.IntegerField(
                    label=labels[name], min_value=0, max_value=COUNT_MAX, initial=0,
                    error_messages=COUNT_ERRORS,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )  # fmt: skip

    def clean(self):
        data = super().clean()
        split = data.get("question_open", 0) + data.get("question_closed", 0)
        if self.with_counts and not self.errors and split > data["question"]:
            self.add_error(
                "question",
                _("Open and closed questions together cannot be more than all questions."),
            )
        return data


def label_list(value: str) -> list[str]:
    return [label.strip() for label in value.split(",") if label.strip()][:10]


class TranscriptForm(forms.Form):
    text = forms.CharField(
        label=_("Transcript"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            "One speaker's turn per line, starting with a label: “Facilitator:” and "
            "“Family:”, or “T:” and “C:”. Lines without a label continue the turn above."
        ),
        strip=False,
    )
    practitioner_labels = forms.CharField(
        label=_("The practitioner's label (optional)"),
        required=False,
        max_length=200,
        help_text=_("For other labels, e.g. “Rosa”. Several: separate them with commas."),
    )
    other_labels = forms.CharField(
        label=_("The other speakers' labels (optional)"), required=False, max_length=400
    )

    def clean(self):
        data = super().clean()
        if "text" in data:
            problem = transcript_problem(
                data["text"],
                practitioner_labels=label_list(data.get("practitioner_labels", "")),
                other_labels=label_list(data.get("other_labels", "")),
            )
            if problem:
                self.add_error("text", problem)
        return data


CODE_CHOICES = [*Code.choices, (NO_CODE, NO_CODE_LABEL)]


class UtteranceCodeForm(forms.Form):
    code = forms.ChoiceField(
        choices=CODE_CHOICES, error_messages={"invalid_choice": _("That is not a behaviour code.")}
    )


class TallyTapForm(forms.Form):
    code = forms.ChoiceField(
        choices=Code.choices, error_messages={"invalid_choice": _("That is not a behaviour code.")}
    )
