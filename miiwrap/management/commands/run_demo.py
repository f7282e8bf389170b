"""`make demo`: prepare and run web, Celery worker and Celery beat together until Ctrl-C.

The demo runs the production settings (DEBUG off), so visitors see our own error pages
in their language, never Django's debug pages, made to work over plain http on this
machine. Its secret key is generated on the first run into a git-ignored file and
reused afterwards: demo links (check-ins, invitations) cannot be forged with a key
published in the source.

This command itself only prepares the environment and supervises; every step runs in
a child process with the demo environment. (`make demo` starts it with DEBUG=1 only so
that this supervisor can load settings before the key exists.)
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

DEMO_KEY_FILE = Path(settings.BASE_DIR) / ".demo-secret-key"
CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


def demo_secret_key(path: Path = DEMO_KEY_FILE) -> str:
    """The demo's secret key: created (readable by its owner only) when missing, then
    reused, so sessions and links survive a restart."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty: delete it and a new key is made.") from None
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text().strip()


def demo_environment(*, addr: str, key_file: Path = DEMO_KEY_FILE) -> dict[str, str]:
    """The process environment of every demo step: production settings over plain http
    on this machine, emails printed to the terminal, demo accounts spared the MFA
    requirement. Everything else (DATABASE_URL, REDIS_URL...) as exported."""
    host = addr.rsplit(":", 1)[0]
    environment = os.environ.copy()
    environment.update(
        DEBUG="0",
        SECRET_KEY=demo_secret_key(key_file),
        ALLOWED_HOSTS=",".join(dict.fromkeys([host, "127.0.0.1", "localhost"])),
        SITE_URL=f"http://{addr}",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        EMAIL_BACKEND=CONSOLE_EMAIL,
        DEMO_MFA_WAIVER="1",
    )
    return environment


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Migrate, seed and run the demo: development web server, a Celery worker and "
        "Celery beat, with production settings over plain http."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options):
        python = sys.executable
        environment = demo_environment(addr=addr)

        def manage(*arguments: str, check: bool = True) -> None:
            subprocess.run(  # noqa: S603
                [python, "manage.py", *arguments], env=environment, check=check
            )

        manage("migrate", "--no-input")
        # Without gettext's msgfmt the committed .mo files are used as they are.
        manage("compilemessages", "--ignore=.venv", "--verbosity=0", check=False)
        # DEBUG is off: WhiteNoise serves the collected files, as in production.
        manage("collectstatic", "--no-input", "--verbosity=0")
        # --force: seed_demo refuses DEBUG off (published passwords) unless told that
        # this is a throwaway demo, which `make demo` on this machine is.
        manage("seed_demo", "--force")
        self.stdout.write(
            f"\nMiiWrap is running at http://{addr}/  (Ctrl-C stops web, worker and beat)\n"
        )

        commands = {
            "worker": [python, "-m", "celery", "-A", "miiwrap", "worker", "-l", "info",
                       "--concurrency", "2"],
            "beat": [python, "-m", "celery", "-A", "miiwrap", "beat", "-l", "info"],
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
        }  # fmt: skip
        # SIGTERM (a `kill`) stops the children too, as Ctrl-C does: none is left behind.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        processes = {
            name: subprocess.Popen(command, env=environment)  # noqa: S603
            for name, command in commands.items()
        }
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the others.")
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
