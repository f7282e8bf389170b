"""Background work for reflections. Safe to run twice: a delivery is planned once per
recipient × occurrence, sent once (its row is locked and marked), reminded once."""

from celery import shared_task

from reflections import prompts


@shared_task
def prompts_tick() -> dict:
    """Every 5 minutes (beat): plan weekly prompts, send due ones, remind after 7 days."""
    return prompts.prompts_tick()
