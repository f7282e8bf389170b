"""Background work for communities: the outbox and learning circles. Tasks take ids,
load, call a service, and are safe to run twice (a claim that is not due or not ours
sends nothing; reminders and the "ended" signal are written or sent once)."""

from celery import shared_task

from communities import circle_reminders, circles, outbox


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


@shared_task
def circle_reminders_queue() -> int:
    """Every 5 minutes (beat): write the learning-circle reminders that are due."""
    return circle_reminders.reminders_queue()


@shared_task
def circle_sessions_materialise() -> int:
    """Daily: keep 12 weeks of sessions ahead for every circle."""
    return circles.sessions_materialise_all()


@shared_task
def circle_sessions_ended() -> int:
    """Every 5 minutes: tell whoever listens (reflection prompts) which sessions ended."""
    return circles.sessions_ended_signal()
