"""Learning-circle reminders and change notices through the outbox, and circle
attendance as engagement events."""

from __future__ import annotations

import zoneinfo
from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from icalendar import Calendar

from communities import circles, outbox
from communities.circle_reminders import reminders_queue
from communities.models import (
    CircleSession,
    LearningCircle,
    Membership,
    Message,
    MessageKind,
    Role,
    SessionResponse,
    User,
)
from engagement.models import EngagementEvent

from .conftest import schedule_data

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def _upcoming_circle(community, by, members, *, title="Reflections lab", days=10, **changes):
    """A weekly circle whose first session is `days` from now, 10:00 in Chicago."""
    first = timezone.now().astimezone(CHICAGO).date() + timedelta(days=days)
    data = schedule_data(title=title, starts_on=first, start_time=time(10), **changes)
    return circles.circle_schedule(
        community=community, by=by, data={**data, "host": by}, members=members
    )


@pytest.fixture
def lab(world, community):
    community.members.add(world.other_facilitator)
    return _upcoming_circle(
        community,
        world.supervisor,
        [world.facilitator, world.supervisor, world.other_facilitator],
    )


def _first(circle: LearningCircle) -> CircleSession:
    return circle.sessions.order_by("starts_at").first()


def _reminders(channel: str = "app") -> set[tuple[str, int]]:
    return set(
        Message.objects.filter(kind=MessageKind.CIRCLE_REMINDER, channel=channel).values_list(
            "subject_key", "recipient_id"
        )
    )


def _members(circle: LearningCircle) -> list[User]:
    return list(circle.members.order_by("pk"))


# --- what is written ------------------------------------------------------------------


def test_it_writes_one_reminder_per_member_session_and_offset(world, lab):
    session = _first(lab)
    members = [m.pk for m in _members(lab)]
    assert lab.reminder_minutes == [1440, 60]

    assert reminders_queue(now=session.starts_at - DAY - HOUR) == 0  # not due yet
    assert reminders_queue(now=session.starts_at - DAY) == 3
    day_key = f"session:{session.pk}:before1440"
    assert _reminders() == {(day_key, pk) for pk in members}
    assert _reminders("email") == {(day_key, pk) for pk in members}

    assert reminders_queue(now=session.starts_at - HOUR) == 3
    hour_key = f"session:{session.pk}:before60"
    assert _reminders() == {(key, pk) for key in (day_key, hour_key) for pk in members}
    assert Message.objects.filter(kind=MessageKind.CIRCLE_REMINDER).count() == 12
    email = Message.objects.get(subject_key=hour_key, channel="email", recipient=world.facilitator)
    assert email.state == Message.State.PENDING and email.organization == world.org
    assert email.params["session"] == session.pk and email.url.endswith(f"/{session.pk}/")
    # The next session of the series is a week away: nothing for it yet.
    assert not Message.objects.exclude(subject_key__startswith=f"session:{session.pk}:").exists()


def test_it_writes_nothing_more_when_run_again(world, lab):
    session = _first(lab)
    assert reminders_queue(now=session.starts_at - DAY) == 3
    assert reminders_queue(now=session.starts_at - DAY) == 0
    assert reminders_queue(now=session.starts_at - DAY + timedelta(minutes=5)) == 0
    assert Message.objects.filter(kind=MessageKind.CIRCLE_REMINDER).count() == 6


def test_it_follows_the_minutes_set_on_the_circle(world, community):
    circle = _upcoming_circle(community, world.supervisor, [world.facilitator])
    circle.reminder_minutes = [2 * 24 * 60, 15]
    circle.save(update_fields=["reminder_minutes"])
    session = _first(circle)
    assert reminders_queue(now=session.starts_at - DAY) == 1
    assert reminders_queue(now=session.starts_at - HOUR) == 0
    assert reminders_queue(now=session.starts_at - timedelta(minutes=15)) == 1
    assert {key for key, _ in _reminders()} == {
        f"session:{session.pk}:before2880",
        f"session:{session.pk}:before15",
    }
    circle.reminder_minutes = []
    circle.save(update_fields=["reminder_minutes"])
    assert reminders_queue(now=session.starts_at + timedelta(days=7) - HOUR) == 0


def test_it_sends_only_the_nearest_reminder_when_several_are_due(world, lab):
    # Scheduled (or the queue back up) half an hour before the session: "tomorrow" would
    # be wrong, and two emails at once noise.
    session = _first(lab)
    assert reminders_queue(now=session.starts_at - timedelta(minutes=30)) == 3
    assert {key for key, _ in _reminders()} == {f"session:{session.pk}:before60"}
    assert reminders_queue(now=session.starts_at - timedelta(minutes=5)) == 0
    assert reminders_queue(now=session.starts_at) == 0  # started: never


def test_it_writes_none_for_a_cancelled_session(world, lab):
    session = _first(lab)
    circles.session_cancel(session=session, by=world.supervisor)
    assert reminders_queue(now=session.starts_at - HOUR) == 0
    assert not Message.objects.filter(kind=MessageKind.CIRCLE_REMINDER).exists()


def test_it_writes_none_for_a_member_who_is_not_going(world, lab):
    session = _first(lab)
    circles.rsvp_set(session=session, user=world.facilitator, rsvp="not_going")
    circles.rsvp_set(session=session, user=world.supervisor, rsvp="going")
    assert reminders_queue(now=session.starts_at - DAY) == 2
    assert world.facilitator.pk not in {pk for _, pk in _reminders()}
    # Going after all: the next reminder reaches them.
    circles.rsvp_set(session=session, user=world.facilitator, rsvp="going")
    assert reminders_queue(now=session.starts_at - HOUR) == 3


def test_it_emails_none_to_a_member_who_turned_reminders_off(world, lab):
    outbox.preference_set(
        user=world.other_facilitator, kind=MessageKind.CIRCLE_REMINDER, email=False,
        cadence="instant",
    )  # fmt: skip
    session = _first(lab)
    assert reminders_queue(now=session.starts_at - DAY) == 3
    emailed = {pk for _, pk in _reminders("email")}
    assert emailed == {world.facilitator.pk, world.supervisor.pk}
    # In the app they still see it (preferences are about email).
    assert world.other_facilitator.pk in {pk for _, pk in _reminders("app")}


def test_it_writes_none_for_people_who_left_or_are_deactivated(world, lab):
    Membership.objects.filter(user=world.other_facilitator, organization=world.org).update(
        is_active=False
    )
    User.objects.filter(pk=world.supervisor.pk).update(is_active=False)
    session = _first(lab)
    assert reminders_queue(now=session.starts_at - DAY) == 1
    assert {pk for _, pk in _reminders()} == {world.facilitator.pk}


# --- query count --------------------------------------------------------------------------


def _staff(org, count: int) -> list[User]:
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"member{start + n}@rb.test", name=f"Member {start + n}") for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=u, organization=org, role=Role.FACILITATOR) for u in users
    )
    return users


QUERIES = 6  # the due rows, sessions, people, preferences, the insert, the new emails' ids


def test_it_queues_with_the_same_queries_for_one_circle_and_for_ten(
    world, community, django_assert_num_queries
):
    one = _upcoming_circle(community, world.supervisor, _staff(world.org, 3), days=12)
    now = _first(one).starts_at - DAY
    with django_assert_num_queries(QUERIES + 2):  # + the savepoint and its release
        assert reminders_queue(now=now) == 3

    for n in range(10):
        _upcoming_circle(community, world.supervisor, _staff(world.org, 25), days=12,
                         title=f"Circle {n}")  # fmt: skip
    with django_assert_num_queries(QUERIES + 2):
        assert reminders_queue(now=now) == 250
    with django_assert_num_queries(1):  # nothing due any more: one query
        assert reminders_queue(now=now) == 0


# --- the emails ---------------------------------------------------------------------------


def _sweep() -> int:
    """Send what is waiting. The queue ran at a `now` ahead of the clock (its emails
    are due then), so they are made due now."""
    Message.objects.filter(channel="email", state="pending").update(next_attempt_at=timezone.now())
    return outbox.outbox_sweep()


def _sent_to(user: User) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [user.email]]


def _ics(email: mail.EmailMessage) -> Calendar:
    (attachment,) = email.attachments
    assert attachment.filename == "session.ics"
    assert attachment.mimetype == "text/calendar"
    content = attachment.content
    return Calendar.from_ical(content.encode() if isinstance(content, str) else content)


def test_it_emails_the_reminder_in_the_readers_language_and_time_zone(world, lab):
    world.facilitator.language, world.facilitator.time_zone = "es", "Europe/Madrid"
    world.facilitator.save(update_fields=["language", "time_zone"])
    session = _first(lab)
    reminders_queue(now=session.starts_at - DAY)
    assert _sweep() == 3

    (email,) = _sent_to(world.facilitator)
    madrid = session.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Madrid"))
    with translation.override("es"):
        day = formats.date_format(madrid, "DATE_FORMAT")
        weekday = formats.date_format(madrid, "l")
    assert madrid.strftime("%H:%M") != "10:00"  # Chicago's 10:00 is not Madrid's
    html = email.alternatives[0].content
    for part in (email.subject, email.body, html):
        assert day in part and madrid.strftime("%H:%M") in part
    for part in (email.body, html):
        assert weekday in part and "Europe/Madrid" in part
        assert "https://video.example/lab" in part and "Practise complex reflections." in part
        assert f"/circles/sessions/{session.pk}/" in part
    assert "10:00" not in email.body
    # An English reader in Chicago reads the circle's own time.
    (english,) = _sent_to(world.supervisor)
    assert "10:00 AM" in english.body or "10 a.m." in english.body
    assert "America/Chicago" in english.body
    event = _ics(email).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(f"circle-session-{session.pk}@")


def test_it_does_not_send_a_reminder_whose_reason_went_away(world, lab):
    session = _first(lab)
    reminders_queue(now=session.starts_at - DAY)
    circles.rsvp_set(session=session, user=world.facilitator, rsvp="not_going")
    lab.members.remove(world.other_facilitator)
    assert _sweep() == 1
    assert [m.to for m in mail.outbox] == [[world.supervisor.email]]
    cancelled = Message.objects.filter(channel="email", state=Message.State.CANCELLED)
    assert set(cancelled.values_list("recipient_id", flat=True)) == {
        world.facilitator.pk, world.other_facilitator.pk,
    }  # fmt: skip

    reminders_queue(now=session.starts_at - HOUR)
    circles.session_cancel(session=session, by=world.supervisor)
    mail.outbox.clear()
    _sweep()
    # The cancellation notice goes out; the hour-before reminder does not.
    assert {m.subject.split(":")[0] for m in mail.outbox} == {"Cancelled"}
    assert not Message.objects.filter(
        channel="email", kind=MessageKind.CIRCLE_REMINDER, state=Message.State.SENT,
        subject_key__endswith="before60",
    ).exists()  # fmt: skip


def test_it_tells_each_member_once_of_a_moved_session_with_the_new_ics(world, lab):
    session = _first(lab)
    new_start = session.starts_at + timedelta(hours=2)
    circles.session_move(session=session, by=world.supervisor, starts_at=new_start)
    assert _sweep() == 3
    circles.session_move(session=session, by=world.supervisor, starts_at=new_start)
    changed = Message.objects.filter(kind=MessageKind.CIRCLE_CHANGED, channel="email")
    assert changed.count() == 6  # a second move is a second change: one more each
    assert _sweep() == 3

    for member in _members(lab):
        emails = _sent_to(member)
        assert len(emails) == 2
        assert emails[0].subject.startswith("New time:")
        event = _ics(emails[-1]).walk("VEVENT")[0]
        assert event["SEQUENCE"] == 2
        assert event.decoded("DTSTART") == new_start
        assert str(event["STATUS"]) == "CONFIRMED"
    (supervisor_email, _) = _sent_to(world.supervisor)
    local = new_start.astimezone(CHICAGO)
    assert formats.time_format(local, "TIME_FORMAT") in supervisor_email.body


def test_it_tells_members_of_a_cancelled_session(world, lab):
    session = _first(lab)
    circles.session_cancel(session=session, by=world.supervisor)
    circles.session_cancel(session=session, by=world.supervisor)  # no second change
    assert _sweep() == 3
    for member in _members(lab):
        (email,) = _sent_to(member)
        assert email.subject.startswith("Cancelled:")
        assert "is cancelled" in email.body
        assert str(_ics(email).walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


# --- engagement events --------------------------------------------------------------------


def _events() -> dict[int, str]:
    return dict(EngagementEvent.objects.values_list("actor_id", "kind"))


def test_it_records_attending_and_missing_as_engagement_events(
    world, lab, django_capture_on_commit_callbacks
):
    session = _first(lab)
    with django_capture_on_commit_callbacks(execute=True):
        circles.attendance_record(
            session=session,
            by=world.supervisor,
            attendance={
                world.facilitator.pk: SessionResponse.Attendance.PRESENT,
                world.supervisor.pk: SessionResponse.Attendance.ABSENT,
                world.other_facilitator.pk: SessionResponse.Attendance.EXCUSED,
            },
        )
    assert _events() == {
        world.facilitator.pk: "circle_attended",
        world.supervisor.pk: "circle_missed",
    }
    event = EngagementEvent.objects.get(actor=world.supervisor)
    assert event.team is None and event.organization == world.org
    assert event.circle_session == session and event.occurred_at == session.starts_at
    assert event.actor_role == Role.SUPERVISOR


def test_it_rewrites_the_event_when_attendance_is_recorded_again(
    world, lab, django_capture_on_commit_callbacks
):
    session = _first(lab)

    def record(attendance: dict) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            circles.attendance_record(session=session, by=world.supervisor, attendance=attendance)

    record({world.facilitator.pk: "present", world.supervisor.pk: "absent"})
    record({world.facilitator.pk: "present", world.supervisor.pk: "absent"})
    assert EngagementEvent.objects.count() == 2
    record({world.facilitator.pk: "excused", world.supervisor.pk: "present"})
    assert _events() == {world.supervisor.pk: "circle_attended"}
    # Another session is another fact.
    second = lab.sessions.order_by("starts_at")[1]
    with django_capture_on_commit_callbacks(execute=True):
        circles.attendance_record(
            session=second, by=world.supervisor, attendance={world.supervisor.pk: "present"}
        )
    assert EngagementEvent.objects.filter(actor=world.supervisor).count() == 2
