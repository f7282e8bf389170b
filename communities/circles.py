"""Learning circles: recurrence, sessions, RSVPs and attendance (writes and the rules
they keep; reads are in communities.selectors).

Recurrence is python-dateutil's rrule over *local wall time*: the rule runs from a naive
DTSTART (first date + local start time) and each occurrence's date is then placed at the
circle's start time in the circle's zone, so a 10:00 America/Chicago circle stays at
10:00 local across daylight-saving changes. Sessions are rows, identified by the date the
rule gave them (`occurrence_date`), materialised for the next 12 weeks.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import django.dispatch
from dateutil.rrule import rrulestr
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.audit import audit_entry_create
from communities.models import (
    CircleSession,
    LearningCircle,
    LearningCommunity,
    MessageKind,
    SessionResponse,
    User,
)

HORIZON = timedelta(weeks=12)
MAX_SESSIONS = 200
MAX_DURATION = 8 * 60
DEFAULT_REMINDER_MINUTES = [24 * 60, 60]

# Sent once per session after it ends, so later capabilities (reflection prompts) react
# without communities importing them. Arguments: session.
circle_session_ended = django.dispatch.Signal()
# Sent when the host records attendance. Arguments: session, user, attendance.
circle_attendance_recorded = django.dispatch.Signal()


class ScheduleError(ValueError):
    """A schedule that can't be: the message is for the person scheduling."""


@dataclass(frozen=True)
class Schedule:
    starts_on: date
    start_time: time
    time_zone: str
    duration_minutes: int
    rrule: str


def build_rrule(
    *, frequency: str, starts_on: date, count: int | None, until: date | None, custom: str = ""
) -> str:
    """The RRULE text for the form's choices: weekly, every 2 weeks, monthly on the Nth
    weekday of the first date, or a custom rule; ending after `count` or on `until`."""
    if frequency == "custom":
        rule = custom.strip().removeprefix("RRULE:")
    elif frequency == "monthly_nth":
        nth = (starts_on.day - 1) // 7 + 1
        weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][starts_on.weekday()]
        rule = f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else f'+{nth}'}{weekday}"
    else:
        rule = f"FREQ=WEEKLY;INTERVAL={2 if frequency == 'biweekly' else 1}"
    parts = [p for p in rule.split(";") if p and not p.upper().startswith(("COUNT=", "UNTIL="))]
    has_end = any(p.upper().startswith(("COUNT=", "UNTIL=")) for p in rule.split(";"))
    if count:
        parts.append(f"COUNT={count}")
    elif until:
        parts.append(f"UNTIL={until:%Y%m%d}T235959")
    elif frequency == "custom" and has_end:
        return rule
    return ";".join(parts)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(_("Unknown time zone: %(zone)s.") % {"zone": name}) from None


def occurrence_dates(schedule: Schedule, *, limit: int = MAX_SESSIONS + 1) -> list[date]:
    """The dates the rule gives, at most `limit`. Raises ScheduleError for a rule that
    is not valid RFC 5545, has no end, or ends before it starts."""
    rule_text = schedule.rrule.strip()
    if "COUNT=" not in rule_text.upper() and "UNTIL=" not in rule_text.upper():
        raise ScheduleError(_("Say when the circle ends: after a number of sessions or on a date."))
    start = datetime.combine(schedule.starts_on, schedule.start_time)
    try:
        rule = rrulestr(f"RRULE:{rule_text}", dtstart=start, forceset=False)
        dates = []
        for occurrence in rule:
            dates.append(occurrence.date())
            if len(dates) >= limit:
                break
    except (ValueError, TypeError) as error:
        raise ScheduleError(
            _("That repeat rule is not valid (RFC 5545 RRULE): %(error)s") % {"error": error}
        ) from None
    if not dates:
        raise ScheduleError(_("The circle ends before its first session."))
    return dates


def session_times(schedule: Schedule, day: date) -> tuple[datetime, datetime]:
    """Start and end of the session on `day`, at the local start time in the circle's
    zone (daylight saving handled by the zone)."""
    starts = datetime.combine(day, schedule.start_time, tzinfo=_zone(schedule.time_zone))
    return starts, starts + timedelta(minutes=schedule.duration_minutes)


def schedule_check(schedule: Schedule, *, now: datetime | None = None) -> list[date]:
    """Every rule a schedule must keep; returns its dates. Raises ScheduleError."""
    now = now or timezone.now()
    _zone(schedule.time_zone)
    if not 0 < schedule.duration_minutes <= MAX_DURATION:
        raise ScheduleError(_("A session lasts between 1 minute and 8 hours."))
    dates = occurrence_dates(schedule)
    if len(dates) > MAX_SESSIONS:
        raise ScheduleError(
            _("That makes more than %(n)s sessions. End the circle sooner.") % {"n": MAX_SESSIONS}
        )
    return dates


def schedule_of(circle: LearningCircle) -> Schedule:
    return Schedule(
        starts_on=circle.starts_on,
        start_time=circle.start_time,
        time_zone=circle.time_zone,
        duration_minutes=circle.duration_minutes,
        rrule=circle.rrule,
    )


def preview(schedule: Schedule, *, viewer_zone: str, count: int = 8) -> list[dict]:
    """The next `count` sessions, in the circle's zone and the viewer's."""
    viewer = zoneinfo.ZoneInfo(viewer_zone)
    today = timezone.localdate()
    rows = []
    for day in occurrence_dates(schedule):
        if day < today:
            continue
        starts, _ends = session_times(schedule, day)
        rows.append({"local": starts, "viewer": starts.astimezone(viewer)})
        if len(rows) >= count:
            break
    return rows


# --- writes ---------------------------------------------------------------------------


@transaction.atomic
def community_save(
    *,
    by: User,
    name: str,
    description: str,
    host: User | None,
    members: list[User],
    organization=None,
    community: LearningCommunity | None = None,
) -> LearningCommunity:
    """Create (in `organization`) or change a community. Precondition: `by` is an admin
    of it or its host, and host and members are staff of its organisation (the form)."""
    if community is None:
        community = LearningCommunity.objects.create(organization=organization, name=name)
    community.name, community.description, community.host = name, description, host
    community.save()
    community.members.set(members)
    audit_entry_create(
        actor=by, action="change", subject=f"learning community {community.pk}: {name}",
        organization=community.organization,
        detail={"community": community.pk, "members": [m.pk for m in members]},
    )  # fmt: skip
    return community


@transaction.atomic
def circle_schedule(
    *,
    community: LearningCommunity,
    by: User,
    data: dict,
    members: list[User],
    now: datetime | None = None,
) -> LearningCircle:
    """Create a circle and its sessions for the next 12 weeks. Precondition: `by` may
    schedule in `community` (access layer); `data` passed the form (schedule_check)."""
    now = now or timezone.now()
    circle = LearningCircle.objects.create(
        community=community,
        reminder_minutes=data.pop("reminder_minutes", DEFAULT_REMINDER_MINUTES),
        created_at=now,
        updated_at=now,
        **data,
    )
    circle.members.set(members)
    audit_entry_create(
        actor=by, action="create", subject=f"learning circle {circle.pk}: {circle.title}",
        organization=community.organization, detail={"circle": circle.pk},
    )  # fmt: skip
    sessions_materialise(circle=circle, now=now)
    return circle


def sessions_materialise(*, circle: LearningCircle, now: datetime | None = None) -> int:
    """Rows for every session of the next 12 weeks that has none yet. Returns how many
    were created. Safe to run again (the date is unique per circle)."""
    now = now or timezone.now()
    schedule = schedule_of(circle)
    rows = []
    for day in occurrence_dates(schedule):
        starts, ends = session_times(schedule, day)
        if starts > now + HORIZON:
            break
        if ends < now - timedelta(days=1):
            continue
        rows.append(
            CircleSession(
                circle=circle, occurrence_date=day, starts_at=starts, ends_at=ends, updated_at=now
            )
        )
    before = circle.sessions.count()
    CircleSession.objects.bulk_create(rows, ignore_conflicts=True)
    return circle.sessions.count() - before


@transaction.atomic
def circle_update_series(
    *,
    circle: LearningCircle,
    by: User,
    data: dict,
    members: list[User],
    from_time: datetime | None = None,
) -> LearningCircle:
    """Change the series from `from_time` (default now) on: upcoming sessions follow the
    new rule and times (a date the rule no longer gives is cancelled), past sessions stay
    as they were, and sessions moved or cancelled on their own keep their change."""
    now = timezone.now()
    from_time = max(from_time or now, now)
    circle = LearningCircle.objects.select_for_update().get(pk=circle.pk)
    for name, value in data.items():
        setattr(circle, name, value)
    circle.updated_at = now
    circle.save()
    circle.members.set(members)
    schedule = schedule_of(circle)
    wanted = {day for day in occurrence_dates(schedule)}
    upcoming = list(
        circle.sessions.select_for_update().filter(starts_at__gte=from_time, moved=False)
    )
    changed = []
    for session in upcoming:
        if session.occurrence_date in wanted:
            starts, ends = session_times(schedule, session.occurrence_date)
            if (starts, ends) != (session.starts_at, session.ends_at):
                session.starts_at, session.ends_at = starts, ends
                changed.append(session)
        elif session.status == CircleSession.Status.SCHEDULED:
            session.status = CircleSession.Status.CANCELLED
            changed.append(session)
    for session in changed:
        session.sequence += 1
        session.updated_at = now
        session.save(update_fields=["starts_at", "ends_at", "status", "sequence", "updated_at"])
    audit_entry_create(
        actor=by,
        action="change",
        subject=f"learning circle {circle.pk}: series from {from_time:%Y-%m-%d}",
        organization=circle.community.organization,
        detail={"circle": circle.pk, "sessions_changed": [s.pk for s in changed]},
    )
    sessions_materialise(circle=circle, now=now)
    for session in changed:
        session_changed_notify(session=session)
    return circle


@transaction.atomic
def session_move(*, session: CircleSession, by: User, starts_at: datetime) -> CircleSession:
    """Move one session (same length); members are told once, with the new .ics."""
    session = CircleSession.objects.select_for_update().select_related("circle").get(pk=session.pk)
    length = session.ends_at - session.starts_at
    session.starts_at, session.ends_at = starts_at, starts_at + length
    session.moved = True
    session.sequence += 1
    session.updated_at = timezone.now()
    session.save(update_fields=["starts_at", "ends_at", "moved", "sequence", "updated_at"])
    session_changed_notify(session=session)
    return session


@transaction.atomic
def session_cancel(*, session: CircleSession, by: User) -> CircleSession:
    session = CircleSession.objects.select_for_update().select_related("circle").get(pk=session.pk)
    if session.status == CircleSession.Status.CANCELLED:
        return session
    session.status = CircleSession.Status.CANCELLED
    session.moved = True
    session.sequence += 1
    session.updated_at = timezone.now()
    session.save(update_fields=["status", "moved", "sequence", "updated_at"])
    session_changed_notify(session=session)
    return session


def session_changed_notify(*, session: CircleSession) -> None:
    """One notice per member and change (the sequence is in the key)."""
    from communities import outbox

    circle = session.circle
    outbox.notify(
        recipients=list(circle.members.all()),
        kind=MessageKind.CIRCLE_CHANGED,
        subject_key=f"session:{session.pk}:seq{session.sequence}",
        params={
            "session": session.pk,
            "circle": circle.title,
            "cancelled": session.is_cancelled,
            "starts_at": session.starts_at.isoformat(),
        },
        url=f"/circles/sessions/{session.pk}/",
        organization=circle.community.organization,
    )


def rsvp_set(*, session: CircleSession, user: User, rsvp: str) -> SessionResponse:
    """Precondition: `user` is a member of the circle (access layer)."""
    response, _ = SessionResponse.objects.update_or_create(
        session=session, user=user, defaults={"rsvp": rsvp, "updated_at": timezone.now()}
    )
    return response


@transaction.atomic
def attendance_record(
    *, session: CircleSession, by: User, attendance: dict[int, str]
) -> list[SessionResponse]:
    """The host's record: member id → present / absent / excused. Each is sent as a
    signal (engagement counts attending and missing). Precondition: the ids are members."""
    saved = []
    now = timezone.now()
    for user_id, value in attendance.items():
        response, _ = SessionResponse.objects.update_or_create(
            session=session, user_id=user_id, defaults={"attendance": value, "updated_at": now}
        )
        saved.append(response)
    audit_entry_create(
        actor=by, action="change", subject=f"attendance for circle session {session.pk}",
        organization=session.circle.community.organization,
        detail={"session": session.pk, "attendance": {str(k): v for k, v in attendance.items()}},
    )  # fmt: skip
    for response in saved:
        transaction.on_commit(
            lambda r=response: circle_attendance_recorded.send(
                sender=SessionResponse, session=session, user=r.user, attendance=r.attendance
            )
        )
    return saved


def sessions_ended_signal(*, now: datetime | None = None) -> int:
    """Send `circle_session_ended` once for every session that has ended."""
    now = now or timezone.now()
    sent = 0
    for session in CircleSession.objects.filter(
        ends_at__lte=now, ended_signal_at__isnull=True, status=CircleSession.Status.SCHEDULED
    ).select_related("circle"):
        claimed = CircleSession.objects.filter(pk=session.pk, ended_signal_at__isnull=True).update(
            ended_signal_at=now
        )
        if claimed:
            circle_session_ended.send(sender=CircleSession, session=session)
            sent += 1
    return sent


def sessions_materialise_all(*, now: datetime | None = None) -> int:
    """Daily: keep 12 weeks of sessions ahead for every circle still running."""
    total = 0
    for circle in LearningCircle.objects.all():
        total += sessions_materialise(circle=circle, now=now)
    return total


def calendar_token_new(*, user: User) -> str:
    """A new private feed URL; the old one stops working."""
    import secrets

    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
