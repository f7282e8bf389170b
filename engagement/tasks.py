"""Background work for engagement. Messages go through the outbox (communities.outbox);
nothing here sends anything itself."""

from celery import shared_task

from engagement import drift, rollups


@shared_task
def rollups_repair() -> int:
    """Nightly: the last 7 days of the rollup, recomputed (safe to run twice)."""
    return rollups.rollups_repair()


@shared_task
def drift_scan_hourly() -> int:
    """Hourly: every rule for every organisation, then the reminders and digests due."""
    row = drift.scan_run()
    return row.opened if row else 0


@shared_task
def drift_scan_run(scan_id: int) -> int:
    """An admin's scan of their organisation (its row shows the progress)."""
    row = drift.scan_run(scan_id)
    return row.opened if row else 0
