"""Forms for learning from each other: a response, "this helped me", searching the feed,
sharing a milestone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reflections.learning import MILESTONES
from reflections.models import RESPONSE_MAX
from reflections.search import QUERY_MAX

PAGE_MAX = 500


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("Your response"),
        max_length=RESPONSE_MAX,
        help_text=_(
            "What it stirred in you, a question, what you might try. Up to 1000 characters."
        ),
        error_messages={"required": _("Write your response first: it was empty.")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": RESPONSE_MAX}),
    )


class HelpedForm(forms.Form):
    helped = forms.TypedChoiceField(
        choices=[("yes", _("yes")), ("no", _("no"))], coerce=lambda v: v == "yes"
    )


class FeedSearchForm(forms.Form):
    q = forms.CharField(label=_("Search reflections"), max_length=QUERY_MAX, required=False)
    page = forms.IntegerField(min_value=1, max_value=PAGE_MAX, required=False)


class MilestoneForm(forms.Form):
    milestone = forms.ChoiceField(choices=[(m.key, m.label) for m in MILESTONES])
