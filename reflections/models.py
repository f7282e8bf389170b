"""What we learned: team reflections, their drafts and the follow-through of what we
said we would try next. (Prompts, the community feed and practice observations build on
these.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import CircleFocus, FamilyTeam, Organization, TeamMeeting

REFLECTION_TEXT_MAX = 2000
NOTE_MAX = 300

# The ten Wraparound principles a reflection can touch (the first ten circle focuses).
PRINCIPLES = [(value, label) for value, label in CircleFocus.choices[:10]]


class Reflection(models.Model):
    """A facilitator's reflection on a family-team meeting: what worked, where we drifted
    from the model, what we will try next, the principles it touched, an MI self-check."""

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("private: me and my supervisors")
        SHARED = "shared", _("shared with my learning community")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reflections"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="reflections"
    )
    meeting = models.ForeignKey(
        TeamMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="reflections"
    )
    worked = models.TextField(_("What worked"), blank=True, max_length=REFLECTION_TEXT_MAX)
    drifted = models.TextField(
        _("Where we drifted from the model"), blank=True, max_length=REFLECTION_TEXT_MAX
    )
    try_next = models.TextField(
        _("What we will try next"), blank=True, max_length=REFLECTION_TEXT_MAX
    )
    principles = models.JSONField(default=list, blank=True)
    # The MI self-check: None means "not answered".
    reflected_more = models.BooleanField(_("I reflected more than I asked"), null=True)
    family_words = models.BooleanField(_("The family's words shaped the plan"), null=True)
    family_agenda = models.BooleanField(_("The family set the agenda"), null=True)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(worked="", drifted="", try_next=""), name="reflection_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.team or self.organization} {self.created_at:%Y-%m-%d}"

    def principle_labels(self) -> list[str]:
        labels = dict(PRINCIPLES)
        return [str(labels[p]) for p in self.principles if p in labels]


class FollowThrough(models.Model):
    """What became of one reflection's "try next", told in the author's next one."""

    class Outcome(models.TextChoices):
        TRIED = "tried", _("tried it")
        NOT_YET = "not_yet", _("not yet")
        DROPPED = "dropped", _("dropped it")

    reflection = models.OneToOneField(
        Reflection, on_delete=models.CASCADE, related_name="follow_through"
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    note = models.CharField(_("How it went"), max_length=NOTE_MAX, blank=True)
    told_in = models.ForeignKey(
        Reflection, null=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.reflection_id}: {self.outcome}"


class ReflectionDraft(models.Model):
    """What someone has typed so far, kept on the server per person and subject, so it
    survives a closed tab, another device and an expired login."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflection_drafts"
    )
    subject = models.CharField(max_length=64)  # e.g. "team:12"
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "subject"], name="reflection_draft_unique")
        ]

    def __str__(self) -> str:
        return f"draft {self.author_id} {self.subject}"
