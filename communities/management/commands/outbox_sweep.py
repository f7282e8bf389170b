"""Send every due email now, without Celery (e.g. while Redis is down): the same sweep the
beat schedule runs every minute."""

from django.core.management.base import BaseCommand

from communities.outbox import outbox_sweep


class Command(BaseCommand):
    help = "Send every email in the outbox that is due or whose sending lease expired."

    def handle(self, *args, **options):
        total = 0
        while sent := outbox_sweep():
            total += sent
        self.stdout.write(f"{total} sent")
