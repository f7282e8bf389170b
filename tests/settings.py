"""Test settings: the environment for the one settings module, then two test-only
speed-ups. Tests use their own Redis database so they never touch the app's cache."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DEMO_MFA_WAIVER", "1")

from miiwrap.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Celery worker started by a test writes its emails to files the test can count.
EMAIL_BACKEND = os.environ.get(
    "TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH", "")
CACHES["default"]["KEY_PREFIX"] = "miiwrap-test"  # noqa: F405
