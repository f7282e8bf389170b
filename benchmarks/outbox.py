"""The outbox at 10,000 due emails: figures and ratios, no pass/fail.

Run: `make bench-outbox`. Uses its own database (miiwrap_bench_outbox, created and
migrated if needed), and starts its own Redis (the broker) and SMTP server (aiosmtpd,
in this process) on spare ports of 127.0.0.1. Prints:
- the sweeper's claim (`outbox_claim_batch`): SQL queries and milliseconds with 10 and
  with 10,000 rows due (the query count must not grow; the claim takes at most a batch);
- messages per second to the SMTP server for 10,000 due emails sent by a real Celery
  worker (the fast path: one task per email, prefork with a process per core), and by
  one `manage.py outbox_sweep` process; and how many Message-IDs arrived twice (0).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miiwrap.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/miiwrap_bench_outbox")

import django

django.setup()

import logging  # noqa: E402
import statistics  # noqa: E402
from email import message_from_bytes  # noqa: E402

import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities.models import (  # noqa: E402
    FamilyMember,
    FamilyTeam,
    Message,
    Organization,
    Program,
    User,
)
from communities.outbox import SWEEP_BATCH, outbox_claim_batch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROWS = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Counter:
    """aiosmtpd handler: the time and Message-ID of each message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.received.append((time.monotonic(), envelope.original_content))
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()

    def rate_and_doubles(self) -> tuple[float, int]:
        times = [t for t, _ in self.received]
        ids = [message_from_bytes(raw)["Message-ID"] for _, raw in self.received]
        return (len(times) - 1) / (times[-1] - times[0]), len(ids) - len(set(ids))


def setup_people() -> tuple[Organization, FamilyTeam, User]:
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench Org"})
    program, _ = Program.objects.get_or_create(organization=org, name="Bench")
    family, _ = User.objects.get_or_create(email="family@bench.example",
                                           defaults={"name": "Bench Family"})  # fmt: skip
    team, _ = FamilyTeam.objects.get_or_create(program=program, name="Bench team")
    FamilyMember.objects.get_or_create(team=team, user=family)
    return org, team, family


def due_emails(count: int, people: tuple, tag: str) -> list[int]:
    """`count` check-in request emails, pending and due now; nothing else in the outbox."""
    org, team, family = people
    Message.objects.all().delete()
    today = timezone.localdate().isoformat()
    Message.objects.bulk_create(
        (
            Message(
                key=f"email:checkin_request:bench-{tag}-{n}:{family.pk}:",
                channel=Message.Channel.EMAIL,
                kind=Message.Kind.CHECKIN_REQUEST,
                recipient=family,
                to_email=family.email,
                organization=org,
                team=team,
                subject_key=f"bench-{n}",
                params={"date": today, "team": team.name},
                url=f"/checkins/bench-{n}/",
                state=Message.State.PENDING,
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    return list(Message.objects.values_list("pk", flat=True))


def claim_queries(count: int, people: tuple) -> tuple[list[str], float]:
    """The SQL of one sweeper claim with `count` rows due, and its median ms (the claimed
    rows are put back as they were after each claim)."""
    due_emails(count, people, tag=f"claim{count}")

    def put_back() -> None:
        Message.objects.update(state=Message.State.PENDING, attempts=0, lease_until=None)

    with CaptureQueriesContext(connection) as queries:
        outbox_claim_batch()
    put_back()
    times = []
    for _ in range(9):
        start = time.perf_counter()
        outbox_claim_batch()
        times.append((time.perf_counter() - start) * 1000)
        put_back()
    return [q["sql"].split()[0] for q in queries.captured_queries], statistics.median(times)


def wait_for(counter: Counter, count: int, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while len(counter.received) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(counter.received)} of {count} arrived in {timeout} s")
        time.sleep(0.2)


def main() -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0)
    people = setup_people()
    print(f"{os.cpu_count()} cores; the sweeper claims batches of {SWEEP_BATCH}")

    small, small_ms = claim_queries(10, people)
    large, large_ms = claim_queries(ROWS, people)
    print(f"sweeper claim: {len(small)} queries {small_ms:.1f} ms with 10 due;"
          f" {len(large)} queries {large_ms:.1f} ms with {ROWS:,} due"
          f" ({', '.join(large)}); query ratio {len(large) / len(small):.2f},"
          f" time ratio {large_ms / small_ms:.2f}")  # fmt: skip

    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=free_port(), server_hostname="localhost")
    smtp.start()
    broker_port = free_port()
    redis_server = ["redis-server", "--port", str(broker_port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no"]  # fmt: skip
    broker = subprocess.Popen(redis_server, stdout=subprocess.DEVNULL)  # noqa: S603
    broker_url = f"redis://127.0.0.1:{broker_port}/0"
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": f"redis://127.0.0.1:{broker_port}/1",
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
    }
    os.environ["CELERY_BROKER_URL"] = broker_url  # Celery prefers it to its settings
    try:
        for _ in range(50):
            try:
                redis.Redis.from_url(broker_url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        from communities.tasks import outbox_send

        # The fast path: a task per email, sent by a worker.
        ids = due_emails(ROWS, people, tag="worker")
        start = time.monotonic()
        for pk in ids:
            outbox_send.delay(pk)
        enqueued = time.monotonic() - start
        counter.reset()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "miiwrap", "worker", "-l", "warning",
             "--without-heartbeat", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(counter, ROWS)
        worker.terminate()
        worker.wait(timeout=60)
        rate, doubles = counter.rate_and_doubles()
        concurrency = os.cpu_count()
        print(f"worker (prefork x{concurrency}): {ROWS:,} emails at {rate:.0f}/s"
              f" (enqueued in {enqueued:.1f} s before it started);"
              f" Message-IDs received twice: {doubles}")  # fmt: skip

        # The sweeper alone (what sends everything when Redis or the workers are down).
        due_emails(ROWS, people, tag="sweeper")
        counter.reset()
        subprocess.run([sys.executable, "manage.py", "outbox_sweep"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        wait_for(counter, ROWS)
        rate, doubles = counter.rate_and_doubles()
        print(f"sweeper (one manage.py outbox_sweep): {ROWS:,} emails at {rate:.0f}/s;"
              f" Message-IDs received twice: {doubles}")  # fmt: skip
    finally:
        Message.objects.all().delete()
        broker.terminate()
        broker.wait()
        smtp.stop()


if __name__ == "__main__":
    if not settings.DATABASES["default"]["NAME"].startswith("miiwrap_bench"):
        raise SystemExit(
            "benchmarks/outbox.py empties the outbox: give it a miiwrap_bench_* database"
        )
    main()
