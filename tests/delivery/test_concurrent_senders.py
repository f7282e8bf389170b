"""Two workers (each message's fast-path task) and two sweepers (`manage.py outbox_sweep`)
over the same 1,000 due emails at once: each email is sent once."""

from __future__ import annotations

import re

import pytest

from communities import outbox
from communities.models import Message
from communities.tasks import outbox_send

from .conftest import due_emails, wait_until

ROWS = 1000


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_sends_each_of_1000_emails_once_with_two_workers_and_two_sweepers(
    world, broker, smtp, processes
):
    rows = due_emails(world, ROWS)
    for row in rows:
        outbox_send.delay(row.pk)

    processes.worker("one")
    processes.worker("two")
    sweepers = [processes.sweeper(), processes.sweeper()]
    smtp.wait_for(ROWS, timeout=40)
    for sweeper in sweepers:
        assert sweeper.wait(timeout=20) == 0
    wait_until(lambda: broker.queued() == 0, timeout=20, what="the workers to take every task")
    processes.stop_all()  # a warm shutdown: the task in hand is finished first

    received = smtp.message_ids
    assert len(smtp.handler.received) == ROWS
    assert set(received) == {outbox.message_id_for(row) for row in rows}
    assert Message.objects.filter(state="sent").count() == ROWS
    # Both kinds of sender took part, and between them sent each row once.
    logs = [path.read_text() for path in sorted(processes.logs.glob("*.log"))]
    by_workers = sum(len(re.findall(r"succeeded in \S+: True$", log, re.M)) for log in logs)
    by_sweepers = sum(int(n) for log in logs for n in re.findall(r"^(\d+) sent$", log, re.M))
    assert by_workers > 0 and by_sweepers > 0
    assert by_workers + by_sweepers == ROWS
