"""Test settings: the environment for the one settings module, then a few test-only
overrides. Tests use their own Redis databases so they never touch the app's."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# The broker gets a database of its own: tests clear the cache (FLUSHDB) between them.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DEMO_MFA_WAIVER", "1")

from miiwrap.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Celery worker started by a test writes its emails to files the test can count.
EMAIL_BACKEND = os.environ.get(
    "TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH", "")
CACHES["default"]["KEY_PREFIX"] = "miiwrap-test"  # noqa: F405
