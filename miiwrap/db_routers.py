"""Reads of the dashboards and their export go to a read replica when one is configured
(DATABASE_REPLICA_URL): the heaviest reads leave the primary alone. Everything else, and
every write, uses the primary."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_dashboard_reads = contextvars.ContextVar("dashboard_reads", default=False)


@contextmanager
def dashboard_reads() -> Iterator[None]:
    """Within this block, reads go to the replica (when there is one)."""
    token = _dashboard_reads.set(True)
    try:
        yield
    finally:
        _dashboard_reads.reset(token)


class DashboardReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        alias = getattr(settings, "DASHBOARD_READ_DATABASE", "")
        if alias and _dashboard_reads.get() and alias in settings.DATABASES:
            return alias
        return None

    def db_for_write(self, model, **hints) -> str | None:
        return None

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == "default"
