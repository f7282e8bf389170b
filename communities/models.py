"""People, groups and time together: users, organisations, programs, family teams."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    """A person who signs in. Email is the login; families may never set a password."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, choices=time_zone_choices
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # The secret in the person's private calendar feed URL; a new one revokes the old.
    calendar_token = models.CharField(max_length=64, blank=True, db_index=True)
    # Quiet hours in the person's own time zone: instant emails wait until they end.
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    # Demo-only: honoured only while settings.MIIWRAP_DEMO_MFA_WAIVER is on.
    mfa_waived_for_demo = models.BooleanField(default=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return (self.name or self.email).split(" ")[0]


class Organization(models.Model):
    """A tenant: one agency. Nothing of one organisation is visible to another."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs"
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="program_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    FACILITATOR = "facilitator", _("Facilitator")
    FAMILY = "family", _("Family member")


STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
MFA_REQUIRED_ROLES = (Role.ADMIN, Role.SUPERVISOR)


class Membership(models.Model):
    """A user's role in one organisation; supervisors also name the programs they oversee."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    supervised_programs = models.ManyToManyField(
        Program, blank=True, related_name="supervisor_memberships"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name", "role"]
        constraints = [
            # One role per person per organisation keeps "what can I see" unambiguous.
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organization}"


class LearningCommunity(models.Model):
    """A community of practice of staff inside an organisation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="communities"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="learning_communities"
    )
    # The community's host may schedule its circles, like the organisation's admins.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_communities",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "learning communities"

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement & Team Preparation")
    PLANNING = "planning", _("Initial Plan Development")
    IMPLEMENTATION = "implementation", _("Implementation")
    TRANSITION = "transition", _("Transition")


class FamilyTeamQuerySet(models.QuerySet):
    def active(self) -> FamilyTeamQuerySet:
        return self.filter(closed_on__isnull=True)


class FamilyTeam(models.Model):
    """The child-and-family team: family members, facilitator(s), a phase."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("team name"), max_length=200)
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.ENGAGEMENT
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_teams"
    )
    family_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="FamilyMember",
        blank=True,
        related_name="family_teams",
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    next_meeting_at = models.DateTimeField(_("next meeting"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = FamilyTeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.closed_on is None


class FamilyMember(models.Model):
    class Relationship(models.TextChoices):
        CAREGIVER = "caregiver", _("Caregiver")
        YOUTH = "youth", _("Youth")
        OTHER = "other", _("Other family member")

    team = models.ForeignKey(FamilyTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_memberships"
    )
    relationship = models.CharField(
        max_length=16, choices=Relationship.choices, default=Relationship.CAREGIVER
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="family_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_relationship_display()}) in {self.team}"


class Invitation(models.Model):
    """An emailed, single-use link (valid 7 days) that lets one person join with one role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    relationship = models.CharField(
        max_length=16, choices=FamilyMember.Relationship.choices, blank=True
    )
    programs = models.ManyToManyField(Program, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="family") | Q(team__isnull=False),
                name="family_invitation_has_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.role}"


class AuditEntry(models.Model):
    """Append-only: who viewed or changed which family's data, when, from where."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        CHANGE = "change", _("changed")
        DELETE = "delete", _("deleted")

    # Empty for account events (a failed login, an MFA change) that belong to a person
    # rather than to one organisation.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        FamilyTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    subject = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["team", "-occurred_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


class TeamMeeting(models.Model):
    """A dated family-team meeting and who was there. Reflections build on this record."""

    class AgendaSetBy(models.TextChoices):
        FAMILY = "family", _("The family")
        TOGETHER = "together", _("Family and team together")
        FACILITATOR = "facilitator", _("The facilitator")
        OTHER = "other", _("Someone else on the team")

    team = models.ForeignKey(FamilyTeam, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    family_present = models.BooleanField(_("family was present"), default=True)
    agenda_set_by = models.CharField(
        _("who set the agenda"),
        max_length=16,
        choices=AgendaSetBy.choices,
        default=AgendaSetBy.TOGETHER,
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["team", "-held_on"])]

    def __str__(self) -> str:
        return f"{self.team} — {self.held_on}"


class CircleFocus(models.TextChoices):
    """What a learning circle practises: a Wraparound principle or an MI skill."""

    FAMILY_VOICE = "family_voice", _("Family voice and choice")
    TEAM_BASED = "team_based", _("Team based")
    NATURAL_SUPPORTS = "natural_supports", _("Natural supports")
    COLLABORATION = "collaboration", _("Collaboration")
    COMMUNITY_BASED = "community_based", _("Community based")
    CULTURALLY_COMPETENT = "culturally_competent", _("Culturally competent")
    INDIVIDUALISED = "individualised", _("Individualised")
    STRENGTHS_BASED = "strengths_based", _("Strengths based")
    PERSISTENCE = "persistence", _("Persistence")
    OUTCOME_BASED = "outcome_based", _("Outcome based")
    OPEN_QUESTIONS = "open_questions", _("MI: open questions")
    AFFIRMATIONS = "affirmations", _("MI: affirmations")
    REFLECTIONS = "reflections", _("MI: reflections")
    SUMMARIES = "summaries", _("MI: summaries")
    CHANGE_TALK = "change_talk", _("MI: evoking change talk")


class LearningCircle(models.Model):
    """A recurring series of a community: what, when (an RFC 5545 rule from the first
    date, in the circle's time zone), how long, where, who hosts, who belongs."""

    community = models.ForeignKey(
        LearningCommunity, on_delete=models.CASCADE, related_name="circles"
    )
    title = models.CharField(_("title"), max_length=200)
    focus = models.CharField(_("focus"), max_length=32, choices=CircleFocus.choices)
    agenda = models.TextField(_("agenda"), blank=True, max_length=4000)
    starts_on = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time (local)"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    location = models.CharField(_("place or video link"), max_length=300, blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # RRULE without DTSTART, e.g. "FREQ=MONTHLY;BYDAY=+2TU;COUNT=10" (local wall time).
    rrule = models.CharField(_("repeats"), max_length=500)
    # Minutes before each session that members are reminded (default a day and an hour).
    reminder_minutes = models.JSONField(default=list, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="learning_circles"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CircleSession(models.Model):
    """One dated occurrence of a circle, identified by the date the rule gave it; it can
    be moved or cancelled on its own. `sequence` grows with every change (iCalendar)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")

    circle = models.ForeignKey(LearningCircle, on_delete=models.CASCADE, related_name="sessions")
    occurrence_date = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    moved = models.BooleanField(default=False)  # changed on its own: series edits skip it
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set once the "session ended" signal went out (reflection prompts react to it).
    ended_signal_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "occurrence_date"], name="circle_session_unique"
            )
        ]
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["ends_at"])]

    def __str__(self) -> str:
        return f"{self.circle} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class SessionResponse(models.Model):
    """A member's answer to a session (going / not going) and, later, the host's record
    of their attendance."""

    class Rsvp(models.TextChoices):
        GOING = "going", _("going")
        NOT_GOING = "not_going", _("not going")

    class Attendance(models.TextChoices):
        PRESENT = "present", _("present")
        ABSENT = "absent", _("absent")
        EXCUSED = "excused", _("excused")

    session = models.ForeignKey(CircleSession, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_responses"
    )
    rsvp = models.CharField(max_length=10, choices=Rsvp.choices, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="session_response_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.rsvp or '-'} {self.attendance or '-'}"


class MessageKind(models.TextChoices):
    """Every kind of message the product sends. Preferences, unsubscribe links and the
    admins' Messages page all speak in these."""

    INVITATION = "invitation", _("invitation to join")
    CHECKIN_REQUEST = "checkin_request", _("meeting check-in")
    COMMENT = "comment", _("new comment")
    CHECKIN_ANSWERED = "checkin_answered", _("the family's meeting check-in")
    FAMILY_GOAL_CREATED = "family_goal_created", _("a goal added by the family")
    FAMILY_GOAL_EDITED = "family_goal_edited", _("a goal edited by the family")
    CIRCLE_REMINDER = "circle_reminder", _("learning circle reminder")
    CIRCLE_CHANGED = "circle_changed", _("learning circle session moved or cancelled")
    REFLECTION_PROMPT = "reflection_prompt", _("reflection prompt")
    PROMPT_REMINDER = "prompt_reminder", _("reminder of an unanswered reflection prompt")
    REFLECTION_RESPONSE = "reflection_response", _("a response to my reflection")
    DIGEST = "digest", _("summary of what's new")
    DRIFT_REMINDER = "drift_reminder", _("reminder when practice drifts from the model")
    DRIFT_DIGEST = "drift_digest", _("summary of drift signals in my programs")
    ACCOUNT = "account", _("sign-in and account email")


# How a higher app's kind reads in the app: kind → (message → text), registered by
# that app when it starts (a lower app never imports a higher one).
MESSAGE_TEXTS: dict = {}


class Message(models.Model):
    """The outbox: one row per message to one person, email or in-app alike.

    `key` (recipient × kind × subject × period) is unique, so a message is written at most
    once however often its cause is retried. In-app messages are delivered by being
    written. An email row goes pending → sending (claimed with a lease) → sent, or back
    to pending with backoff after a failure, and failed after the last try
    (communities.outbox). Its Message-ID derives from `key`.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        APP = "app", _("in the app")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("not needed any more")

    Kind = MessageKind

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.APP)
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # Where an email goes when no account exists yet (an invitation) or for allauth mail.
    to_email = models.EmailField(blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    team = models.ForeignKey(
        FamilyTeam, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    subject_key = models.CharField(max_length=64, blank=True, db_index=True)
    # The words are rendered at send (emails) or when read (in-app), in the reader's
    # language and time zone, from these parameters.
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=9, choices=State.choices, default=State.SENT)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # In-app messages gathered into an email digest.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="message_inbox"),
            models.Index(
                fields=["state", "next_attempt_at"],
                name="message_due",
                condition=Q(channel="email", state__in=["pending", "sending"]),
            ),
            models.Index(fields=["organization", "channel", "-created_at"], name="message_by_org"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def address(self) -> str:
        """Where the email goes: the address given, else the recipient's."""
        return self.to_email or (self.recipient.email if self.recipient else "")

    @property
    def text(self) -> str:
        params = dict(self.params)
        if "date" in params:
            params["date"] = date_format(date.fromisoformat(params["date"]), "SHORT_DATE_FORMAT")
        if self.kind == MessageKind.COMMENT:
            return _("%(name)s commented on “%(goal)s”") % params
        if self.kind == MessageKind.FAMILY_GOAL_CREATED:
            return _("%(name)s added a goal in the family's words: “%(goal)s”") % params
        if self.kind == MessageKind.FAMILY_GOAL_EDITED:
            return _("%(name)s edited the goal “%(goal)s”") % params
        if self.kind == MessageKind.CHECKIN_ANSWERED:
            text = (
                _(
                    "%(name)s rated the meeting on %(date)s: we decided %(agency)s/5, "
                    "it matters %(relevance)s/5, partners %(partnership)s/5"
                )
                % params
            )
            if params.get("word"):
                text += f" — “{params['word']}”"
            return text
        if self.kind == MessageKind.CHECKIN_REQUEST:
            return _("How was the meeting on %(date)s? Three quick taps.") % params
        if self.kind == MessageKind.INVITATION:
            return _("Invitation to join %(organization)s") % params
        if self.kind == MessageKind.CIRCLE_REMINDER:
            return _("Reminder: your learning circle “%(circle)s” meets soon.") % {
                "circle": params.get("circle", "")
            }
        if self.kind == MessageKind.CIRCLE_CHANGED:
            if params.get("cancelled"):
                return _("A session of “%(circle)s” is cancelled.") % {
                    "circle": params.get("circle", "")
                }
            return _("A session of “%(circle)s” has a new time.") % {
                "circle": params.get("circle", "")
            }
        if self.kind in (MessageKind.REFLECTION_PROMPT, MessageKind.PROMPT_REMINDER):
            language = get_language() or "en"
            words = params.get("prompt_es") if language.startswith("es") else None
            words = words or params.get("prompt_en", "")
            if self.kind == MessageKind.PROMPT_REMINDER:
                return _("Still open, a reflection prompt: “%(prompt)s”") % {"prompt": words}
            return _("A reflection prompt for you: “%(prompt)s”") % {"prompt": words}
        if self.kind == MessageKind.REFLECTION_RESPONSE:
            return _("%(name)s responded to your reflection") % {"name": params.get("name", "")}
        if self.kind in MESSAGE_TEXTS:
            return MESSAGE_TEXTS[self.kind](self)
        return params.get("subject", self.get_kind_display())


class Cadence(models.TextChoices):
    INSTANT = "instant", _("right away")
    DAILY = "daily", _("in a daily summary")
    WEEKLY = "weekly", _("in a weekly summary")


class MessagePreference(models.Model):
    """How one person wants one kind of message by email (in the app they always see it).
    No row means the kind's default (communities.outbox.DEFAULT_CADENCE)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preferences"
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    email = models.BooleanField(default=True)
    cadence = models.CharField(max_length=8, choices=Cadence.choices, default=Cadence.INSTANT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="message_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {'email' if self.email else 'no email'} {self.cadence}"
