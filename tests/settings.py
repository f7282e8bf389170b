"""Test settings: the environment for the one settings module, then a few test-only
overrides.

Tests take their services only from TEST_DATABASE_URL, TEST_REDIS_URL and
TEST_CELERY_BROKER_URL, whatever DATABASE_URL, REDIS_URL or CELERY_BROKER_URL say: those
may be the app's, exported from a `.env`, and tests flush their cache database between
tests and purge their broker. pytest-django creates and uses `test_<name>` of the test
database URL. A test Redis URL on database 0 or on the app's own Redis database is
refused. Each run signs with a random SECRET_KEY of its own.
"""

import os
import secrets
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

# Set once the test services are chosen. A process a test starts (a Celery worker)
# inherits it with the environment below, and may be pointed at the test database by
# DATABASE_URL (tests/engagement/test_delivery_worker.py): it keeps what it was given.
CHOSEN = "MIIWRAP_TEST_SERVICES_CHOSEN"


def redis_database(url: str) -> tuple[str, int, int]:
    """redis://host:port/db -> (host, port, db); db 0 when the URL names none."""
    parts = urlsplit(url)
    db = parts.path.strip("/") or parse_qs(parts.query).get("db", ["0"])[0]
    return (parts.hostname or "localhost", parts.port or 6379, int(db or 0))


def refuse_the_apps_redis(test_urls: dict[str, str], app_urls: dict[str, str]) -> None:
    for name, url in test_urls.items():
        target = redis_database(url)
        if target[2] == 0:
            raise ImproperlyConfigured(
                f"{name}={url} is Redis database 0, the app's default: tests flush their "
                f"cache database and purge their broker. Choose another database, e.g. /15."
            )
        for app_name, app_url in app_urls.items():
            if app_url and redis_database(app_url) == target:
                raise ImproperlyConfigured(
                    f"{name}={url} is the app's Redis database ({app_name}={app_url}): "
                    f"tests would flush it. Unset {app_name} or choose another test database."
                )
    cache, broker = test_urls["TEST_REDIS_URL"], test_urls["TEST_CELERY_BROKER_URL"]
    if redis_database(cache) == redis_database(broker):
        raise ImproperlyConfigured(
            "TEST_REDIS_URL and TEST_CELERY_BROKER_URL must differ: tests flush the cache "
            "database, which would drop queued tasks."
        )


if os.environ.get(CHOSEN) != "1":
    test_services = {
        "TEST_DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/miiwrap",
        "TEST_REDIS_URL": os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15",
        "TEST_CELERY_BROKER_URL": os.environ.get("TEST_CELERY_BROKER_URL")
        or "redis://127.0.0.1:6379/14",
    }
    refuse_the_apps_redis(
        {name: test_services[name] for name in ["TEST_REDIS_URL", "TEST_CELERY_BROKER_URL"]},
        {name: os.environ.get(name, "") for name in ["REDIS_URL", "CELERY_BROKER_URL"]},
    )
    os.environ.update(
        DATABASE_URL=test_services["TEST_DATABASE_URL"],
        REDIS_URL=test_services["TEST_REDIS_URL"],
        CELERY_BROKER_URL=test_services["TEST_CELERY_BROKER_URL"],
        SECRET_KEY=secrets.token_urlsafe(50),
        **{CHOSEN: "1"},
    )

# Under pytest-xdist (`-n 2`) each worker flushes Redis databases of its own: the chosen
# ones minus twice its number (gw0: 15 and 14, gw1: 13 and 12, by default). The test
# databases of PostgreSQL get pytest-django's `_gw<n>` suffix. A process a worker starts
# inherits WORKER_SHIFTED and keeps its worker's databases.
WORKER_SHIFTED = "MIIWRAP_TEST_WORKER_SHIFTED"
worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if worker.startswith("gw") and os.environ.get(WORKER_SHIFTED) != worker:
    shift = 2 * int(worker.removeprefix("gw"))
    for name in ["REDIS_URL", "CELERY_BROKER_URL"]:
        host, port, db = redis_database(os.environ[name])
        if db - shift < 1:
            raise ImproperlyConfigured(
                f"{name}: too many pytest-xdist workers for Redis database {db}; "
                f"choose a higher test database."
            )
        os.environ[name] = f"redis://{host}:{port}/{db - shift}"
    os.environ[WORKER_SHIFTED] = worker

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DEMO_MFA_WAIVER", "1")

from miiwrap.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Celery worker started by a test writes its emails to files the test can count.
EMAIL_BACKEND = os.environ.get(
    "TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH", "")
CACHES["default"]["KEY_PREFIX"] = "miiwrap-test"  # noqa: F405
CACHES["database"]["KEY_PREFIX"] = "miiwrap-test"  # noqa: F405
# The outbox's fault tests (tests/delivery) run an SMTP server of their own on 127.0.0.1
# and point the workers they start at it; never the app's server or its credentials.
EMAIL_HOST = os.environ.get("TEST_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("TEST_EMAIL_PORT", "25"))
EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 10
# A second alias on the same server, standing in for a read replica: its test database is
# the default's (MIRROR). Dashboards read from it only when DASHBOARD_READ_DATABASE names
# it (tests/engagement/test_dashboards.py turns that on).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
