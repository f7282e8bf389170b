"""Background work for communities: the outbox. Tasks take ids, load, call a service,
and are safe to run twice (a claim that is not due or not ours sends nothing)."""

from celery import shared_task

from communities import outbox


@shared_task
def outbox_send(message_id: int) -> bool:
    """The fast path for one email, enqueued on commit of the row."""
    return outbox.message_deliver(message_id)


@shared_task
def outbox_sweep() -> int:
    """Every minute (beat): send what is due, or whose sending lease ran out."""
    return outbox.outbox_sweep()


@shared_task
def digests_compose(cadence: str) -> int:
    """Daily or weekly: each person's summary of what they haven't seen yet."""
    return outbox.digests_compose(cadence=cadence)
