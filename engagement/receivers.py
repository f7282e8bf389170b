"""What engagement does when communities tells it something happened (communities
never imports engagement: it sends signals, connected here in EngagementConfig.ready)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from communities.circles import circle_attendance_recorded
from communities.models import CircleSession, Membership, Role, SessionResponse, User
from engagement.models import EngagementEvent
from reflections.models import Reflection
from reflections.services import reflection_logged

CIRCLE_EVENT_KINDS = {
    SessionResponse.Attendance.PRESENT: EngagementEvent.Kind.CIRCLE_ATTENDED,
    SessionResponse.Attendance.ABSENT: EngagementEvent.Kind.CIRCLE_MISSED,
}


@transaction.atomic
def circle_attendance_event_record(
    *, session: CircleSession, user: User, attendance: str
) -> EngagementEvent | None:
    """The one fact for `user` at `session`: attended (present), missed (absent), or
    none (excused, or attendance cleared). Recording again rewrites it, so a corrected
    attendance never counts twice. Returns the event, if any."""
    kind = CIRCLE_EVENT_KINDS.get(attendance)
    existing = EngagementEvent.objects.filter(circle_session=session, actor=user)
    if kind is None:
        existing.delete()
        return None
    organization_id = session.circle.community.organization_id
    role = (
        Membership.objects.filter(user=user, organization_id=organization_id)
        .values_list("role", flat=True)
        .first()
    ) or Role.FACILITATOR
    event, _ = EngagementEvent.objects.update_or_create(
        circle_session=session,
        actor=user,
        defaults={
            "organization_id": organization_id,
            "actor_role": role,
            "kind": kind,
            "occurred_at": session.starts_at,
        },
    )
    return event


@receiver(circle_attendance_recorded, dispatch_uid="engagement.circle_attendance")
def on_circle_attendance_recorded(
    sender, *, session: CircleSession, user: User, attendance: str, **kwargs
) -> None:
    circle_attendance_event_record(session=session, user=user, attendance=attendance)


@receiver(reflection_logged, dispatch_uid="engagement-reflection-logged")
def _on_reflection_logged(sender, reflection: Reflection, **kwargs) -> None:
    """A logged reflection is an engagement event of its team (reflection cadence)."""
    if reflection.team_id is None:
        return
    EngagementEvent.objects.create(
        team_id=reflection.team_id,
        organization_id=reflection.organization_id,
        actor=reflection.author,
        actor_role=Role.FACILITATOR,
        kind=EngagementEvent.Kind.REFLECTION_LOGGED,
        occurred_at=reflection.created_at,
    )
