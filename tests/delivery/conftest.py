"""Real services for the outbox's fault tests, all on 127.0.0.1 and all the test's own:
an SMTP server (aiosmtpd) that counts what it receives by Message-ID and can be slow or
down, a Redis started on a spare port as the Celery broker (never the machine's Redis),
and Celery workers and sweepers in subprocesses that use the test database."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from communities.models import Message
from miiwrap.celery import app

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts Celery workers or sends hundreds of emails (seconds each)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# --- SMTP ----------------------------------------------------------------------------


class Recorder:
    """An aiosmtpd handler keeping every message it accepts (as received; parsed when a
    test reads them). `delay` makes each answer slow: the message is recorded first, so a
    sender killed while waiting for the answer leaves a message the server has (the
    window only a Message-ID can cover)."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.received.append(envelope.original_content)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Answer on the port (again): connections are accepted."""
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )
        self._controller.start()

    def stop(self) -> None:
        """Down: connections to the port are refused until `start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=default_policy) for raw in self.handler.received]

    @property
    def message_ids(self) -> Counter[str]:
        """How often each Message-ID was received."""
        return Counter(m["Message-ID"] for m in self.messages)

    def wait_for(self, count: int, *, timeout: float = 20) -> None:
        wait_until(lambda: len(self.handler.received) >= count, timeout=timeout,
                   what=f"{count} messages at the SMTP server")  # fmt: skip


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """An SMTP server of the test's own; this process's outbox sends to it."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    try:
        yield server
    finally:
        server.stop()


# --- Redis ---------------------------------------------------------------------------


class RedisServer:
    """A redis-server subprocess on a spare port, with nothing saved to disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=10, what="the test's Redis")
        client.close()

    def queued(self) -> int:
        """Tasks waiting in the default queue (not those a worker has taken)."""
        with redis.Redis(port=self.port) as client:
            return client.llen("celery")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


def drop_broker_connections() -> None:
    """This process's Celery app holds a pool of broker connections: let go of it (as
    Celery does after a fork), so the next task goes to the broker named now. The pool
    is not closed: kombu keeps it per broker URL and would hand it back closed."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(monkeypatch) -> Iterator[RedisServer]:
    """A Redis of the test's own as the Celery broker of this process and its workers:
    the test may stop it, and no other test run's worker takes its tasks."""
    server = RedisServer()
    server.start()
    # Celery takes CELERY_BROKER_URL from the environment before its settings.
    with monkeypatch.context() as patched:
        patched.setenv("CELERY_BROKER_URL", server.url)
        drop_broker_connections()
        try:
            yield server
        finally:
            server.stop()
    drop_broker_connections()


# --- workers and sweepers ------------------------------------------------------------


class Processes:
    """Celery workers and `manage.py outbox_sweep` runs using the test database, the
    test's broker and SMTP server. `env` adds settings from the environment (e.g.
    OUTBOX_LEASE_SECONDS)."""

    def __init__(self, broker: RedisServer, smtp: SmtpServer, logs: Path) -> None:
        self.logs = logs
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **connection.settings_dict
            ),
            "CELERY_BROKER_URL": broker.url,
            "TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "TEST_EMAIL_HOST": "127.0.0.1",
            "TEST_EMAIL_PORT": str(smtp.port),
        }
        self.started: list[subprocess.Popen] = []

    def worker(self, name: str = "w1", **env: str) -> subprocess.Popen:
        return self._start(
            name,
            [sys.executable, "-m", "celery", "-A", "miiwrap", "worker", "--pool=solo",
             "-n", f"{name}@%h", "--without-heartbeat", "--without-mingle",
             "--without-gossip", "-l", "info"],
            env,
        )  # fmt: skip

    def sweeper(self, **env: str) -> subprocess.Popen:
        return self._start("sweeper", [sys.executable, "manage.py", "outbox_sweep"], env)

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        # What each process says goes to a file of the test's (pytest keeps the last runs).
        log = (self.logs / f"{len(self.started)}-{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env},
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        log.close()
        self.started.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """kill -9: no warm shutdown, no acknowledgement, no cleanup."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(broker, smtp, tmp_path) -> Iterator[Processes]:
    started = Processes(broker, smtp, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


# --- rows ----------------------------------------------------------------------------


def due_emails(world, count: int) -> list[Message]:
    """`count` check-in request emails to the world's family, pending and due now, each
    with a key of its own (written directly: nothing is enqueued for them)."""
    today = timezone.localdate().isoformat()
    Message.objects.bulk_create(
        Message(
            key=f"email:checkin_request:fault-{n}:{world.family.pk}:",
            channel=Message.Channel.EMAIL,
            kind=Message.Kind.CHECKIN_REQUEST,
            recipient=world.family,
            to_email=world.family.email,
            organization=world.org,
            team=world.team,
            subject_key=f"fault-{n}",
            params={"date": today, "team": world.team.name},
            url=f"/checkins/fault-{n}/",
            state=Message.State.PENDING,
        )
        for n in range(count)
    )
    return list(Message.objects.filter(subject_key__startswith="fault-").order_by("pk"))


def settled(broker) -> None:
    """The worker took every task and every due email went out."""
    wait_until(lambda: broker.queued() == 0, timeout=20, what="the worker to take every task")
    wait_until(
        lambda: (
            not Message.objects.filter(channel="email", state__in=["pending", "sending"])
            .exclude(next_attempt_at__gt=timezone.now())
            .exists()
        ),
        timeout=20,
        what="every due email sent",
    )
