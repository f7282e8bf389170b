"""The daily rollup equals a recomputation from the raw events and check-ins: after
inserts through the services, after rewrites and deletions, and, for what was written
around the signals, after the nightly repair."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from communities.models import Role
from engagement import services
from engagement.models import DailyRollup, EngagementEvent, MeetingCheckIn
from engagement.rollups import rollup_snapshot, rollups_rebuild, rollups_repair


def _recomputed() -> list[tuple]:
    """What a full recomputation from the raw tables gives, leaving the table as found."""
    kept = rollup_snapshot()
    rollups_rebuild()
    fresh = rollup_snapshot()
    DailyRollup.objects.all().delete()
    DailyRollup.objects.bulk_create(
        DailyRollup(organization_id=o, team_id=t, person_id=p, day=d, measure=m, n=n, total=s)
        for o, t, p, d, m, n, s in kept
    )
    return fresh


def _meeting(world, *, family_present=True):
    return services.team_meeting_record(
        team=world.team, by=world.facilitator, held_on=timezone.localdate(),
        duration_minutes=60, family_present=family_present, agenda_set_by="family",
        attendees=[world.family],
    )  # fmt: skip


def test_it_keeps_the_rollup_equal_to_a_recomputation_through_the_services(world):
    meeting = _meeting(world)
    _meeting(world, family_present=False)
    checkin = MeetingCheckIn.objects.get(meeting=meeting)
    services.meeting_checkin_submit(
        checkin_id=checkin.pk, by=world.family, ratings=services.Ratings(4, 5, 3, "heard")
    )
    services.goal_create(
        team=world.team, by=world.family, role=Role.FAMILY,
        data={"statement": "Calm mornings", "why_it_matters": "", "strengths": ""},
    )  # fmt: skip
    rows = {(m, n, s) for _, t, _, _, m, n, s in rollup_snapshot() if t == world.team.pk}
    assert ("meetings", 2, 0) in rows and ("meetings_with_family", 1, 0) in rows
    assert {("agency", 1, 4), ("relevance", 1, 5), ("partnership", 1, 3)} <= rows
    assert ("family_goal_edits", 1, 0) in rows and ("goal_edits", 1, 0) in rows
    assert rollup_snapshot() == _recomputed()


def test_it_follows_rewritten_and_deleted_events(world):
    yesterday = timezone.now() - timedelta(days=1)
    event = EngagementEvent.objects.create(
        organization=world.org, actor=world.facilitator, actor_role=Role.FACILITATOR,
        kind=EngagementEvent.Kind.CIRCLE_ATTENDED, occurred_at=yesterday,
    )  # fmt: skip
    event.kind = EngagementEvent.Kind.CIRCLE_MISSED  # attendance corrected
    event.save()
    person_rows = [r for r in rollup_snapshot() if r[2] == world.facilitator.pk]
    assert [(r[4], r[5]) for r in person_rows] == [("circle_missed", 1)]
    held = EngagementEvent.objects.create(
        team=world.team, actor=world.facilitator, actor_role=Role.FACILITATOR,
        kind=EngagementEvent.Kind.MEETING_HELD,
    )  # fmt: skip
    held.delete()
    event.delete()
    assert rollup_snapshot() == _recomputed() == []


def test_the_nightly_repair_mends_what_was_written_around_the_signals(world):
    _meeting(world)
    # A bulk update sends no signal: the rollup still counts a meeting with the family.
    EngagementEvent.objects.filter(team=world.team).update(
        kind=EngagementEvent.Kind.MEETING_WITHOUT_FAMILY
    )
    assert rollup_snapshot() != _recomputed()
    rollups_repair()
    assert rollup_snapshot() == _recomputed()
    measures = {r[4] for r in rollup_snapshot()}
    assert "meetings_with_family" not in measures


def test_the_repair_leaves_older_days_alone(world):
    old = timezone.now() - timedelta(days=30)
    EngagementEvent.objects.create(
        team=world.team, actor=world.facilitator, actor_role=Role.FACILITATOR,
        kind=EngagementEvent.Kind.MEETING_HELD, occurred_at=old,
    )  # fmt: skip
    before = rollup_snapshot()
    assert rollups_repair() == 0
    assert rollup_snapshot() == before
