"""`make demo` (manage.py run_demo): production settings over plain http, with a secret
key of its own made on the first run."""

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from miiwrap.management.commands.run_demo import demo_environment, demo_secret_key

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def test_it_creates_the_demo_key_when_missing_and_reuses_it(tmp_path):
    key_file = tmp_path / ".demo-secret-key"
    key = demo_secret_key(key_file)
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert demo_secret_key(key_file) == key
    assert demo_secret_key(tmp_path / "another-checkout") != key


def test_it_ignores_the_demo_key_file_in_git():
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", ".demo-secret-key"], cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0


def test_it_runs_the_demo_with_debug_off_over_plain_http(tmp_path):
    environment = demo_environment(addr="127.0.0.1:8000", key_file=tmp_path / "key")
    assert environment["DEBUG"] == "0"
    assert environment["SECRET_KEY"] == (tmp_path / "key").read_text().strip()
    assert environment["ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert environment["SITE_URL"] == "http://127.0.0.1:8000"
    assert environment["SECURE_SSL_REDIRECT"] == environment["SECURE_COOKIES"] == "0"
    assert environment["DEMO_MFA_WAIVER"] == "1"
    assert environment["EMAIL_BACKEND"].endswith(".console.EmailBackend")


# Run in a fresh interpreter with the demo's environment and the real settings module.
# The demo collects static files first; this check uses them from where they live.
SPANISH_404 = textwrap.dedent(
    """
    import django
    from django.conf import settings
    from django.test import Client, override_settings

    django.setup()
    assert settings.DEBUG is False
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
        response = Client().get(
            "/no-such-page/", HTTP_HOST="127.0.0.1:8000", HTTP_ACCEPT_LANGUAGE="es"
        )
    print(response.status_code)
    print(response.content.decode())
    """
)


def test_it_shows_our_own_404_page_in_spanish_in_the_demo(tmp_path):
    environment = demo_environment(addr="127.0.0.1:8000", key_file=tmp_path / "key")
    environment["DJANGO_SETTINGS_MODULE"] = "miiwrap.settings"
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", SPANISH_404],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, page = result.stdout.split("\n", 1)
    assert status == "404"
    assert "No encontramos esa página" in page  # templates/404.html, in Spanish
    assert "URLconf" not in page  # not Django's debug page listing every URL


def test_it_has_make_demo_run_the_demo_command():
    result = subprocess.run(
        ["make", "-n", "demo"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    commands = [line.split("manage.py", 1)[1].split() for line in result.stdout.splitlines()
                if "manage.py" in line]  # fmt: skip
    # Every demo step runs inside run_demo, with the demo's environment.
    assert commands == [["ensure_database"], ["run_demo", "--addr", "127.0.0.1:8000"]]
