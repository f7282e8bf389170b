"""Hand-built data for the drift rules: each helper writes exactly one fact, dated."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from communities.models import (
    CircleSession,
    LearningCircle,
    LearningCommunity,
    Role,
    SessionResponse,
    TeamMeeting,
)
from engagement import drift
from engagement.models import DriftSignal, GoalRevision, MeetingCheckIn
from reflections.models import PracticeObservation, PromptDelivery, PromptWording, Reflection

# A fixed "now" (noon, server time) so day boundaries are exact.
NOW = timezone.make_aware(datetime(2026, 11, 20, 12, 0))
TODAY = NOW.date()


def days_ago(n: int, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(TODAY - timedelta(days=n), time(hour, 0)))


def open_team(team, days: int = 400) -> None:
    team.opened_on = TODAY - timedelta(days=days)
    team.save(update_fields=["opened_on"])


def reflection(team, author, n_days_ago: int) -> Reflection:
    return Reflection.objects.create(
        author=author, organization=team.program.organization, team=team,
        worked="x", created_at=days_ago(n_days_ago),
    )  # fmt: skip


def meeting(team, by, n_days_ago: int) -> TeamMeeting:
    return TeamMeeting.objects.create(team=team, held_on=TODAY - timedelta(days=n_days_ago),
                                      recorded_by=by)  # fmt: skip


def checkin(meeting_row, family, agency: int, relevance: int, partnership: int):
    return MeetingCheckIn.objects.create(
        meeting=meeting_row, family_member=family, agency=agency, relevance=relevance,
        partnership=partnership, submitted_at=NOW,
    )  # fmt: skip


def family_edit(goal, family, n_days_ago: int) -> GoalRevision:
    version = goal.revisions.count() + 1
    return GoalRevision.objects.create(
        goal=goal, version=version, author=family, author_role=Role.FAMILY,
        created_at=days_ago(n_days_ago),
    )  # fmt: skip


def circle_with_sessions(org, host, members, count: int, *, last_days_ago: int = 1):
    """A weekly circle whose last `count` sessions ended, the latest `last_days_ago` ago."""
    community = LearningCommunity.objects.create(organization=org, name="LC", host=host)
    circle = LearningCircle.objects.create(
        community=community, title="Reflections lab", focus="reflections",
        starts_on=TODAY - timedelta(days=7 * count + last_days_ago), start_time=time(10),
        time_zone="UTC", rrule="FREQ=WEEKLY", host=host,
    )  # fmt: skip
    circle.members.add(*members)
    sessions = []
    for k in range(count):
        start = days_ago(last_days_ago + 7 * (count - 1 - k), hour=10)
        sessions.append(CircleSession.objects.create(
            circle=circle, occurrence_date=start.date(), starts_at=start,
            ends_at=start + timedelta(hours=1),
        ))  # fmt: skip
    return circle, sessions


def attendance(session, user, value: str) -> SessionResponse:
    return SessionResponse.objects.create(session=session, user=user, attendance=value)


def observation(org, facilitator, coach, n_days_ago: int, *, questions: int,
                simple: int, complex_: int) -> PracticeObservation:  # fmt: skip
    return PracticeObservation.objects.create(
        organization=org, facilitator=facilitator, coded_by=coach,
        observed_on=TODAY - timedelta(days=n_days_ago), source="live", method="counts",
        question=questions, question_open=questions, simple_reflection=simple,
        complex_reflection=complex_, completed_at=days_ago(n_days_ago),
    )  # fmt: skip


def prompt_sent(org, recipient, sent: datetime, occurrence: str = "weekly:1") -> PromptDelivery:
    return PromptDelivery.objects.create(
        organization=org, recipient=recipient, wording=PromptWording.objects.first(),
        occurrence=occurrence, due_at=sent, sent_at=sent,
    )  # fmt: skip


def scan(org, now: datetime = NOW, *, remind: bool = False) -> drift.ScanResult:
    return drift.scan(organization_ids=[org.pk], now=now, remind=remind)


def open_signals(org, rule: str) -> list[DriftSignal]:
    return list(DriftSignal.objects.filter(organization=org, rule=rule, resolved_at__isnull=True))


def set_rule(org, code: str, **values) -> None:
    setting = drift.settings_for([org.pk])[org.pk, code]
    fields = {**{f: getattr(setting, f) for f in ("enabled", "remind_every_days")}, **values}
    from dataclasses import replace

    drift.setting_save(setting=replace(setting, **fields), by=None)


__all__ = ["date"]
