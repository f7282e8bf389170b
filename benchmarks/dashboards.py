"""The engagement dashboards on the scale data: figures and ratios, no pass/fail.

Run `make bench-dashboards` (loads `manage.py seed_scale` into its own database,
miiwrap_scale, if it is empty, then runs this). Prints, for the supervisor dashboard, the
facilitator dashboard, the admin dashboard (every team), a team drill-down and the CSV:
median and p95 server time over 30 requests through the Django test client and the
query count; the median of the best hand-written SQL computing the same figures from the
same tables (the daily rollup) and the ratio of the two; and the same figures computed
from the raw events and check-ins, to show what the rollup buys.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Server time as in production: DEBUG off (no query log, no debug templates). HTTPS
# redirects are off because the test client speaks plain HTTP; the key is throwaway.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["DEMO_MFA_WAIVER"] = "1"
os.environ["DJANGO_SETTINGS_MODULE"] = "miiwrap.settings"
os.environ["DATABASE_URL"] = os.environ.get(
    "SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/miiwrap_scale"
)

import django
from django.conf import settings

django.setup()
# Static files from the source folders (production serves the collected, hashed copies
# through WhiteNoise; the pages' work is the same).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
settings.ROOT_URLCONF = "benchmarks.floor_urls"
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities.models import FamilyTeam, Membership, User  # noqa: E402
from engagement import drift, measures  # noqa: E402
from engagement.measures import WINDOW_DAYS  # noqa: E402
from engagement.models import DailyRollup, DriftSignal, EngagementEvent  # noqa: E402
from engagement.rollups import TEAM_COLUMNS  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
RUNS = 30

# The figures of the supervisor dashboard, by hand: per team of the supervisor's programs,
# the window's sums per measure from the rollup, plus their facilitators' circle
# attendance and coded practice (what engagement.measures adds up).
ROLLUP_SQL = """
WITH scope AS (
    SELECT t.id FROM communities_familyteam t
    JOIN communities_membership_supervised_programs sp ON sp.program_id = t.program_id
    WHERE sp.membership_id = %(membership)s
)
SELECT r.team_id, sum(r.meetings), sum(r.meetings_with_family), sum(r.goal_edits),
       sum(r.family_goal_edits), sum(r.reflections), sum(r.agency_n), sum(r.agency_total),
       sum(r.relevance_n), sum(r.relevance_total), sum(r.partnership_n),
       sum(r.partnership_total)
FROM engagement_dailyrollup r JOIN scope ON scope.id = r.team_id
WHERE r.day BETWEEN %(start)s AND %(end)s
GROUP BY r.team_id
UNION ALL
SELECT f.familyteam_id, sum(r.circle_attended), sum(r.circle_missed), 0, 0, 0, 0, 0, 0, 0,
       0, 0
FROM communities_familyteam_facilitators f JOIN scope ON scope.id = f.familyteam_id
JOIN engagement_dailyrollup r ON r.person_id = f.user_id
WHERE r.day BETWEEN %(start)s AND %(end)s
GROUP BY f.familyteam_id
"""

# What the supervisor's dashboard page shows, by hand, from the same tables the page
# reads: the first 50 teams in program and name order with their window's sums (full
# weeks from the weekly rollup, the edge days from the daily one) and their
# facilitators' circle attendance and coded practice; the totals over all 640 teams and
# the 12-week trend from the program rollup; all facilitators' circle attendance and
# practice for the totals; the open drift signals per rule and how many were open at
# each week's end. One statement.
PAGE_SQL = (
    """
WITH scope AS (
    SELECT t.id, t.program_id, t.name, p.name AS program FROM communities_familyteam t
    JOIN communities_program p ON p.id = t.program_id
    JOIN communities_membership_supervised_programs sp ON sp.program_id = t.program_id
    WHERE sp.membership_id = %(membership)s
), page AS (
    SELECT id FROM scope ORDER BY program, name, id LIMIT 50
), people AS (
    SELECT DISTINCT f.familyteam_id, f.user_id FROM communities_familyteam_facilitators f
    WHERE f.familyteam_id IN (SELECT id FROM scope)
), team_rows AS (
    SELECT team_id, COLS FROM engagement_weeklyrollup
    WHERE team_id IN (SELECT id FROM page) AND week BETWEEN %(ws)s AND %(we)s
    UNION ALL
    SELECT team_id, COLS FROM engagement_dailyrollup
    WHERE team_id IN (SELECT id FROM page) AND day BETWEEN %(edge)s AND %(end)s
    UNION ALL
    SELECT team_id, COLS FROM engagement_dailyrollup
    WHERE team_id IN (SELECT id FROM page) AND day BETWEEN %(start)s AND %(head)s
), program_rows AS (
    SELECT start, span, COLS FROM engagement_programrollup
    WHERE program_id = ANY(ARRAY(SELECT DISTINCT program_id FROM scope)) AND span = 'week'
      AND start BETWEEN least(%(t0)s, %(ws)s) AND %(we)s
    UNION ALL
    SELECT start, span, COLS FROM engagement_programrollup
    WHERE program_id = ANY(ARRAY(SELECT DISTINCT program_id FROM scope)) AND span = 'day'
      AND (start BETWEEN %(edge)s AND %(end)s OR start BETWEEN %(start)s AND %(head)s)
)
SELECT 'team', team_id::text, SUMS FROM team_rows GROUP BY team_id
UNION ALL
SELECT 'week', (CASE WHEN span = 'week' THEN start ELSE %(edge)s END)::text, SUMS
FROM program_rows WHERE (span = 'week' AND start >= %(t0)s) OR start >= %(edge)s GROUP BY 2
UNION ALL
SELECT 'total', '', SUMS FROM program_rows WHERE span = 'day' OR start >= %(ws)s
UNION ALL
SELECT 'circles', r.person_id::text, sum(r.circle_attended), sum(r.circle_missed),
       0, 0, 0, 0, 0, 0, 0, 0, 0
FROM engagement_dailyrollup r
WHERE r.person_id = ANY(ARRAY(SELECT DISTINCT user_id FROM people))
  AND r.day BETWEEN %(start)s AND %(end)s GROUP BY r.person_id
UNION ALL
SELECT 'practice', o.facilitator_id::text, count(*), sum(o.question), sum(o.simple_reflection),
       sum(o.complex_reflection), 0, 0, 0, 0, 0, 0, 0
FROM reflections_practiceobservation o
WHERE o.facilitator_id = ANY(ARRAY(SELECT DISTINCT user_id FROM people))
  AND o.completed_at IS NOT NULL
  AND o.observed_on BETWEEN %(start)s AND %(end)s GROUP BY o.facilitator_id
UNION ALL
SELECT 'drift:' || s.rule, count(*) FILTER (WHERE s.resolved_at IS NULL)::text, WEEKS
FROM engagement_driftsignal s
WHERE s.organization_id = %(organization)s
  AND (s.program_id = ANY(ARRAY(SELECT DISTINCT program_id FROM scope))
       OR s.person_id = ANY(ARRAY(SELECT DISTINCT user_id FROM people)))
  AND (s.resolved_at IS NULL OR s.resolved_at >= %(week_end0)s)
GROUP BY s.rule
UNION ALL
SELECT 'count', count(*)::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM scope
""".replace("SUMS", ", ".join(f"sum({c})" for c in TEAM_COLUMNS))
    .replace("COLS", ", ".join(TEAM_COLUMNS))
    .replace(
        # How many were open at the end of each of the 12 weeks (the drift trend); the
        # 12th, this week, ends after now: its count is the open count the row has.
        "WEEKS",
        ", ".join(
            f"count(*) FILTER (WHERE s.opened_at < %(week_end{i})s"
            f" AND (s.resolved_at IS NULL OR s.resolved_at >= %(week_end{i})s))"
            for i in range(11)
        ),
    )
)

# The same figures from the raw tables: events and check-ins of the window.
RAW_SQL = """
WITH scope AS (
    SELECT t.id FROM communities_familyteam t
    JOIN communities_membership_supervised_programs sp ON sp.program_id = t.program_id
    WHERE sp.membership_id = %(membership)s
)
SELECT e.team_id, e.kind, e.actor_role, count(*)
FROM engagement_engagementevent e JOIN scope ON scope.id = e.team_id
WHERE e.occurred_at >= %(since)s
GROUP BY e.team_id, e.kind, e.actor_role
UNION ALL
SELECT tm.team_id, 'checkin', '', count(*) + coalesce(sum(c.agency), 0)
    + coalesce(sum(c.relevance), 0) + coalesce(sum(c.partnership), 0)
FROM engagement_meetingcheckin c JOIN communities_teammeeting tm ON tm.id = c.meeting_id
JOIN scope ON scope.id = tm.team_id
WHERE c.submitted_at >= %(since)s
GROUP BY tm.team_id
UNION ALL
SELECT f.familyteam_id, e.kind, '', count(*)
FROM communities_familyteam_facilitators f JOIN scope ON scope.id = f.familyteam_id
JOIN engagement_engagementevent e ON e.actor_id = f.user_id
WHERE e.kind IN ('circle_attended', 'circle_missed') AND e.occurred_at >= %(since)s
GROUP BY f.familyteam_id, e.kind
"""


def _client(email: str) -> Client:
    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    session = client.session
    # The CSV asks for the password again; the benchmark has just given it.
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": email, "reauthenticated": True}
    ]
    session.save()
    return client


def _time_page(client: Client, url: str) -> tuple[float, float, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    # Counted now: the log is a view of the connection's, which each request empties.
    count = len(queries)
    assert response.status_code == 200, (url, response.status_code, body[:300])
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], count


def _time_sql(sql: str, params: dict) -> float:
    timings = []
    with connection.cursor() as cursor:
        for _ in range(RUNS):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _drift_history() -> int:
    """Open and resolved drift signals as 12 weekly scans would have left them (once:
    seed_scale writes none), so the dashboard's drift card counts real rows."""
    if not DriftSignal.objects.exists():
        started = time.perf_counter()
        now = timezone.now()
        for weeks_ago in range(11, -1, -1):
            drift.scan(now=now - timedelta(weeks=weeks_ago), remind=False)
        print(f"12 weekly drift scans: {time.perf_counter() - started:.0f} s")
    return DriftSignal.objects.count()


def main() -> None:
    teams = FamilyTeam.objects.count()
    events = EngagementEvent.objects.count()
    if not teams:
        sys.exit("No scale data: run `python manage.py seed_scale` first (make bench-dashboards).")
    print(f"Scale data: {teams:,} teams, {events:,} events, "
          f"{DailyRollup.objects.count():,} rollup rows")  # fmt: skip
    print(f"{_drift_history():,} drift signals (open and resolved)")
    supervisor = Membership.objects.get(user__email="supervisor@scale.example")
    end = timezone.localdate()
    start = end - timedelta(days=WINDOW_DAYS - 1)
    weeks = measures.trend_weeks(end)
    plan, _ = measures._plan(start, end, weeks)
    zone = timezone.get_current_timezone()
    week_ends = {f"week_end{i}": datetime.combine(w + timedelta(days=7), time_of_day.min, zone)
                 for i, w in enumerate(weeks)}  # fmt: skip
    params = {"membership": supervisor.pk, "start": start, "end": end,
              "since": timezone.now() - timedelta(days=WINDOW_DAYS),
              "ws": plan["ws"], "we": plan["we"], "t0": plan["t0"],
              "edge": plan["we"] + timedelta(days=7),
              "head": plan["ws"] - timedelta(days=1),
              "organization": supervisor.organization_id, **week_ends}  # fmt: skip
    scope = FamilyTeam.objects.filter(
        program__in=supervisor.supervised_programs.values("pk")
    ).count()
    a_team = FamilyTeam.objects.filter(program__in=supervisor.supervised_programs.all()).first()

    sup = _client("supervisor@scale.example")
    admin = _client("admin@scale.example")
    pages = [
        ("signed-in empty page (the floor)", sup, "/benchmark/floor/"),
        (f"supervisor dashboard ({scope} teams)", sup, "/dashboard/"),
        ("supervisor dashboard, by facilitator", sup, "/dashboard/?group=facilitator"),
        ("team drill-down", sup, f"/dashboard/teams/{a_team.pk}/"),
        (f"CSV ({scope} rows)", sup, "/dashboard/export.csv"),
        ("facilitator dashboard", _client("facilitator@scale.example"), "/dashboard/"),
        (f"admin dashboard ({teams} teams)", admin, "/dashboard/"),
        (f"CSV ({teams} rows, admin)", admin, "/dashboard/export.csv"),
    ]
    page_ms = _time_sql(PAGE_SQL, params)
    rollup_ms = _time_sql(ROLLUP_SQL, params)
    raw_ms = _time_sql(RAW_SQL, params)
    print(f"\nhand-written SQL of the supervisor page's figures:        {page_ms:.1f} ms")
    print(f"every team's window from the daily rollup ({scope} teams):  {rollup_ms:.1f} ms")
    print(f"the same from the raw events and check-ins:               {raw_ms:.1f} ms "
          f"({raw_ms / rollup_ms:.1f}× the rollup)\n")  # fmt: skip
    print(f"{'page':44} {'median':>9} {'p95':>9} {'queries':>8} {'÷ SQL':>7} {'(−floor)':>9}")
    floor = 0.0
    for name, client, url in pages:
        median, p95, queries = _time_page(client, url)
        floor = floor or median
        print(f"{name:44} {median:7.1f}ms {p95:7.1f}ms {queries:8} {median / page_ms:7.2f} "
              f"{(median - floor) / page_ms:9.2f}")  # fmt: skip
    print(
        "\n÷ SQL: the page's median over the hand-written SQL's; (−floor): the same after "
        "taking off the floor (session, user, membership, middleware, layout)."
    )


if __name__ == "__main__":
    main()
