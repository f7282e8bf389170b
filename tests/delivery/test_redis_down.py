"""Redis (the broker) down while messages are written: the writes succeed, and once
Redis is back a worker and one sweep deliver each email exactly once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from communities import outbox
from communities.models import Message
from communities.services import invitation_create
from communities.tasks import outbox_send, outbox_sweep
from engagement import services

from .conftest import wait_until


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_delivers_each_email_once_after_redis_comes_back(world, broker, smtp, processes, caplog):
    broker.stop()

    meeting = services.team_meeting_record(
        team=world.team, by=world.facilitator, held_on=timezone.localdate(),
        duration_minutes=60, family_present=True, agenda_set_by="family",
        attendees=[world.family],
    )  # fmt: skip
    invitation = invitation_create(
        organization=world.org, by=world.admin, email="new.facilitator@rb.test",
        role="facilitator",
    )  # fmt: skip

    assert caplog.text.count("the sweeper will send it") == 2  # both enqueues failed
    checkin = meeting.checkins.get()
    emails = {
        m.to_email: m for m in Message.objects.filter(channel="email", state="pending", attempts=0)
    }
    assert set(emails) == {world.family.email, invitation.email}
    assert emails[world.family.email].subject_key == f"checkin:{checkin.pk}"
    assert smtp.messages == []

    broker.start()  # empty: the tasks enqueued on commit never reached it
    processes.worker()
    outbox_sweep.delay()  # what beat sends every minute
    outbox_send.delay(emails[invitation.email].pk)  # and a late duplicate of the fast path

    smtp.wait_for(2)
    wait_until(lambda: not Message.objects.filter(channel="email").exclude(state="sent").exists(),
               timeout=10, what="both rows marked sent")  # fmt: skip
    wait_until(lambda: broker.queued() == 0, timeout=10, what="the worker to take every task")
    assert smtp.message_ids == {outbox.message_id_for(m): 1 for m in emails.values()}
    assert sorted(m["To"] for m in smtp.messages) == sorted(emails)
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None
