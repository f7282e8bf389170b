"""What engagement does when communities tells it something happened (communities
never imports engagement: it sends signals, connected here in EngagementConfig.ready)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from communities.circles import circle_attendance_recorded
from communities.models import (
    CircleSession,
    Membership,
    Role,
    SessionResponse,
    TeamMeeting,
    User,
)
from engagement.models import EngagementEvent, MeetingCheckIn
from engagement.rollups import PERSON_EVENT_KINDS, rollups_refresh
from reflections.models import PracticeObservation, Reflection, ReflectionResponse
from reflections.practice import practice_observed
from reflections.services import reflection_logged, reflection_responded

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
    # Only the attendance facts: a reflection on the session is an event of its own.
    existing = EngagementEvent.objects.filter(
        circle_session=session, actor=user, kind__in=list(CIRCLE_EVENT_KINDS.values())
    )
    if kind is None:
        existing.delete()
        return None
    organization_id = session.circle.community.organization_id
    role = _role(user, organization_id)
    event, _ = EngagementEvent.objects.update_or_create(
        circle_session=session,
        actor=user,
        kind__in=list(CIRCLE_EVENT_KINDS.values()),
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


def _role(user: User, organization_id: int) -> str:
    return (
        Membership.objects.filter(user=user, organization_id=organization_id)
        .values_list("role", flat=True)
        .first()
    ) or Role.FACILITATOR


@receiver(reflection_logged, dispatch_uid="engagement-reflection-logged")
def _on_reflection_logged(sender, reflection: Reflection, **kwargs) -> None:
    """A reflection is an engagement event: of its team when it is about one (reflection
    cadence), else of its circle session or organisation. An answered prompt is its own
    kind."""
    kind = (
        EngagementEvent.Kind.PROMPT_ANSWERED
        if reflection.prompt_delivery_id
        else EngagementEvent.Kind.REFLECTION_LOGGED
    )
    EngagementEvent.objects.create(
        team_id=reflection.team_id,
        organization_id=reflection.organization_id,
        circle_session_id=reflection.circle_session_id,
        actor=reflection.author,
        actor_role=_role(reflection.author, reflection.organization_id),
        kind=kind,
        occurred_at=reflection.created_at,
    )


@receiver(reflection_responded, dispatch_uid="engagement-reflection-responded")
def _on_reflection_responded(sender, response: ReflectionResponse, **kwargs) -> None:
    """A response to a colleague's reflection: learning from each other."""
    reflection = response.reflection
    EngagementEvent.objects.create(
        team_id=reflection.team_id,
        organization_id=reflection.organization_id,
        actor=response.author,
        actor_role=_role(response.author, reflection.organization_id),
        kind=EngagementEvent.Kind.REFLECTION_RESPONDED,
        occurred_at=response.created_at,
    )


@receiver(practice_observed, dispatch_uid="engagement-practice-observed")
def _on_practice_observed(sender, observation: PracticeObservation, **kwargs) -> None:
    """A coded observation is a fact about the facilitator's practice (value: R:Q when
    questions were coded), of the team when it names one."""
    rq = observation.scores().rq.number
    EngagementEvent.objects.create(
        team_id=observation.team_id,
        organization_id=observation.organization_id,
        actor=observation.facilitator,
        actor_role=_role(observation.facilitator, observation.organization_id),
        kind=EngagementEvent.Kind.PRACTICE_OBSERVED,
        value=rq,
        occurred_at=observation.completed_at,
    )


# --- the daily rollup, kept current in the transaction of each change ----------------------


@receiver([post_save, post_delete], sender=EngagementEvent, dispatch_uid="engagement-rollup")
def _on_event_changed(sender, instance: EngagementEvent, **kwargs) -> None:
    day = timezone.localdate(instance.occurred_at)
    if instance.team_id is not None:
        rollups_refresh(day=day, team_id=instance.team_id)
    elif instance.kind in PERSON_EVENT_KINDS and instance.actor_id is not None:
        rollups_refresh(day=day, person_id=instance.actor_id)


@receiver(post_save, sender=MeetingCheckIn, dispatch_uid="engagement-rollup-checkin")
def _on_checkin_saved(sender, instance: MeetingCheckIn, **kwargs) -> None:
    if instance.submitted_at is not None:
        team_id = TeamMeeting.objects.values_list("team_id", flat=True).get(pk=instance.meeting_id)
        rollups_refresh(day=timezone.localdate(instance.submitted_at), team_id=team_id)
