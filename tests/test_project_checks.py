"""Project-wide checks run as subprocesses from the repository root: migrations are in
sync, ruff is clean, the production settings pass `check --deploy`, and the compose file
is valid. manage.py runs with the real settings module (miiwrap.settings), not the test
settings, and none of these touch the database."""

import os
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


def test_it_has_a_valid_docker_compose_file():
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        message = (
            "docker-compose is not installed, so docker-compose.yml cannot be validated: "
            "apt-get install docker-compose"
        )
        if "CI" not in os.environ:
            pytest.skip(message)
        pytest.fail(message)
    result = run([docker_compose, "config", "-q"])
    assert result.returncode == 0, describe(result)
