"""MiiWrap settings: one module, every value read from the environment.

`.env.example` lists every variable with its default. With `DEBUG` off (the default)
the hardened production settings apply and `SECRET_KEY` must be set.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """postgres://user:password@host:port/name -> a Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, got {parts.scheme!r}.")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "miiwrap",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "csp",
    "django_celery_beat",
    "miiwrap",
    "communities",
    "reflections",
    "engagement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files are answered above and keep their own caching.
    "miiwrap.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "miiwrap.middleware.AdminStylesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "communities.audit.AuditContextMiddleware",
    "communities.middleware.UserPreferencesMiddleware",
    "communities.middleware.RequireMfaMiddleware",
]

ROOT_URLCONF = "miiwrap.urls"
WSGI_APPLICATION = "miiwrap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "communities.context_processors.membership",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/miiwrap")
    )
}
# A read replica for the dashboards and their export (miiwrap.db_routers), if given.
DASHBOARD_READ_DATABASE = ""
if replica_url := env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = database_from_url(replica_url)
    DASHBOARD_READ_DATABASE = "replica"
DATABASE_ROUTERS = ["miiwrap.db_routers.DashboardReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "miiwrap")
CACHES = {
    "default": {
        "BACKEND": "miiwrap.cache.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        # While Redis is unreachable the default cache, and with it allauth's rate
        # limits, uses this one instead; Redis is tried again after RETRY_AFTER seconds.
        "FALLBACK": "database",
        "RETRY_AFTER": 5,
    },
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "miiwrap_cache",  # created by miiwrap/migrations/0001_cache_table.py
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "TIMEOUT": 300,
        # Past MAX_ENTRIES Django culls a third of the rows, live ones too; rate-limit
        # counters must survive an outage's worth of traffic.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
# Sessions live in Postgres so a Redis outage never logs anybody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 12

AUTH_USER_MODEL = "communities.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, no open sign-up (invitations only), login by
# emailed code for everyone, mandatory verification, no account enumeration.
ACCOUNT_ADAPTER = "communities.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
# Six digits: easy to type on a phone keypad; three wrong tries end the code.
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MiiWrap] "
ACCOUNT_RATE_LIMITS = {
    "login": "20/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MiiWrap"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves our own static files (htmx included) from gunicorn: no CDN, no proxy.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Well below the outbox's sending lease: a server that accepts and never answers must not
# hold a row past its lease (another sender would take it over).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MiiWrap <no-reply@miiwrap.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)

# Celery: Redis broker, JSON only, late acks so a task whose worker dies is redelivered.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Longer than the longest task (and any countdown we use) so a task is not redelivered
# while it is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request gives up fast when Redis is down (the data is committed).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Content-Security-Policy: every asset is ours; inline scripts only with a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Production hardening: on whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# BEHIND_PROXY=1: exactly one reverse proxy of ours (the TLS terminator) is in front. It
# sets X-Forwarded-Proto and appends the client's address to X-Forwarded-For. Without a
# proxy any client could send those headers, so they are trusted only when this is on:
# for https detection (Django), the audit trail's address (communities.audit.client_ip)
# and allauth's per-address rate limits.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
TRUST_X_FORWARDED_FOR = BEHIND_PROXY
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if BEHIND_PROXY else 0
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# SECURE_COOKIES=0 only for a local production-mode run without TLS (docker compose).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Demo accounts skip the MFA requirement so the demo can be tried at once. Never on in
# production: the flag on a user only counts while this is true.
MIIWRAP_DEMO_MFA_WAIVER = env_bool("DEMO_MFA_WAIVER", DEBUG)
INVITATION_VALID_DAYS = 7

# The outbox (communities/outbox.py): a failed email is tried again after 30 s, 1 min,
# 2 min… and marked failed after the last try; unsubscribe links work for 90 days. A
# claimed email is the claimer's for the lease (longer than an SMTP send can take); after
# it the sweeper sends it again, e.g. when the worker died while sending.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 5 * 60)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
UNSUBSCRIBE_DAYS = 90

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Periodic tasks; django-celery-beat's database scheduler picks these up at start.
CELERY_BEAT_SCHEDULE = {
    # Sends every email still pending or whose sending lease ran out (the fast path is a
    # task enqueued on commit; this catches what Redis, a worker or SMTP dropped).
    "outbox-sweep": {"task": "communities.tasks.outbox_sweep", "schedule": 60.0},
    "daily-digests": {
        "task": "communities.tasks.digests_compose",
        "schedule": crontab(hour=7, minute=0),
        "args": ["daily"],
    },
    "weekly-digests": {
        "task": "communities.tasks.digests_compose",
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
        "args": ["weekly"],
    },
    # Learning circles: reminders before each session (written to the outbox), sessions
    # kept 12 weeks ahead, and the "session ended" signal reflection prompts listen to.
    "circle-reminders": {"task": "communities.tasks.circle_reminders_queue", "schedule": 300.0},
    "circle-sessions-materialise": {
        "task": "communities.tasks.circle_sessions_materialise",
        "schedule": crontab(hour=2, minute=30),
    },
    "circle-sessions-ended": {"task": "communities.tasks.circle_sessions_ended", "schedule": 300.0},
    # Reflection prompts: plan the weekly ones (each recipient's own time zone), send
    # what is due (after-meeting delays too) and remind after 7 days unanswered.
    "reflection-prompts": {"task": "reflections.tasks.prompts_tick", "schedule": 300.0},
    # The dashboards' daily rollup is kept current with each event; this recomputes the
    # last 7 days from the raw events, catching anything written around the signals.
    # Fidelity drift: every rule for every organisation, signals opened and resolved,
    # then reminders and the supervisors' digests (each in their own time zone).
    "drift-scan": {"task": "engagement.tasks.drift_scan_hourly", "schedule": crontab(minute=10)},
    "rollup-repair": {
        "task": "engagement.tasks.rollups_repair",
        "schedule": crontab(hour=3, minute=15),
    },
}
