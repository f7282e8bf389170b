"""The Celery app. Configuration lives in settings (CELERY_* names)."""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miiwrap.settings")


class RobustDjangoTask(DjangoTask):
    """`delay_on_commit` whose failure to reach the broker never fails the request that
    already committed its data: Django logs the error and the web request succeeds
    (DESIGN.md: if Redis is down, web requests still succeed)."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        def enqueue() -> None:
            self.delay(*args, **kwargs)

        enqueue.__qualname__ = f"{self.name}.delay"  # Django logs failures by this name
        transaction.on_commit(enqueue, robust=True)

    def apply_async_on_commit(self, *args, **kwargs) -> None:
        def enqueue() -> None:
            self.apply_async(*args, **kwargs)

        enqueue.__qualname__ = f"{self.name}.apply_async"
        transaction.on_commit(enqueue, robust=True)


app = Celery("miiwrap", task_cls=RobustDjangoTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
