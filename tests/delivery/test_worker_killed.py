"""A worker killed (kill -9) in the middle of a batch: after a restart and a sweep past the
lease every message arrives, and only the one whose send was in flight twice, with the
same Message-ID."""

from __future__ import annotations

import pytest
from django.utils import timezone

from communities import outbox
from communities.models import Message
from communities.tasks import outbox_send

from .conftest import due_emails, wait_until

LEASE_SECONDS = 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_sends_every_message_after_a_worker_is_killed_mid_batch(
    world, broker, smtp, processes, settings
):
    settings.OUTBOX_LEASE_SECONDS = LEASE_SECONDS  # the sweeper's, in this process
    lease = {"OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS)}  # the workers'
    smtp.handler.delay = 0.5
    rows = due_emails(world, 10)
    for row in rows:
        outbox_send.delay(row.pk)

    first = processes.worker("first", **lease)
    smtp.wait_for(3)
    # The server has the third message and is slow to answer: the worker dies before it
    # hears the answer, so the row stays claimed ("sending") with a lease.
    processes.kill(first)
    in_flight = Message.objects.get(state="sending")
    assert smtp.messages[2]["Message-ID"] == outbox.message_id_for(in_flight)

    processes.worker("second", **lease)
    wait_until(lambda: Message.objects.filter(state="sent").count() == 9, timeout=20,
               what="the second worker to send the rest of the queue")  # fmt: skip
    # The killed worker's task comes back only after the broker's visibility timeout
    # (hours); the sweeper takes the row as soon as its lease has run out.
    wait_until(lambda: Message.objects.filter(pk=in_flight.pk, lease_until__lt=timezone.now())
               .exists(), timeout=LEASE_SECONDS + 5, what="the lease to run out")  # fmt: skip
    assert outbox.outbox_sweep() == 1

    received = smtp.message_ids
    assert set(received) == {outbox.message_id_for(row) for row in rows}
    assert received[outbox.message_id_for(in_flight)] == 2
    assert sum(received.values()) == 11
    assert not Message.objects.exclude(state="sent").exists()
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2
