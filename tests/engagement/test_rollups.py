"""The daily rollup equals a recomputation from the raw events and check-ins: after
inserts through the services, after rewrites and deletions, and, for what was written
around the signals, after the nightly repair."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from communities.models import Role
from engagement import measures, services
from engagement.models import (
    DailyRollup,
    EngagementEvent,
    MeetingCheckIn,
    ProgramRollup,
    WeeklyRollup,
)
from engagement.rollups import COLUMNS, rollup_snapshot, rollups_rebuild, rollups_repair


def _recomputed() -> list[tuple]:
    """What a full recomputation from the raw tables gives, leaving the table as found."""
    kept = list(DailyRollup.objects.values())
    kept_weeks = list(WeeklyRollup.objects.values())
    kept_programs = list(ProgramRollup.objects.values())
    rollups_rebuild()
    fresh = rollup_snapshot()
    DailyRollup.objects.all().delete()
    DailyRollup.objects.bulk_create(DailyRollup(**row) for row in kept)
    WeeklyRollup.objects.all().delete()
    WeeklyRollup.objects.bulk_create(WeeklyRollup(**row) for row in kept_weeks)
    ProgramRollup.objects.all().delete()
    ProgramRollup.objects.bulk_create(ProgramRollup(**row) for row in kept_programs)
    return fresh


def _team_row(team) -> dict:
    """The team's rollup summed over its days: the measures by name."""
    rows = DailyRollup.objects.filter(team=team).values(*COLUMNS)
    return {name: sum(row[name] for row in rows) for name in COLUMNS}


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
    row = _team_row(world.team)
    assert (row["meetings"], row["meetings_with_family"]) == (2, 1)
    assert (row["agency_n"], row["agency_total"], row["relevance_total"]) == (1, 4, 5)
    assert row["partnership_total"] == 3
    assert (row["goal_edits"], row["family_goal_edits"]) == (1, 1)
    assert rollup_snapshot() == _recomputed()


def test_it_follows_rewritten_and_deleted_events(world):
    yesterday = timezone.now() - timedelta(days=1)
    event = EngagementEvent.objects.create(
        organization=world.org, actor=world.facilitator, actor_role=Role.FACILITATOR,
        kind=EngagementEvent.Kind.CIRCLE_ATTENDED, occurred_at=yesterday,
    )  # fmt: skip
    event.kind = EngagementEvent.Kind.CIRCLE_MISSED  # attendance corrected
    event.save()
    person = DailyRollup.objects.get(person=world.facilitator)
    assert (person.circle_attended, person.circle_missed) == (0, 1)
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
    assert _team_row(world.team)["meetings_with_family"] == 0


def test_the_repair_leaves_older_days_alone(world):
    old = timezone.now() - timedelta(days=30)
    EngagementEvent.objects.create(
        team=world.team, actor=world.facilitator, actor_role=Role.FACILITATOR,
        kind=EngagementEvent.Kind.MEETING_HELD, occurred_at=old,
    )  # fmt: skip
    before = rollup_snapshot()
    assert rollups_repair() == 0
    assert rollup_snapshot() == before


def test_the_weekly_rows_are_the_daily_rows_summed_by_week(world):
    for days_ago in (0, 1, 6, 7, 8, 13, 40):
        EngagementEvent.objects.create(
            team=world.team, actor=world.facilitator, actor_role=Role.FACILITATOR,
            kind=EngagementEvent.Kind.MEETING_HELD,
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip
    by_week: dict = {}
    for day, meetings in DailyRollup.objects.filter(team=world.team).values_list("day", "meetings"):
        monday = day - timedelta(days=day.weekday())
        by_week[monday] = by_week.get(monday, 0) + meetings
    assert dict(WeeklyRollup.objects.values_list("week", "meetings")) == by_week
    assert rollup_snapshot() == _recomputed()


def test_windows_and_trends_read_from_weeks_and_days_equal_the_daily_sums(world):
    """Every way a window can fall on weeks (starting on a Monday or mid-week, ending on
    a Sunday or mid-week, shorter than a week) gives the sums of its days; the trend's
    weeks, the sums of theirs (the current week partly)."""
    now = timezone.now()
    for days_ago in range(0, 120, 3):
        EngagementEvent.objects.create(
            team=world.team, actor=world.facilitator, actor_role=Role.FACILITATOR,
            kind=EngagementEvent.Kind.MEETING_HELD, occurred_at=now - timedelta(days=days_ago),
        )  # fmt: skip
    daily = dict(DailyRollup.objects.filter(team=world.team).values_list("day", "meetings"))
    today = timezone.localdate()

    def days_sum(lo, hi):
        return sum(n for day, n in daily.items() if lo <= day <= hi)

    for end_back in range(0, 8):  # ends on every day of the week
        end = today - timedelta(days=end_back)
        for length in (1, 5, 7, 8, 14, 30, 90, 100):
            start = end - timedelta(days=length - 1)
            per_team, weeks, total = measures.team_sums([world.team.pk], start, end)
            got = per_team[world.team.pk].counts["meetings"]
            assert got == days_sum(start, end) == total.counts["meetings"], (start, end)
            for week, sums in weeks:
                expected = days_sum(week, min(week + timedelta(days=6), end))
                assert sums.counts["meetings"] == expected, (end, week)
            # Read from the program rollup, the weeks and the total are the same.
            _, program_weeks, program_total = measures.team_sums(
                [], start, end, programs=[world.program.pk]
            )
            assert [(w, s.counts["meetings"]) for w, s in program_weeks] == [
                (w, s.counts["meetings"]) for w, s in weeks
            ]
            assert program_total.counts["meetings"] == total.counts["meetings"]


def test_a_programs_rows_are_its_teams_rows_summed(world):
    from tests import factories

    second = factories.make_team(world.program, facilitator=world.facilitator, name="Second")
    for team in (world.team, second, second):
        EngagementEvent.objects.create(
            team=team, actor=world.facilitator, actor_role=Role.FACILITATOR,
            kind=EngagementEvent.Kind.MEETING_HELD,
        )  # fmt: skip
    today = timezone.localdate()
    day = ProgramRollup.objects.get(program=world.program, span="day", start=today)
    week = ProgramRollup.objects.get(program=world.program, span="week")
    assert day.meetings == week.meetings == 3
    EngagementEvent.objects.filter(team=second).first().delete()
    day = ProgramRollup.objects.get(program=world.program, span="day", start=today)
    assert day.meetings == 2
    assert rollup_snapshot() == _recomputed()


def test_a_bulk_load_rebuilds_the_rollup_once_at_the_end(world):
    from engagement.rollups import rollups_deferred

    with rollups_deferred():
        for _ in range(3):
            EngagementEvent.objects.create(
                team=world.team, actor=world.facilitator, actor_role=Role.FACILITATOR,
                kind=EngagementEvent.Kind.MEETING_HELD,
            )  # fmt: skip
        assert not DailyRollup.objects.filter(team=world.team).exists()
    assert _team_row(world.team)["meetings"] == 3
    assert rollup_snapshot() == _recomputed()
