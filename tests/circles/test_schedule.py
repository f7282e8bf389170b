"""Recurrence, daylight saving, and the rules a schedule keeps."""

import zoneinfo
from datetime import date, datetime, time, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from communities import circles
from communities.circles import Schedule, ScheduleError, build_rrule
from communities.models import CircleSession


def _schedule(rule, starts_on=date(2026, 3, 3), zone="America/Chicago", minutes=60):
    return Schedule(starts_on, time(10), zone, minutes, rule)


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        ("America/Chicago", date(2026, 3, 3), date(2026, 3, 10)),  # DST starts Mar 8
        ("America/Chicago", date(2026, 10, 27), date(2026, 11, 3)),  # DST ends Nov 1
        ("Europe/Berlin", date(2026, 3, 24), date(2026, 3, 31)),  # DST starts Mar 29
        ("Europe/Berlin", date(2026, 10, 20), date(2026, 10, 27)),  # DST ends Oct 25
    ],
)
def test_it_keeps_local_time_across_daylight_saving(zone, before, after):
    schedule = _schedule("FREQ=WEEKLY;COUNT=3", starts_on=before, zone=zone)
    days = circles.occurrence_dates(schedule)
    assert days[:2] == [before, after]
    first, _ = circles.session_times(schedule, days[0])
    second, _ = circles.session_times(schedule, days[1])
    assert first.astimezone(zoneinfo.ZoneInfo(zone)).time() == time(10)
    assert second.astimezone(zoneinfo.ZoneInfo(zone)).time() == time(10)
    assert first.utcoffset() != second.utcoffset()  # the wall clock moved, we didn't
    utc = zoneinfo.ZoneInfo("UTC")
    elapsed = second.astimezone(utc) - first.astimezone(utc)  # real time, not wall clock
    assert elapsed in (timedelta(days=7, hours=-1), timedelta(days=7, hours=1))


def test_it_repeats_monthly_on_the_nth_weekday():
    rule = build_rrule(frequency="monthly_nth", starts_on=date(2026, 12, 8), count=4, until=None)
    assert rule == "FREQ=MONTHLY;BYDAY=+2TU;COUNT=4"
    days = circles.occurrence_dates(_schedule(rule, starts_on=date(2026, 12, 8)))
    assert days == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 for d in days)


def test_it_builds_every_other_week_until_a_date():
    rule = build_rrule(frequency="biweekly", starts_on=date(2026, 12, 1), count=None,
                       until=date(2027, 1, 12))  # fmt: skip
    days = circles.occurrence_dates(_schedule(rule, starts_on=date(2026, 12, 1)))
    assert days == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29), date(2027, 1, 12)]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (_schedule("FREQ=SOMETIMES;COUNT=3"), "not valid"),
        (_schedule("FREQ=WEEKLY"), "Say when the circle ends"),
        (_schedule("FREQ=DAILY;COUNT=201"), "more than 200"),
        (_schedule("FREQ=WEEKLY;COUNT=3", minutes=0), "between 1 minute and 8 hours"),
        (_schedule("FREQ=WEEKLY;COUNT=3", minutes=481), "between 1 minute and 8 hours"),
        (_schedule("FREQ=WEEKLY;COUNT=3", zone="Mars/Olympus"), "Unknown time zone"),
        (_schedule("FREQ=WEEKLY;UNTIL=20260101T000000"), "ends before its first session"),
    ],
)
def test_it_refuses_schedules_that_cannot_be(schedule, message):
    with pytest.raises(ScheduleError, match=message):
        circles.schedule_check(schedule)


def test_it_materialises_twelve_weeks_and_no_more(world, community):
    from tests.circles.conftest import schedule_data

    now = datetime(2026, 12, 1, 12, tzinfo=zoneinfo.ZoneInfo("UTC"))
    circle = circles.circle_schedule(
        community=community, by=world.admin, members=[world.facilitator], now=now,
        data={**schedule_data(rrule="FREQ=WEEKLY;COUNT=30"), "host": world.supervisor},
    )  # fmt: skip
    # Dec 8 … Feb 16: Feb 23 at 10:00 Chicago (16:00 UTC) is past the 12 weeks from now.
    assert circle.sessions.count() == 11
    later = now + timedelta(weeks=4)
    assert circles.sessions_materialise(circle=circle, now=later) == 4
    assert circles.sessions_materialise(circle=circle, now=later) == 0  # safe to run again


def test_it_edits_the_series_from_now_on_and_leaves_past_and_moved_sessions(world, circle):
    sessions = list(circle.sessions.order_by("starts_at"))
    past, moved, *rest = sessions
    # Make the first one past, move the second one on its own.
    CircleSession.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2)
    )
    circles.session_move(session=moved, by=world.admin,
                         starts_at=moved.starts_at + timedelta(hours=3))  # fmt: skip
    moved.refresh_from_db()
    assert moved.sequence == 1 and moved.moved
    circles.circle_update_series(
        circle=circle, by=world.admin, members=[world.facilitator],
        data={"start_time": time(11, 30), "duration_minutes": 90},
    )  # fmt: skip
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    for session in CircleSession.objects.filter(pk__in=[s.pk for s in rest]):
        assert session.starts_at.astimezone(chicago).time() == time(11, 30)
        assert session.ends_at - session.starts_at == timedelta(minutes=90)
        assert session.sequence == 1
    untouched_moved = CircleSession.objects.get(pk=moved.pk)
    assert untouched_moved.starts_at == moved.starts_at and untouched_moved.sequence == 1
    assert CircleSession.objects.get(pk=past.pk).sequence == 0


def test_it_cancels_dates_the_new_rule_no_longer_gives(world, circle):
    circles.circle_update_series(
        circle=circle, by=world.admin, members=[world.facilitator],
        data={"rrule": "FREQ=WEEKLY;INTERVAL=2;COUNT=5"},
    )  # fmt: skip
    statuses = list(circle.sessions.order_by("starts_at").values_list("status", flat=True))
    assert statuses[:4] == ["scheduled", "cancelled", "scheduled", "cancelled"]


def test_it_cancels_one_session_once(world, circle):
    session = circle.sessions.first()
    circles.session_cancel(session=session, by=world.admin)
    circles.session_cancel(session=session, by=world.admin)
    session.refresh_from_db()
    assert session.is_cancelled and session.sequence == 1


def test_it_signals_each_ended_session_once(world, circle):
    received = []
    circles.circle_session_ended.connect(lambda **kw: received.append(kw["session"].pk),
                                         weak=False, dispatch_uid="test-ended")  # fmt: skip
    try:
        first = circle.sessions.order_by("starts_at").first()
        after = first.ends_at + timedelta(minutes=1)
        assert circles.sessions_ended_signal(now=after) == 1
        assert circles.sessions_ended_signal(now=after) == 0
        assert received == [first.pk]
    finally:
        circles.circle_session_ended.disconnect(dispatch_uid="test-ended")


def test_it_previews_the_next_eight_dates_in_both_zones():
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 12, 1)):
        rows = circles.preview(
            _schedule("FREQ=WEEKLY;COUNT=20", starts_on=date(2026, 12, 8)),
            viewer_zone="Europe/Berlin",
        )
    assert len(rows) == 8
    assert rows[0]["local"].hour == 10 and rows[0]["viewer"].hour == 17
