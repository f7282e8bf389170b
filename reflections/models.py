"""What we learned: reflections (on a team meeting, a circle session or a prompt), their
drafts, the follow-through of what we said we would try next, responses and "this helped
me", shared milestones, and the reflection prompts with their schedules and deliveries."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import (
    CircleFocus,
    CircleSession,
    FamilyTeam,
    LearningCommunity,
    Organization,
    TeamMeeting,
)

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
    # A reflection on a learning-circle session (instead of a team meeting).
    circle_session = models.ForeignKey(
        CircleSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="reflections"
    )
    # The community a session's or prompt's reflection belongs to (feed); team
    # reflections show in every community of their author.
    community = models.ForeignKey(
        LearningCommunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The answer to a reflection prompt keeps the delivery, hence the wording asked.
    prompt_delivery = models.OneToOneField(
        "PromptDelivery", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reflection",
    )  # fmt: skip
    answer = models.TextField(_("Your answer"), blank=True, max_length=REFLECTION_TEXT_MAX)
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
    # English and Spanish full-text vector of the words (reflections.search keeps it).
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "-created_at"]),
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["author", "-created_at"]),
            GinIndex(fields=["search"], name="reflection_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(worked="", drifted="", try_next="", answer=""),
                name="reflection_not_empty",
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


RESPONSE_MAX = 1000


class ReflectionResponse(models.Model):
    """A colleague's response to a reflection they may read: learning from each other."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("Your response"), max_length=RESPONSE_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="reflection_response_not_empty")
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.reflection_id}"


class HelpedReaction(models.Model):
    """ "This helped me": one per person and reflection."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="helped")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reflection", "user"], name="helped_once")]

    def __str__(self) -> str:
        return f"{self.user_id} helped by {self.reflection_id}"


class MilestoneShare(models.Model):
    """A learning milestone its person chose to share with their learning community."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    milestone = models.CharField(max_length=32)  # reflections.learning.MILESTONES
    reached_on = models.DateField()
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-shared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "milestone"], name="milestone_shared_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.milestone}"


# --- prompts ---------------------------------------------------------------------------

PROMPT_MAX = 500


class Prompt(models.Model):
    """A reflection question tagged with a principle or MI skill. The built-in library
    has no organisation; an organisation's admins add their own. Its wording is
    versioned (PromptWording): an answer keeps the wording it was asked in."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.SlugField(max_length=64, blank=True)  # library prompts: stable key
    tag = models.CharField(_("principle or MI skill"), max_length=32, choices=CircleFocus.choices)
    active = models.BooleanField(_("in use"), default=True)
    # A coach's "one skill to practise next" sent to one facilitator: never in the
    # library or a schedule's rotation.
    coaching = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="prompt_library_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.key or f"prompt {self.pk}"


class PromptWording(models.Model):
    """One version of a prompt's words, in English and Spanish. Never edited: a change of
    words is a new version."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="wordings")
    version = models.PositiveSmallIntegerField()
    text_en = models.CharField(_("English wording"), max_length=PROMPT_MAX)
    text_es = models.CharField(_("Spanish wording"), max_length=PROMPT_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["prompt_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "version"], name="prompt_wording_version")
        ]

    def __str__(self) -> str:
        return f"{self.prompt_id} v{self.version}"

    def text(self, language: str = "") -> str:
        """The wording in `language` (the active one by default), English as fallback."""
        from django.utils.translation import get_language

        language = language or get_language() or "en"
        return self.text_es if language.startswith("es") and self.text_es else self.text_en


class PromptSchedule(models.Model):
    """Which prompts go to whom, and when: after each team meeting (to its facilitators,
    after a delay), after each circle session (to its members), or weekly on a day and
    hour in each recipient's own time zone (to the community's staff, or the whole
    organisation's when no community is chosen). Prompts rotate per recipient."""

    class Trigger(models.TextChoices):
        AFTER_MEETING = "after_meeting", _("after each team meeting")
        AFTER_SESSION = "after_session", _("after each circle session")
        WEEKLY = "weekly", _("weekly")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        LearningCommunity, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("learning community"),
    )  # fmt: skip
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger.choices)
    delay_hours = models.PositiveSmallIntegerField(_("hours after the meeting"), default=2)
    weekday = models.PositiveSmallIntegerField(
        _("day"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    hour = models.PositiveSmallIntegerField(_("hour (recipient's time)"), default=9)
    # Only prompts with these tags; empty means every prompt.
    tags = models.JSONField(default=list, blank=True)
    active = models.BooleanField(_("on"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delay_hours__lte=168, hour__lte=23, weekday__lte=6),
                name="prompt_schedule_ranges",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} ({self.organization_id})"


class PromptDelivery(models.Model):
    """One prompt for one recipient at one occurrence (a meeting, a session, a week).
    `occurrence` is unique per recipient: at most one prompt per recipient × occurrence,
    however often planning runs. Planned with `due_at`; `sent_at` once it went to the
    outbox (email + in-app); `reminded_at` after 7 days unanswered."""

    schedule = models.ForeignKey(
        PromptSchedule, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_deliveries"
    )
    wording = models.ForeignKey(PromptWording, on_delete=models.PROTECT, related_name="+")
    occurrence = models.CharField(max_length=64)  # "meeting:12", "session:3", "weekly:4:2026-11-23"
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    meeting = models.ForeignKey(
        TeamMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    circle_session = models.ForeignKey(
        CircleSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey(
        LearningCommunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "occurrence"], name="prompt_once_per_occurrence"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="prompt_delivery_due", condition=Q(sent_at__isnull=True)
            ),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.occurrence}"


# --- observed practice (MITI 4.2.1 coding) --------------------------------------------

PRACTICE_NOTES_MAX = 4000
PRACTISE_NEXT_MAX = 300


class PracticeObservation(models.Model):
    """A coding of one observed conversation of one facilitator, after MITI 4.2.1: the
    behaviour counts, the four global ratings and what to practise next. Coded by a
    coach (a supervisor of the facilitator) or by the facilitator themself (self-coding).
    Read by the facilitator, the coder and the facilitator's supervisors only
    (reflections.practice_access). Scores: reflections.practice_scores."""

    class Source(models.TextChoices):
        LIVE = "live", _("live (in the room or on a call)")
        AUDIO = "audio", _("audio recording")
        TRANSCRIPT = "transcript", _("transcript")

    class Method(models.TextChoices):
        TALLY = "tally", _("live tally: tap a button for each behaviour")
        TRANSCRIPT = "transcript", _("transcript: code each utterance")
        COUNTS = "counts", _("enter the counts from a tally sheet")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
        related_name="practice_observations", verbose_name=_("facilitator observed"),
    )  # fmt: skip
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("family team (optional)"),
    )  # fmt: skip
    observed_on = models.DateField(_("date of the conversation"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    method = models.CharField(_("how to code it"), max_length=12, choices=Method.choices)
    segment_minutes = models.PositiveSmallIntegerField(_("segment length (minutes)"), default=20)
    # Behaviour counts (reflections.practice_scores.COUNT_FIELDS).
    giving_information = models.PositiveSmallIntegerField(_("Giving information"), default=0)
    persuade = models.PositiveSmallIntegerField(_("Persuade"), default=0)
    persuade_with_permission = models.PositiveSmallIntegerField(
        _("Persuade with permission"), default=0
    )
    question = models.PositiveSmallIntegerField(_("Questions (all)"), default=0)
    question_open = models.PositiveSmallIntegerField(_("of which open"), default=0)
    question_closed = models.PositiveSmallIntegerField(_("of which closed"), default=0)
    simple_reflection = models.PositiveSmallIntegerField(_("Simple reflection"), default=0)
    complex_reflection = models.PositiveSmallIntegerField(_("Complex reflection"), default=0)
    affirm = models.PositiveSmallIntegerField(_("Affirm"), default=0)
    seeking_collaboration = models.PositiveSmallIntegerField(_("Seeking collaboration"), default=0)
    emphasizing_autonomy = models.PositiveSmallIntegerField(_("Emphasising autonomy"), default=0)
    confront = models.PositiveSmallIntegerField(_("Confront"), default=0)
    # Global ratings 1–5; None until rated.
    cultivating_change_talk = models.PositiveSmallIntegerField(
        _("Cultivating change talk"), null=True, blank=True
    )
    softening_sustain_talk = models.PositiveSmallIntegerField(
        _("Softening sustain talk"), null=True, blank=True
    )
    partnership = models.PositiveSmallIntegerField(_("Partnership"), null=True, blank=True)
    empathy = models.PositiveSmallIntegerField(_("Empathy"), null=True, blank=True)
    notes = models.TextField(_("Notes"), blank=True, max_length=PRACTICE_NOTES_MAX)
    practise_next = models.CharField(
        _("One skill to practise next"), blank=True, max_length=PRACTISE_NEXT_MAX
    )
    # The live tally's segment timer (kept here, so a reopened tally shows the time).
    timer_started_at = models.DateTimeField(null=True, blank=True)
    # Coding finished: the observation counts in the trend and is an engagement event.
    completed_at = models.DateTimeField(null=True, blank=True)
    transcript_deleted_at = models.DateTimeField(null=True, blank=True)
    prompt_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-observed_on", "-id"]
        indexes = [
            models.Index(fields=["facilitator", "observed_on"]),
            models.Index(fields=["coded_by", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    giving_information__lte=500,
                    persuade__lte=500,
                    persuade_with_permission__lte=500,
                    question__lte=500,
                    simple_reflection__lte=500,
                    complex_reflection__lte=500,
                    affirm__lte=500,
                    seeking_collaboration__lte=500,
                    emphasizing_autonomy__lte=500,
                    confront__lte=500,
                ),
                name="practice_counts_at_most_500",
            ),
            models.CheckConstraint(
                condition=Q(question__gte=models.F("question_open") + models.F("question_closed")),
                name="practice_question_split_within_total",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"practice_{name}_1_to_5",
                )
                for name in (
                    "cultivating_change_talk",
                    "softening_sustain_talk",
                    "partnership",
                    "empathy",
                )
            ],
            models.CheckConstraint(
                condition=Q(segment_minutes__gte=1, segment_minutes__lte=180),
                name="practice_segment_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facilitator} observed {self.observed_on}"

    @property
    def self_coded(self) -> bool:
        return self.coded_by_id == self.facilitator_id

    def counts(self) -> dict[str, int | None]:
        from reflections.practice_scores import COUNT_FIELDS, GLOBAL_FIELDS

        return {name: getattr(self, name) for name in (*COUNT_FIELDS, *GLOBAL_FIELDS)}

    def scores(self):
        from reflections.practice_scores import scores_of

        return scores_of(self.counts())


class TallyTap(models.Model):
    """One tap on the live tally, saved at once: the counts follow the taps, and undo
    takes back the last one."""

    observation = models.ForeignKey(
        PracticeObservation, on_delete=models.CASCADE, related_name="taps"
    )
    code = models.CharField(max_length=32)
    tapped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.observation_id} {self.code}"


TRANSCRIPT_MAX_CHARS = 200 * 1024


class PracticeTranscript(models.Model):
    """The pasted transcript of an observed conversation: family data. Seen only by the
    coder, the facilitator and the facilitator's supervisors; deleted by the coder (the
    observation keeps its counts)."""

    observation = models.OneToOneField(
        PracticeObservation, on_delete=models.CASCADE, related_name="transcript"
    )
    text = models.TextField(max_length=TRANSCRIPT_MAX_CHARS)
    practitioner_labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"transcript of {self.observation_id}"


class TranscriptUtterance(models.Model):
    """One speaker's turn. The practitioner's turns are coded; the others give context.
    `suggested_code` comes from the transparent rules of reflections.transcript."""

    transcript = models.ForeignKey(
        PracticeTranscript, on_delete=models.CASCADE, related_name="utterances"
    )
    position = models.PositiveIntegerField()
    speaker = models.CharField(max_length=60)
    text = models.TextField()
    practitioner = models.BooleanField()
    suggested_code = models.CharField(max_length=32, blank=True)
    suggestion_rule = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["transcript_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "position"], name="utterance_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.transcript_id}#{self.position}"


class TranscriptCoding(models.Model):
    """One coder's coding of a transcript. The first is the observation's own (its counts
    come from it); a second coder codes blind, to check agreement."""

    transcript = models.ForeignKey(
        PracticeTranscript, on_delete=models.CASCADE, related_name="codings"
    )
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    primary = models.BooleanField(default=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "coder"], name="coding_once_per_coder"),
            models.UniqueConstraint(
                fields=["transcript", "primary"], name="coding_one_of_each_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transcript_id} by {self.coder_id}"


class UtteranceCode(models.Model):
    """A coder's confirmed code for one practitioner utterance."""

    coding = models.ForeignKey(TranscriptCoding, on_delete=models.CASCADE, related_name="codes")
    utterance = models.ForeignKey(
        TranscriptUtterance, on_delete=models.CASCADE, related_name="codes"
    )
    code = models.CharField(max_length=32)
    coded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coding", "utterance"], name="utterance_coded_once")
        ]

    def __str__(self) -> str:
        return f"{self.utterance_id}: {self.code}"
