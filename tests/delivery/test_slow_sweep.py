"""A sweep slower than its lease: a batch is claimed at once and sent one by one, so the
rows at its end can outlive their lease while still waiting their turn. Another sweeper
may then claim them; the first must not send them too."""

from __future__ import annotations

import time

import pytest

from communities import outbox
from communities.models import Message

from .conftest import due_emails, wait_until

LEASE_SECONDS = 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_sends_each_row_once_when_a_sweep_outlives_its_lease(
    world, broker, smtp, processes, settings
):
    settings.OUTBOX_LEASE_SECONDS = LEASE_SECONDS
    smtp.handler.delay = 0.5  # 10 rows take 5 s to send, the lease is 2 s
    rows = due_emails(world, 10)

    first = processes.sweeper(OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS))
    wait_until(lambda: Message.objects.filter(state="sending").count() == 10, timeout=10,
               what="the first sweeper to claim the batch")  # fmt: skip
    time.sleep(LEASE_SECONDS + 0.2)
    outbox.outbox_sweep()  # takes the rows whose lease ran out before their turn came
    assert first.wait(timeout=20) == 0

    assert smtp.message_ids == {outbox.message_id_for(row): 1 for row in rows}
    assert Message.objects.filter(state="sent").count() == 10
