"""Learning-circle reminders end to end: beat's task run by a real Celery worker writes
them, the worker sends them to a real SMTP server. Each member gets exactly one per kind
(a day and an hour ahead), each with the session's .ics; none for the member who
declined or the one who turned reminders off."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from communities import circles, outbox
from communities.models import CircleSession, LearningCommunity, Message, MessageKind
from communities.tasks import circle_reminders_queue, outbox_sweep

from .conftest import settled

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _circle_starting_in(world, delay: timedelta):
    community = LearningCommunity.objects.create(
        organization=world.org, name="Practice Community", host=world.supervisor
    )
    members = [world.facilitator, world.supervisor, world.other_facilitator, world.admin]
    community.members.add(*members)
    starts = (timezone.now() + delay).astimezone(CHICAGO).replace(second=0, microsecond=0)
    return circles.circle_schedule(
        community=community,
        by=world.admin,
        data={
            "title": "MI skills lab",
            "focus": "reflections",
            "agenda": "Practise complex reflections.",
            "starts_on": starts.date(),
            "start_time": starts.time(),
            "time_zone": "America/Chicago",
            "duration_minutes": 60,
            "location": "Room 2",
            "rrule": "FREQ=WEEKLY;COUNT=4",
            "host": world.supervisor,
        },
        members=members,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_delivers_one_reminder_per_kind_to_each_member_with_the_ics(
    world, broker, smtp, processes
):
    circle = _circle_starting_in(world, timedelta(hours=23, minutes=30))
    session = circle.sessions.order_by("starts_at").first()
    circles.rsvp_set(session=session, user=world.other_facilitator, rsvp="not_going")
    outbox.preference_set(user=world.admin, kind=MessageKind.CIRCLE_REMINDER, email=False,
                          cadence="instant")  # fmt: skip
    processes.worker()

    # What beat sends every 5 minutes: a day ahead is due, an hour ahead is not yet.
    circle_reminders_queue.delay()
    smtp.wait_for(2)
    settled(broker)

    # 23 hours later (the session brought closer instead of the clock moved on).
    later = timezone.now() + timedelta(minutes=30)
    CircleSession.objects.filter(pk=session.pk).update(
        starts_at=later, ends_at=later + timedelta(hours=1)
    )
    circle_reminders_queue.delay()
    smtp.wait_for(4)
    # Beat goes on: nothing more is written or sent.
    circle_reminders_queue.delay()
    circle_reminders_queue.delay()
    outbox_sweep.delay()
    settled(broker)

    rows = {
        outbox.message_id_for(m): m
        for m in Message.objects.filter(channel="email", kind=MessageKind.CIRCLE_REMINDER)
    }
    received = smtp.messages
    assert len(received) == 4
    assert smtp.message_ids == {message_id: 1 for message_id in rows}
    kinds = Counter(
        (email["To"], rows[email["Message-ID"]].subject_key.split(":")[-1]) for email in received
    )
    assert kinds == {
        (world.facilitator.email, "before1440"): 1,
        (world.supervisor.email, "before1440"): 1,
        (world.facilitator.email, "before60"): 1,
        (world.supervisor.email, "before60"): 1,
    }
    for email in received:
        assert email["Subject"].startswith("Reminder: MI skills lab")
        (attachment,) = email.iter_attachments()
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_filename() == "session.ics"
        ics = attachment.get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert f"UID:circle-session-{session.pk}@" in ics
        assert "TZID=America/Chicago" in ics
    # The member who declined and the one who opted out: nothing by email (the opted-out
    # one still sees the reminder in the app).
    assert not Message.objects.filter(
        channel="email", recipient__in=[world.other_facilitator, world.admin]
    ).exists()
    assert Message.objects.filter(channel="app", recipient=world.admin).count() == 2
