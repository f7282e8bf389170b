"""Project-wide checks run as subprocesses from the repository root: migrations are in
sync, ruff is clean, the production settings pass `check --deploy`, and the compose file
is valid. manage.py runs with the real settings module (miiwrap.settings), not the test
settings, and none of these touch the database."""

import json
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300


def project_env(**overrides: str) -> dict[str, str]:
    env = os.environ.copy()
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # Set by the browser tests for Playwright; a deployment never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=REPO_ROOT,
        env=env if env is not None else project_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env=env)


def describe(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n"
        f"--- stderr ---\n{result.stderr}"
    )


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_it_has_no_missing_migrations():
    result = manage("makemigrations", "--check", "--dry-run", env=project_env(DEBUG="1"))
    assert result.returncode == 0, describe(result)


def test_it_passes_ruff_check():
    result = run([sys.executable, "-m", "ruff", "check", "."])
    assert result.returncode == 0, describe(result)


def test_it_passes_ruff_format_check():
    result = run([sys.executable, "-m", "ruff", "format", "--check", "."])
    assert result.returncode == 0, describe(result)


def test_it_passes_check_deploy_in_production_mode():
    env = project_env(DEBUG="0", SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="miiwrap.example")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, describe(result)


def test_it_refuses_to_start_without_secret_key_in_production():
    env = project_env(DEBUG="0")
    env.pop("SECRET_KEY", None)
    result = manage("check", env=env)
    assert result.returncode != 0, describe(result)
    assert "SECRET_KEY" in result.stderr, describe(result)


def docker_compose(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`docker-compose ARGS` with only the variables given: an empty --env-file stands in
    for a developer's `.env`, and SECRET_KEY is dropped from the inherited environment."""
    executable = shutil.which("docker-compose")
    if executable is None:
        message = (
            "docker-compose is not installed, so docker-compose.yml cannot be validated: "
            "apt-get install docker-compose"
        )
        if "CI" not in os.environ:
            pytest.skip(message)
        pytest.fail(message)
    env_file = tmp_path / "empty.env"
    env_file.touch()
    environment = project_env(**env)
    for name in ["SECRET_KEY", "WEB_BIND", "WEB_PORT", "BEHIND_PROXY"]:
        if name not in env:
            environment.pop(name, None)
    return run([executable, "--env-file", str(env_file), *args], env=environment)


def test_it_has_a_valid_docker_compose_file(tmp_path):
    result = docker_compose("config", "-q", tmp_path=tmp_path, SECRET_KEY=random_secret_key())
    assert result.returncode == 0, describe(result)


def test_it_refuses_docker_compose_without_a_secret_key(tmp_path):
    result = docker_compose("config", "-q", tmp_path=tmp_path)
    assert result.returncode != 0, describe(result)
    assert "SECRET_KEY" in result.stderr, describe(result)


def test_it_publishes_the_web_port_on_loopback_unless_told(tmp_path):
    key = random_secret_key()
    default = docker_compose("config", tmp_path=tmp_path, SECRET_KEY=key)
    assert default.returncode == 0, describe(default)
    # Postgres, Redis and web: every published port is on loopback.
    assert published_ports(default.stdout) == [
        "127.0.0.1:5432:5432",
        "127.0.0.1:6379:6379",
        "127.0.0.1:8000:8000",
    ]
    public = docker_compose(
        "config", tmp_path=tmp_path, SECRET_KEY=key, WEB_BIND="0.0.0.0", WEB_PORT="8080"
    )
    assert public.returncode == 0, describe(public)
    assert "0.0.0.0:8080:8000" in published_ports(public.stdout)


def published_ports(config: str) -> list[str]:
    """host_ip:host_port:container_port of every `ports:` entry in `docker-compose config`."""
    return sorted(re.findall(r"^\s*- ([\d.]+:\d+:\d+)/tcp$", config, re.MULTILINE))


def import_settings(
    module: str, names: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Import a settings module in a fresh interpreter with `env`; its stdout is the
    values of `names` as JSON (so tuples come back as lists)."""
    script = (
        "import importlib, json, sys\n"
        f"settings = importlib.import_module({module!r})\n"
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))\n"
    )
    return run([sys.executable, "-c", script], env=env)


def settings_values(module: str, names: list[str], **env: str) -> dict:
    result = import_settings(module, names, project_env(**env))
    assert result.returncode == 0, describe(result)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_trusts_forwarded_headers_only_behind_a_proxy():
    names = ["SECURE_PROXY_SSL_HEADER", "TRUST_X_FORWARDED_FOR", "ALLAUTH_TRUSTED_PROXY_COUNT"]
    production = {"DEBUG": "0", "SECRET_KEY": random_secret_key()}
    direct = settings_values("miiwrap.settings", names, **production, BEHIND_PROXY="")
    assert direct == {
        "SECURE_PROXY_SSL_HEADER": None,
        "TRUST_X_FORWARDED_FOR": False,
        "ALLAUTH_TRUSTED_PROXY_COUNT": 0,
    }
    proxied = settings_values("miiwrap.settings", names, **production, BEHIND_PROXY="1")
    assert proxied == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "TRUST_X_FORWARDED_FOR": True,
        "ALLAUTH_TRUSTED_PROXY_COUNT": 1,
    }


def test_it_takes_the_audit_address_from_x_forwarded_for_only_when_trusted(settings):
    from django.test import RequestFactory

    from communities.audit import client_ip

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.TRUST_X_FORWARDED_FOR = False
    assert client_ip(request) == "10.0.0.2"
    settings.TRUST_X_FORWARDED_FOR = True
    # The last entry is the one our proxy appended; the first is whatever the client sent.
    assert client_ip(request) == "203.0.113.9"
    request.META["HTTP_X_FORWARDED_FOR"] = "not an address"
    assert client_ip(request) == "10.0.0.2"


TEST_SERVICES = ["TEST_DATABASE_URL", "TEST_REDIS_URL", "TEST_CELERY_BROKER_URL"]
APP_SERVICES = {
    "DATABASE_URL": "postgres://app:secret@db.example:5432/miiwrap_production",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "the-apps-own-secret-key",
}


def fresh_test_settings_env(**env: str) -> dict[str, str]:
    """A shell where the app's `.env` is exported, as a developer's may be: tests.settings
    is imported afresh (not as a process started by a test)."""
    environment = project_env(**APP_SERVICES)
    environment.pop("MIIWRAP_TEST_SERVICES_CHOSEN", None)
    environment.pop("MIIWRAP_TEST_WORKER_SHIFTED", None)
    environment.pop("PYTEST_XDIST_WORKER", None)
    for name in TEST_SERVICES:
        environment.pop(name, None)
    environment.update(env)
    return environment


TEST_SETTINGS = ["DATABASES", "CACHES", "CELERY_BROKER_URL", "SECRET_KEY"]


def test_it_keeps_tests_off_the_apps_database_and_redis_when_its_env_is_exported():
    values = json.loads(
        import_settings("tests.settings", TEST_SETTINGS, fresh_test_settings_env()).stdout
    )
    database = values["DATABASES"]["default"]
    # pytest-django creates and uses test_miiwrap from this.
    assert (database["HOST"], database["USER"], database["NAME"]) == (
        "127.0.0.1",
        "postgres",
        "miiwrap",
    )
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/15"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/14"


def test_it_takes_test_services_from_the_test_variables():
    env = fresh_test_settings_env(
        TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/miiwrap_mine",
        TEST_REDIS_URL="redis://127.0.0.1:6379/9",
        TEST_CELERY_BROKER_URL="redis://127.0.0.1:6379/8",
    )
    result = import_settings("tests.settings", TEST_SETTINGS, env)
    assert result.returncode == 0, describe(result)
    values = json.loads(result.stdout)
    assert values["DATABASES"]["default"]["NAME"] == "miiwrap_mine"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/9"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/8"


def test_each_xdist_worker_flushes_redis_databases_of_its_own():
    second = json.loads(
        import_settings(
            "tests.settings", TEST_SETTINGS, fresh_test_settings_env(PYTEST_XDIST_WORKER="gw1")
        ).stdout
    )
    assert second["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/13"
    assert second["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/12"
    # A Celery worker the test starts inherits the shifted URLs and keeps them.
    inherited = fresh_test_settings_env(
        PYTEST_XDIST_WORKER="gw1",
        MIIWRAP_TEST_SERVICES_CHOSEN="1",
        MIIWRAP_TEST_WORKER_SHIFTED="gw1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test_miiwrap_gw1",
        REDIS_URL="redis://127.0.0.1:6379/13",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/12",
    )
    child = json.loads(import_settings("tests.settings", TEST_SETTINGS, inherited).stdout)
    assert child["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/13"
    assert child["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/12"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TEST_REDIS_URL": "redis://127.0.0.1:6379/0"}, "Redis database 0"),
        ({"TEST_REDIS_URL": "redis://127.0.0.1:6379"}, "Redis database 0"),
        ({"TEST_CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "Redis database 0"),
        (
            {"TEST_REDIS_URL": "redis://127.0.0.1:6379/3", "REDIS_URL": "redis://127.0.0.1:6379/3"},
            "the app's Redis database (REDIS_URL=",
        ),
        (
            {
                "TEST_CELERY_BROKER_URL": "redis://127.0.0.1:6379/4",
                "CELERY_BROKER_URL": "redis://127.0.0.1:6379/4",
            },
            "the app's Redis database (CELERY_BROKER_URL=",
        ),
        ({"TEST_CELERY_BROKER_URL": "redis://127.0.0.1:6379/15"}, "must differ"),
    ],
)
def test_it_refuses_a_test_redis_that_may_be_the_apps(env, message):
    result = import_settings("tests.settings", TEST_SETTINGS, fresh_test_settings_env(**env))
    assert result.returncode != 0, describe(result)
    assert message in result.stderr, describe(result)


def test_it_signs_each_test_run_with_a_random_key_of_its_own():
    keys = {
        json.loads(
            import_settings("tests.settings", ["SECRET_KEY"], fresh_test_settings_env()).stdout
        )["SECRET_KEY"]
        for _ in range(2)
    }
    assert len(keys) == 2
    assert APP_SERVICES["SECRET_KEY"] not in keys
    assert all(len(key) >= 50 for key in keys)
