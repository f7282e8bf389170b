"""Test settings: the environment for the one settings module, then two test-only
speed-ups. Tests use their own Redis database so they never touch the app's cache."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DEMO_MFA_WAIVER", "1")

from miiwrap.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = "miiwrap-test"  # noqa: F405
