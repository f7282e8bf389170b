"""Co-ownership and how the system is doing: goals, check-ins, engagement events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import CircleSession, FamilyTeam, Organization, Role, TeamMeeting

# Clear limits on what people type (also enforced by the forms, with a message).
STATEMENT_MAX = 300
LONG_TEXT_MAX = 2000
WORD_MAX = 140


class Wording(models.TextChoices):
    FAMILY = "family", _("the family's words")
    STAFF = "staff", _("staff wording")


class Goal(models.Model):
    """A family team's goal, in the family's words. `version` grows with every save."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Working on it")
        ACHIEVED = "achieved", _("Achieved")
        SET_ASIDE = "set_aside", _("Set aside")

    team = models.ForeignKey(FamilyTeam, on_delete=models.CASCADE, related_name="goals")
    statement = models.CharField(_("our goal"), max_length=STATEMENT_MAX)
    why_it_matters = models.TextField(
        _("why it matters to us"), blank=True, max_length=LONG_TEXT_MAX
    )
    strengths = models.TextField(_("strengths to build on"), blank=True, max_length=LONG_TEXT_MAX)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    set_aside_reason = models.TextField(
        _("why it was set aside"), blank=True, max_length=LONG_TEXT_MAX
    )
    version = models.PositiveIntegerField(default=1)
    # Whose words each text is: who last wrote that field. The goal is "in the family's
    # words" while its statement is (see `wording`).
    statement_wording = models.CharField(
        max_length=8, choices=Wording.choices, default=Wording.FAMILY
    )
    why_it_matters_wording = models.CharField(
        max_length=8, choices=Wording.choices, default=Wording.FAMILY
    )
    strengths_wording = models.CharField(
        max_length=8, choices=Wording.choices, default=Wording.FAMILY
    )
    # Set for good once any family member writes or edits the goal: such a goal is never
    # deleted, only set aside (engagement.services.goal_deletable).
    family_has_written = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["status", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="set_aside") | ~Q(set_aside_reason=""),
                name="goal_set_aside_needs_reason",
            )
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def wording(self) -> str:
        """The goal's wording is its statement's."""
        return self.statement_wording

    def wording_of(self, name: str) -> str:
        return getattr(self, f"{name}_wording")


class GoalStep(models.Model):
    """Who does what by when."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    what = models.CharField(_("what"), max_length=STATEMENT_MAX)
    who = models.CharField(_("who"), max_length=150, blank=True)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.what


class GoalRevision(models.Model):
    """One save of a goal: who, in which role, when, what changed, and the full text."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)
    changed_fields = models.JSONField(default=list)
    snapshot = models.JSONField(default=dict)
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "version"], name="goal_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} v{self.version}"


class ProgressCheckIn(models.Model):
    """The family's own sense of progress on a goal, 0–10, with an optional word."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress_checkins")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    score = models.PositiveSmallIntegerField()
    word = models.CharField(max_length=WORD_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=10), name="progress_score_0_10")
        ]

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.score}/10"


class GoalComment(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    author_role = models.CharField(max_length=16, choices=Role.choices)
    body = models.TextField(max_length=LONG_TEXT_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class MeetingCheckIn(models.Model):
    """A family member's one-tap ratings of a team meeting (1–5 each)."""

    meeting = models.ForeignKey(TeamMeeting, on_delete=models.CASCADE, related_name="checkins")
    family_member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    agency = models.PositiveSmallIntegerField(null=True, blank=True)
    relevance = models.PositiveSmallIntegerField(null=True, blank=True)
    partnership = models.PositiveSmallIntegerField(null=True, blank=True)
    word = models.CharField(max_length=WORD_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "family_member"], name="meeting_checkin_unique"
            ),
            models.CheckConstraint(
                condition=Q(agency__gte=1, agency__lte=5) | Q(agency__isnull=True),
                name="checkin_agency_1_5",
            ),
            models.CheckConstraint(
                condition=Q(relevance__gte=1, relevance__lte=5) | Q(relevance__isnull=True),
                name="checkin_relevance_1_5",
            ),
            models.CheckConstraint(
                condition=Q(partnership__gte=1, partnership__lte=5) | Q(partnership__isnull=True),
                name="checkin_partnership_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.meeting_id} by {self.family_member_id}"


class EngagementEvent(models.Model):
    """An append-only fact about engagement, written by the services that did the thing.

    A team's facts name the team; a staff member's own (attending or missing a learning
    circle session) name the organisation and the session instead, at most one per
    session and person: recording attendance again rewrites it."""

    class Kind(models.TextChoices):
        MEETING_HELD = "meeting_held", _("meeting held with the family")
        MEETING_WITHOUT_FAMILY = "meeting_without_family", _("meeting held without the family")
        GOAL_CREATED = "goal_created", _("goal created")
        GOAL_EDITED = "goal_edited", _("goal edited")
        GOAL_RESTORED = "goal_restored", _("goal restored")
        STEP_DONE = "step_done", _("step done")
        PROGRESS_CHECKIN = "progress_checkin", _("progress check-in")
        COMMENT = "comment", _("comment")
        MEETING_CHECKIN = "meeting_checkin", _("meeting check-in")
        REFLECTION_LOGGED = "reflection_logged", _("reflection logged")
        PROMPT_ANSWERED = "prompt_answered", _("reflection prompt answered")
        REFLECTION_RESPONDED = "reflection_responded", _("response to a reflection")
        CIRCLE_ATTENDED = "circle_attended", _("circle attended")
        CIRCLE_MISSED = "circle_missed", _("circle missed")
        PRACTICE_OBSERVED = "practice_observed", _("observed practice coded")

    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The session a circle fact is about (kept when the session goes: the fact happened).
    circle_session = models.ForeignKey(
        CircleSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16, choices=Role.choices)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    value = models.FloatField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["team", "kind", "-occurred_at"]),
            models.Index(fields=["kind", "-occurred_at"]),
            models.Index(fields=["organization", "kind", "-occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(organization__isnull=False),
                name="engagement_event_has_team_or_organization",
            ),
            models.UniqueConstraint(
                fields=["circle_session", "actor"],
                # One attendance fact per person and session (a reflection on the
                # session is an event of its own).
                condition=Q(
                    circle_session__isnull=False, kind__in=["circle_attended", "circle_missed"]
                ),
                name="engagement_event_one_per_circle_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id or self.organization_id} {self.kind} {self.occurred_at:%Y-%m-%d}"


class TeamMeasures(models.Model):
    """The measures a team's row of the rollup counts (engagement.rollups.TEAM_COLUMNS):
    counts, and each rating's number of responses and total."""

    meetings = models.PositiveIntegerField(default=0)
    meetings_with_family = models.PositiveIntegerField(default=0)
    goal_edits = models.PositiveIntegerField(default=0)
    family_goal_edits = models.PositiveIntegerField(default=0)
    reflections = models.PositiveIntegerField(default=0)
    agency_n = models.PositiveIntegerField(default=0)
    agency_total = models.PositiveIntegerField(default=0)
    relevance_n = models.PositiveIntegerField(default=0)
    relevance_total = models.PositiveIntegerField(default=0)
    partnership_n = models.PositiveIntegerField(default=0)
    partnership_total = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyRollup(TeamMeasures):
    """What happened on one day, per measure: one row per team and day (its meetings,
    goal edits, reflections and the family's check-in ratings), or per person and day
    (their learning-circle attendance), with a column per measure (team × day ×
    measure, the measures side by side so a window of 640 teams is a few thousand
    rows). Kept current in the transaction of each event (engagement.rollups), repaired
    nightly; dashboards read these rows, never the raw events. Ratings keep their count
    and their sum, so means stay exact when days and teams are added up."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    day = models.DateField()
    circle_attended = models.PositiveIntegerField(default=0)
    circle_missed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "person", "day"],
                name="daily_rollup_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # The dashboards sum a window of days for hundreds of teams: an index-only
            # scan over (team, day) with the measures alongside.
            models.Index(
                fields=["team", "day"],
                include=[
                    "meetings",
                    "meetings_with_family",
                    "goal_edits",
                    "family_goal_edits",
                    "reflections",
                    "agency_n",
                    "agency_total",
                    "relevance_n",
                    "relevance_total",
                    "partnership_n",
                    "partnership_total",
                ],
                condition=Q(team__isnull=False),
                name="daily_rollup_team_window",
            ),
            models.Index(fields=["organization", "day"]),
            # A person's circle attendance over a window: index-only.
            models.Index(
                fields=["person", "day"],
                include=["organization", "circle_attended", "circle_missed"],
                condition=Q(person__isnull=False),
                name="daily_rollup_person_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id or self.person_id} {self.day}"


class WeeklyRollup(TeamMeasures):
    """A team's week (Monday to Sunday) of the daily rollup, summed. A 90-day window of
    640 teams reads its full weeks here (a seventh of the rows) and only the days at its
    edges from DailyRollup; the 12-week trend reads weeks. Kept current with the daily
    rows by the same statements (engagement.rollups)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The unique index (team, week) serves lookups by team: no second index.
    team = models.ForeignKey(FamilyTeam, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField()

    class Meta:
        constraints = [
            # Unique per team and week, with the measures alongside: windows of weeks
            # for hundreds of teams are index-only scans.
            models.UniqueConstraint(
                fields=["team", "week"],
                name="weekly_rollup_team_week",
                include=[
                    "meetings",
                    "meetings_with_family",
                    "goal_edits",
                    "family_goal_edits",
                    "reflections",
                    "agency_n",
                    "agency_total",
                    "relevance_n",
                    "relevance_total",
                    "partnership_n",
                    "partnership_total",
                ],
            ),
            models.CheckConstraint(
                condition=Q(week__week_day=2), name="weekly_rollup_week_is_a_monday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} week of {self.week}"


class ProgramRollup(TeamMeasures):
    """A program's days and weeks: the daily and weekly rows of its teams, summed. The
    totals and trends of a dashboard over whole programs (a supervisor's, an admin's)
    read a few rows per program here instead of every team's. Kept with the team rows
    by the same statements (engagement.rollups); the nightly repair recomputes all of it
    (so a team moved to another program is counted right by the next morning)."""

    class Span(models.TextChoices):
        DAY = "day", _("day")
        WEEK = "week", _("week")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The unique index (program, span, start) serves lookups by program.
    program = models.ForeignKey(
        "communities.Program", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    span = models.CharField(max_length=4, choices=Span.choices)
    start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "span", "start"],
                name="program_rollup_unique",
                include=[
                    "meetings",
                    "meetings_with_family",
                    "goal_edits",
                    "family_goal_edits",
                    "reflections",
                    "agency_n",
                    "agency_total",
                    "relevance_n",
                    "relevance_total",
                    "partnership_n",
                    "partnership_total",
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.span} {self.start}"


# --- fidelity drift ---------------------------------------------------------------------


class DriftRuleCode(models.TextChoices):
    """The drift rules of DESIGN.md; what each measures and why: engagement.drift.RULES."""

    REFLECTION_GAP = "reflection_gap", _("Reflection gap")
    MEETING_GAP = "meeting_gap", _("Meeting gap")
    FAMILY_VOICE_ABSENT = "family_voice_absent", _("Family voice absent")
    LOW_PARTNERSHIP = "low_partnership", _("Low partnership")
    CIRCLE_LAPSE = "circle_lapse", _("Circle lapse")
    MI_PRACTICE = "mi_practice", _("MI practice")
    PROMPT_UNANSWERED = "prompt_unanswered", _("Prompt unanswered")


class DriftRule(models.Model):
    """An organisation's own setting of one rule. No row means the rule's defaults
    (engagement.drift.RULES); each rule reads only the parameters it names."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32, choices=DriftRuleCode.choices)
    enabled = models.BooleanField(_("on"), default=True)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("how many"), null=True, blank=True)
    rating = models.DecimalField(
        _("rating below"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    ratio = models.DecimalField(
        _("R:Q below"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    percent = models.PositiveSmallIntegerField(_("%CR below"), null=True, blank=True)
    remind_every_days = models.PositiveSmallIntegerField(_("remind again after (days)"), default=7)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="drift_rule_unique"),
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__gte=1, days__lte=365),
                name="drift_rule_days_1_365",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1, count__lte=12),
                name="drift_rule_count_1_12",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="drift_rule_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(ratio__isnull=True) | Q(ratio__gt=0, ratio__lte=10),
                name="drift_rule_ratio_0_10",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=1, percent__lte=100),
                name="drift_rule_percent_1_100",
            ),
            models.CheckConstraint(
                condition=Q(remind_every_days__gte=1, remind_every_days__lte=365),
                name="drift_rule_remind_1_365",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.code}"


class DriftSignal(models.Model):
    """A rule tripped for one subject (a team, a person, a member of a circle). Open
    until the condition clears; at most one open per organisation × rule × subject (the
    database says so). What tripped it is kept: the threshold and measured value at the
    last scan, the window and the evidence (ids of meetings, check-ins, reflections…)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=32, choices=DriftRuleCode.choices)
    # "team:12", "person:7", "circle:3:person:7": the subject the rule looked at.
    subject_key = models.CharField(max_length=64)
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="drift_signals"
    )
    program = models.ForeignKey(
        "communities.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="drift_signals",
    )  # fmt: skip
    circle = models.ForeignKey(
        "communities.LearningCircle", null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    # The rule's parameters and what was measured, at the last scan that saw it tripped.
    threshold = models.JSONField(default=dict)
    measured = models.JSONField(default=dict)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    evidence = models.JSONField(default=dict)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=300, blank=True)
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "subject_key"],
                condition=Q(resolved_at__isnull=True),
                name="drift_signal_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "-opened_at"], name="drift_signal_by_org"),
            models.Index(fields=["team", "-opened_at"], name="drift_signal_by_team"),
            models.Index(fields=["person", "-opened_at"], name="drift_signal_by_person"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_key} {'open' if self.is_open else 'resolved'}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def duration(self):
        return (self.resolved_at or timezone.now()) - self.opened_at

    def is_snoozed(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.snoozed_until is not None and self.snoozed_until >= today


class DriftScan(models.Model):
    """One run of the scan: hourly for every organisation, or asked for by an admin for
    theirs (the page shows its progress)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    rules_done = models.PositiveSmallIntegerField(default=0)
    rules_total = models.PositiveSmallIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    reminders = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk} {self.state}"
