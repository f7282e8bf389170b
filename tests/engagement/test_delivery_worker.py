"""Delivery through a real Celery worker on the real Redis broker: each message is sent
at most once per recipient and period, even when its task is enqueued twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from communities.models import Message
from communities.tasks import digests_compose, outbox_send
from engagement import services
from miiwrap.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A Celery worker process using the test database and writing emails to files."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TEST_EMAIL_FILE_PATH": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "miiwrap", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        yield tmp_path
    finally:
        process.terminate()
        process.wait(timeout=20)


def _drain(timeout: float = 30) -> None:
    """Wait until the worker has taken and finished everything queued."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=0.5)
        busy = any((inspect.active() or {}).values()) or any((inspect.reserved() or {}).values())
        if broker.llen("celery") == 0 and not busy:
            return
        time.sleep(0.3)
    raise AssertionError("the worker did not finish in time")


def _emails(folder: Path) -> list[str]:
    return [p.read_text() for p in sorted(folder.glob("*.log"))]


@pytest.mark.django_db(transaction=True)
def test_it_sends_the_check_in_link_once_even_if_enqueued_twice(world, worker):
    meeting = services.team_meeting_record(
        team=world.team,
        by=world.facilitator,
        held_on=timezone.localdate(),
        duration_minutes=60,
        family_present=True,
        agenda_set_by="family",
        attendees=[world.family],
    )  # fmt: skip  (enqueued on commit)
    checkin = meeting.checkins.get()
    email = Message.objects.get(channel="email", subject_key=f"checkin:{checkin.pk}")
    outbox_send.delay(email.pk)  # a duplicate, as after a retry
    _drain()
    mails = _emails(worker)
    sent = [m for m in mails if world.family.email in m]
    assert len(sent) == 1, mails
    assert "/checkins/" in sent[0]
    email.refresh_from_db()
    assert email.state == "sent" and email.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_it_sends_one_digest_per_day_through_the_worker(world, worker):
    services.comment_create(goal=world.goal, by=world.family, role="family", body="We did it")
    digests_compose.delay("daily")
    digests_compose.delay("daily")
    _drain()
    mails = _emails(worker)
    assert len([m for m in mails if world.facilitator.email in m]) == 1, mails
