"""Reads for people, organisations and invitations. Each returns everything a page
needs in a fixed number of queries. Selectors only read: nothing here writes."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from communities.models import (
    AuditEntry,
    FamilyTeam,
    Invitation,
    Membership,
    Message,
    MessagePreference,
    Organization,
    Role,
    User,
)


def pending_invitations(organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked, newest first (expired ones included, so
    they can be resent)."""
    return (
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("team", "invited_by")
        .order_by("-created_at")
    )


def organization_setup(organization: Organization) -> dict:
    """What an admin sees on the setup page."""
    programs = organization.programs.annotate(
        team_count=Count("teams", filter=Q(teams__closed_on__isnull=True), distinct=True)
    )
    memberships = (
        Membership.objects.filter(organization=organization)
        .exclude(role=Role.FAMILY)
        .select_related("user")
        .prefetch_related("supervised_programs")
        .order_by("-is_active", "role", "user__name")
    )
    return {
        "organization": organization,
        "programs": list(programs),
        "staff": list(memberships),
        "pending_invitations": list(pending_invitations(organization)[:50]),
        "now": timezone.now(),
        "family_count": Membership.objects.filter(
            organization=organization, role=Role.FAMILY
        ).count(),
        "communities": list(organization.communities.annotate(member_count=Count("members"))),
    }


def team_invitations(team: FamilyTeam) -> list[Invitation]:
    """A team's pending family invitations (the invite page lists them)."""
    return list(pending_invitations(team.program.organization).filter(team=team)[:50])


def team_audit_trail(team: FamilyTeam, *, limit: int = 200) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(team=team)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def message_preferences(user: User) -> dict[str, tuple[bool, str]]:
    """kind → (email on, cadence) for every kind a person chooses, defaults filled in."""
    from communities.outbox import CHOOSABLE_KINDS, DEFAULT_CADENCE

    chosen = {p.kind: (p.email, p.cadence) for p in MessagePreference.objects.filter(user=user)}
    return {kind: chosen.get(kind, (True, DEFAULT_CADENCE[kind])) for kind in CHOOSABLE_KINDS}


def message_overview(organization: Organization, *, days: int = 14) -> dict:
    """An organisation's emails over the last `days` days, by day, kind and state; the
    failed ones with their error; what waits to be sent. Three queries."""
    since = timezone.now() - timedelta(days=days)
    emails = Message.objects.filter(
        organization=organization, channel=Message.Channel.EMAIL, created_at__gte=since
    )
    rows = list(
        emails.annotate(day=TruncDate("created_at"))
        .values("day", "kind")
        .annotate(
            sent=Count("id", filter=Q(state=Message.State.SENT)),
            waiting=Count("id", filter=Q(state__in=[Message.State.PENDING, Message.State.SENDING])),
            failed=Count("id", filter=Q(state=Message.State.FAILED)),
            cancelled=Count("id", filter=Q(state=Message.State.CANCELLED)),
        )
        .order_by("-day", "kind")
    )
    labels = dict(Message.Kind.choices)
    for row in rows:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    failed = list(
        Message.objects.filter(
            organization=organization, channel=Message.Channel.EMAIL, state=Message.State.FAILED
        )
        .select_related("recipient")
        .order_by("-created_at")[:50]
    )
    waiting = list(
        Message.objects.filter(
            organization=organization,
            channel=Message.Channel.EMAIL,
            state__in=[Message.State.PENDING, Message.State.SENDING],
        )
        .select_related("recipient")
        .order_by("next_attempt_at")[:50]
    )
    return {"organization": organization, "rows": rows, "failed": failed, "waiting": waiting}


# --- Learning communities and circles ----------------------------------------------------


def _with_attendance(sessions):
    from communities.models import SessionResponse

    return sessions.annotate(
        present=Count(
            "responses", filter=Q(responses__attendance=SessionResponse.Attendance.PRESENT)
        ),
        absent=Count(
            "responses", filter=Q(responses__attendance=SessionResponse.Attendance.ABSENT)
        ),
        going=Count("responses", filter=Q(responses__rsvp=SessionResponse.Rsvp.GOING)),
    )


def community_list(communities) -> list:
    return list(
        communities.select_related("host").annotate(
            member_count=Count("members", distinct=True),
            circle_count=Count("circles", distinct=True),
        )
    )


def community_page(community) -> dict:
    """Members, circles, the next sessions and the past ones with their attendance."""
    from communities.models import CircleSession

    now = timezone.now()
    sessions = CircleSession.objects.filter(circle__community=community).select_related("circle")
    return {
        "community": community,
        "members": list(community.members.order_by("name", "email")),
        "circles": list(community.circles.select_related("host").order_by("title")),
        "upcoming": list(sessions.filter(ends_at__gte=now).order_by("starts_at")[:10]),
        "past": list(
            _with_attendance(sessions.filter(ends_at__lt=now)).order_by("-starts_at")[:10]
        ),
    }


def circle_page(circle) -> dict:
    from communities.models import CircleSession

    now = timezone.now()
    sessions = CircleSession.objects.filter(circle=circle)
    return {
        "circle": circle,
        "members": list(circle.members.order_by("name", "email")),
        "upcoming": list(sessions.filter(ends_at__gte=now).order_by("starts_at")[:12]),
        "past": list(
            _with_attendance(sessions.filter(ends_at__lt=now)).order_by("-starts_at")[:12]
        ),
    }


def session_page(session) -> dict:
    """The session with every member and their answer and attendance."""
    from communities.models import SessionResponse

    responses = {
        r.user_id: r for r in SessionResponse.objects.filter(session=session).select_related("user")
    }
    members = list(session.circle.members.order_by("name", "email"))
    return {
        "session": session,
        "circle": session.circle,
        "rows": [{"member": m, "response": responses.get(m.pk)} for m in members],
    }


def sessions_for_member(user: User, organization: Organization, *, start, end) -> list:
    """The person's circle sessions between `start` and `end`, with their own answer."""
    from django.db.models import OuterRef, Subquery

    from communities.models import CircleSession, SessionResponse

    mine = SessionResponse.objects.filter(session=OuterRef("pk"), user=user)
    return list(
        CircleSession.objects.filter(
            circle__members=user,
            circle__community__organization=organization,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("circle")
        .annotate(my_rsvp=Subquery(mine.values("rsvp")[:1]))
        .order_by("starts_at")
    )


def month_weeks(sessions: list, month_start, zone) -> list[list[dict]]:
    """Weeks (Monday first) of the month, each day with its sessions in `zone`."""
    import calendar

    by_day: dict = {}
    for session in sessions:
        by_day.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(
        month_start.year, month_start.month
    )
    return [
        [
            {
                "day": day,
                "in_month": day.month == month_start.month,
                "sessions": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]


def attendance_history(user: User, organization: Organization, *, limit: int = 50) -> list:
    """The person's past circle sessions in the organisation, newest first, with what
    the host recorded (present / absent / excused, or nothing yet)."""
    from django.db.models import OuterRef, Subquery

    from communities.models import CircleSession, SessionResponse

    mine = SessionResponse.objects.filter(session=OuterRef("pk"), user=user)
    return list(
        CircleSession.objects.filter(
            circle__members=user,
            circle__community__organization=organization,
            ends_at__lt=timezone.now(),
            status=CircleSession.Status.SCHEDULED,
        )
        .select_related("circle")
        .annotate(my_attendance=Subquery(mine.values("attendance")[:1]))
        .order_by("-starts_at")[:limit]
    )
