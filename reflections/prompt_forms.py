"""An admin's own prompt (English and Spanish wording) and a prompt schedule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import CircleFocus, LearningCommunity
from reflections.models import PROMPT_MAX, PromptSchedule

REQUIRED = {"required": _("Write the question.")}


class PromptForm(forms.Form):
    tag = forms.ChoiceField(label=_("Principle or MI skill"), choices=CircleFocus.choices)
    text_en = forms.CharField(
        label=_("English wording"), max_length=PROMPT_MAX, error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": PROMPT_MAX}),
    )  # fmt: skip
    text_es = forms.CharField(
        label=_("Spanish wording"), max_length=PROMPT_MAX, error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": PROMPT_MAX}),
    )  # fmt: skip
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        for name in ("text_en", "text_es"):
            if name in data and not data[name].strip():
                self.add_error(name, _("Write the question."))
            elif name in data:
                data[name] = " ".join(data[name].split())
        return data


class PromptScheduleForm(forms.ModelForm):
    tags = forms.MultipleChoiceField(
        label=_("Only prompts about (none ticked: every prompt)"),
        choices=CircleFocus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delay_hours = forms.IntegerField(
        label=_("Hours after the meeting"), min_value=0, max_value=168, initial=2,
        help_text=_("For “after each team meeting”: 0 to 168 (a week)."),
    )  # fmt: skip
    hour = forms.IntegerField(
        label=_("Hour (in each person's own time zone)"), min_value=0, max_value=23, initial=9,
        help_text=_("For “weekly”: 0 to 23."),
    )  # fmt: skip

    class Meta:
        model = PromptSchedule
        fields = ["trigger", "community", "delay_hours", "weekday", "hour", "tags", "active"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        community = self.fields["community"]
        community.queryset = LearningCommunity.objects.filter(organization=organization)
        community.empty_label = _("the whole organisation")
        community.required = False

    def clean_tags(self):
        return list(self.cleaned_data["tags"])
