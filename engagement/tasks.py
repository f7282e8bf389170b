"""Background work for engagement. Messages go through the outbox (communities.outbox);
nothing here sends anything itself."""

from celery import shared_task

from engagement import rollups


@shared_task
def rollups_repair() -> int:
    """Nightly: the last 7 days of the rollup, recomputed (safe to run twice)."""
    return rollups.rollups_repair()
