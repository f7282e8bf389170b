"""The SMTP server refusing connections: the email waits with its error and growing
pauses, is delivered once the server answers, and after the last try is failed where
the organisation's admins see it and can send it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import outbox
from communities.models import Message
from communities.services import invitation_create
from engagement import services

from .conftest import wait_until


def _due(row: Message) -> bool:
    return Message.objects.filter(pk=row.pk, next_attempt_at__lte=timezone.now()).exists()


@pytest.mark.django_db(transaction=True)
def test_it_retries_with_growing_pauses_and_delivers_once_the_server_answers(
    world, broker, smtp, settings
):
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    smtp.stop()
    invitation_create(organization=world.org, by=world.admin, email="new.facilitator@rb.test",
                      role="facilitator")  # fmt: skip
    row = Message.objects.get(channel="email")

    pauses = []
    for attempt in (1, 2):
        wait_until(lambda: _due(row), timeout=5, what="the email to be due")
        before = timezone.now()
        assert outbox.outbox_sweep() == 0
        row.refresh_from_db()
        assert (row.state, row.attempts) == ("pending", attempt)
        assert "Connection refused" in row.last_error
        pauses.append(row.next_attempt_at - before)
        assert outbox.outbox_sweep() == 0  # not due again before its pause is over
    assert timedelta(seconds=1) <= pauses[0] < timedelta(seconds=1.5)
    assert timedelta(seconds=2) <= pauses[1] < timedelta(seconds=2.5)

    smtp.start()
    wait_until(lambda: _due(row), timeout=5, what="the email to be due")
    assert outbox.outbox_sweep() == 1
    assert outbox.outbox_sweep() == 0
    assert smtp.message_ids == {outbox.message_id_for(row): 1}
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 3)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_fails_after_the_last_try_shows_it_to_admins_and_sends_it_again(
    world, broker, smtp, processes, settings, client_for
):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0  # due again at once
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp.stop()
    services.team_meeting_record(
        team=world.team, by=world.facilitator, held_on=timezone.localdate(),
        duration_minutes=60, family_present=True, agenda_set_by="family",
        attendees=[world.family],
    )  # fmt: skip
    row = Message.objects.get(channel="email")
    assert row.organization == world.org

    for _ in range(4):
        outbox.outbox_sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 3)
    assert "Connection refused" in row.last_error

    smtp.start()
    assert outbox.outbox_sweep() == 0  # failed is final until someone sends it again
    page = client_for(world.admin).get(reverse("message_list")).content.decode()
    assert world.family.email in page and "Connection refused" in page
    assert reverse("message_retry", args=[row.pk]) in page

    processes.worker()
    response = client_for(world.admin).post(reverse("message_retry", args=[row.pk]))
    assert response.status_code == 302
    smtp.wait_for(1)  # the worker's fast path, enqueued when the retry committed
    wait_until(lambda: Message.objects.filter(pk=row.pk, state="sent").exists(), timeout=10,
               what="the row marked sent")  # fmt: skip
    assert outbox.outbox_sweep() == 0
    assert smtp.message_ids == {outbox.message_id_for(row): 1}
    assert smtp.messages[0]["To"] == world.family.email
