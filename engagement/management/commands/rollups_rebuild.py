"""Recompute the whole daily rollup from the raw events and check-ins (after a bulk load
or a change to the rollup's shape); the nightly repair covers the last 7 days."""

from django.core.management.base import BaseCommand

from engagement.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the dashboards' daily rollup from the raw events and check-ins."

    def handle(self, *args, **options):
        rows = rollups_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{rows:,} rollup rows."))
