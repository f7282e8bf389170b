"""Reads of the dashboards and their export go to a read replica when one is configured
(DATABASE_REPLICA_URL): the heaviest reads leave the primary alone. Everything else, and
every write, uses the primary. Views mark those reads with
communities.replica.dashboard_reads()."""

from __future__ import annotations

from django.conf import settings

from communities.replica import reading_dashboards


class DashboardReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        alias = getattr(settings, "DASHBOARD_READ_DATABASE", "")
        if alias and reading_dashboards() and alias in settings.DATABASES:
            return alias
        return None

    def db_for_write(self, model, **hints) -> str | None:
        return None

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == "default"
