"""Goal pages and saves at growing sizes: figures and ratios, no pass/fail.

Run: `make bench` (uses its own database, miiwrap_bench, created and migrated if needed).
Prints, for teams with 5 and 50 goals: SQL queries and median milliseconds of the
family portal and a goal page (the ratio should stay ~1: constant queries), and the
throughput of versioned goal saves, serial and from 4 threads on one goal.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miiwrap.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/miiwrap_bench")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from communities.models import (  # noqa: E402
    FamilyMember,
    FamilyTeam,
    Membership,
    Organization,
    Program,
    User,
)
from engagement.models import Goal, GoalStep  # noqa: E402
from engagement.services import GoalConflict, goal_create, goal_update  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]


def setup_team(size: int) -> tuple[User, FamilyTeam]:
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench Org"})
    program, _ = Program.objects.get_or_create(organization=org, name="Bench")
    family, _ = User.objects.get_or_create(email=f"family{size}@bench.example")
    Membership.objects.get_or_create(user=family, organization=org, defaults={"role": "family"})
    team, created = FamilyTeam.objects.get_or_create(program=program, name=f"Bench {size}")
    FamilyMember.objects.get_or_create(team=team, user=family)
    if created:
        for n in range(size):
            goal = goal_create(team=team, by=family, role="family", data={"statement": f"G{n}"})
            GoalStep.objects.bulk_create(GoalStep(goal=goal, what=f"s{i}") for i in range(3))
    return family, team


def measure(client: Client, url: str, runs: int = 15) -> tuple[int, float]:
    client.get(url)
    reset_queries()  # each request resets the log; start counting from zero
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return len(queries.captured_queries), statistics.median(times)


def saves_per_second(goal_id: int, user: User, threads: int, seconds: float = 2.0) -> tuple:
    applied = conflicts = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work() -> None:
        nonlocal applied, conflicts
        from django.db import connection as thread_connection

        n = 0
        while time.monotonic() < stop:
            version = Goal.objects.get(pk=goal_id).version
            try:
                goal_update(goal_id=goal_id, by=user, role="family",
                            data={"why_it_matters": f"{threading.get_ident()}-{n}"},
                            base_version=version)  # fmt: skip
                with lock:
                    applied += 1
            except GoalConflict:
                with lock:
                    conflicts += 1
            n += 1
        thread_connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return applied / seconds, conflicts / seconds


def main() -> None:
    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0)
    rows = {}
    for size in (5, 50):
        family, team = setup_team(size)
        client = Client()
        client.force_login(family)
        goal = team.goals.first()
        rows[size] = (measure(client, "/family/"), measure(client, f"/goals/{goal.pk}/"))
        print(f"{size:>3} goals: portal {rows[size][0][0]} queries {rows[size][0][1]:.1f} ms;"
              f" goal page {rows[size][1][0]} queries {rows[size][1][1]:.1f} ms")  # fmt: skip
    print(f"query ratio 50/5: portal {rows[50][0][0] / rows[5][0][0]:.2f},"
          f" goal page {rows[50][1][0] / rows[5][1][0]:.2f}")  # fmt: skip
    print(f"time ratio 50/5: portal {rows[50][0][1] / rows[5][0][1]:.2f},"
          f" goal page {rows[50][1][1] / rows[5][1][1]:.2f}")  # fmt: skip
    family, team = setup_team(5)
    goal = team.goals.first()
    serial, _ = saves_per_second(goal.pk, family, threads=1)
    contended, conflicts = saves_per_second(goal.pk, family, threads=4)
    print(f"goal saves: {serial:.0f}/s serial; {contended:.0f}/s applied + {conflicts:.0f}/s"
          f" conflicts from 4 threads on one goal")  # fmt: skip


if __name__ == "__main__":
    main()
