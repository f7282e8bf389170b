"""The daily rollup (team × day × measure, and person × day for circle attendance; the
measures are columns of one row per team or person and day),
computed from the raw events and check-ins by ONE set of SQL statements.

Three callers, one computation:
- `rollups_refresh` after each event or check-in, in the same transaction: recompute the
  rows of that team (or person) and day — inserts, rewrites and deletions alike;
- `rollups_repair` nightly: recompute the last 7 days (anything written around the
  signals, e.g. a bulk update);
- `rollups_rebuild`: everything (after loading data, e.g. seed_scale).

Days are dates in the server's time zone (settings.TIME_ZONE)."""

# The SQL is composed of constant fragments of this module only; every value is a query
# parameter. (S608 cannot tell the two apart.)
# ruff: noqa: S608

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from engagement.models import DailyRollup, ProgramRollup, WeeklyRollup

# The measures, as columns of engagement_dailyrollup: a team row's (all of them in the
# covering index daily_rollup_team_window, so a window of teams is an index-only scan)…
TEAM_COLUMNS = (
    "meetings", "meetings_with_family", "goal_edits", "family_goal_edits", "reflections",
    "agency_n", "agency_total", "relevance_n", "relevance_total", "partnership_n",
    "partnership_total",
)  # fmt: skip
# …and a person row's.
PERSON_COLUMNS = ("circle_attended", "circle_missed")
COLUMNS = TEAM_COLUMNS + PERSON_COLUMNS
PERSON_EVENT_KINDS = ("circle_attended", "circle_missed")
TEAM_EVENT_KINDS = (
    "meeting_held", "meeting_without_family", "goal_created", "goal_edited",
    "reflection_logged", "prompt_answered",
)  # fmt: skip

_DAY = "(({column}) AT TIME ZONE %(tz)s)::date"
# What each team event counts for (one row of 0s and 1s per event)…
_EVENT_COLUMNS = """
    (e.kind IN ('meeting_held', 'meeting_without_family'))::int,
    (e.kind = 'meeting_held')::int,
    (e.kind IN ('goal_created', 'goal_edited'))::int,
    (e.kind IN ('goal_created', 'goal_edited') AND e.actor_role = 'family')::int,
    (e.kind IN ('reflection_logged', 'prompt_answered'))::int,
    0, 0, 0, 0, 0, 0"""
# …and each answered check-in (a count and a sum per rating).
_CHECKIN_COLUMNS = """
    0, 0, 0, 0, 0,
    (c.agency IS NOT NULL)::int, coalesce(c.agency, 0),
    (c.relevance IS NOT NULL)::int, coalesce(c.relevance, 0),
    (c.partnership IS NOT NULL)::int, coalesce(c.partnership, 0)"""
_SUMS = ", ".join(f"sum({c})" for c in TEAM_COLUMNS)
_INSERT = (
    "INSERT INTO engagement_dailyrollup "
    f"(organization_id, team_id, person_id, day, {', '.join(COLUMNS)}) "
)


def _statements(scope: str, person_scope: str) -> list[str]:
    """INSERT … SELECT for the team rows (events and check-ins together) and the person
    rows. `scope` / `person_scope` add conditions (day range, team, person)."""
    event_day = _DAY.format(column="e.occurred_at")
    checkin_day = _DAY.format(column="c.submitted_at")
    derived = "team_id, day, " + ", ".join(TEAM_COLUMNS)
    return [
        _INSERT
        + f"""SELECT p.organization_id, x.team_id, NULL, x.day, {_SUMS}, 0, 0
              FROM (
                  SELECT e.team_id, {event_day} AS day, {_EVENT_COLUMNS}
                  FROM engagement_engagementevent e
                  WHERE e.team_id IS NOT NULL AND e.kind = ANY(%(team_kinds)s)
                    {scope.format(day=event_day, team="e.team_id")}
                  UNION ALL
                  SELECT tm.team_id, {checkin_day} AS day, {_CHECKIN_COLUMNS}
                  FROM engagement_meetingcheckin c
                  JOIN communities_teammeeting tm ON tm.id = c.meeting_id
                  WHERE c.submitted_at IS NOT NULL
                    {scope.format(day=checkin_day, team="tm.team_id")}
              ) AS x ({derived})
              JOIN communities_familyteam t ON t.id = x.team_id
              JOIN communities_program p ON p.id = t.program_id
              GROUP BY p.organization_id, x.team_id, x.day""",
        _INSERT
        + f"""SELECT e.organization_id, NULL, e.actor_id, {event_day} AS day,
                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                     count(*) FILTER (WHERE e.kind = 'circle_attended'),
                     count(*) FILTER (WHERE e.kind = 'circle_missed')
              FROM engagement_engagementevent e
              WHERE e.kind = ANY(%(person_kinds)s) AND e.actor_id IS NOT NULL
                AND e.organization_id IS NOT NULL
                {person_scope.format(day=event_day, person="e.actor_id")}
              GROUP BY e.organization_id, e.actor_id, day""",
    ]


# A date's Monday, in SQL (ISO weeks, as Python's date.weekday()).
MONDAY = "({day} - (extract(isodow FROM {day})::int - 1))"
_WEEKLY_INSERT = f"""
    INSERT INTO engagement_weeklyrollup
        (organization_id, team_id, week, {", ".join(TEAM_COLUMNS)})
    SELECT organization_id, team_id, {MONDAY.format(day="day")}, {_SUMS}
    FROM engagement_dailyrollup
    WHERE team_id IS NOT NULL {{scope}}
    GROUP BY organization_id, team_id, 3"""


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


_PROGRAM_COLUMNS = f"organization_id, program_id, span, start, {', '.join(TEAM_COLUMNS)}"
_PROGRAM_INSERTS = (
    f"""INSERT INTO engagement_programrollup ({_PROGRAM_COLUMNS})
        SELECT r.organization_id, t.program_id, 'day', r.day, {_SUMS}
        FROM engagement_dailyrollup r JOIN communities_familyteam t ON t.id = r.team_id
        WHERE TRUE {{days}}
        GROUP BY r.organization_id, t.program_id, r.day""",
    f"""INSERT INTO engagement_programrollup ({_PROGRAM_COLUMNS})
        SELECT r.organization_id, t.program_id, 'week', r.week, {_SUMS}
        FROM engagement_weeklyrollup r JOIN communities_familyteam t ON t.id = r.team_id
        WHERE TRUE {{weeks}}
        GROUP BY r.organization_id, t.program_id, r.week""",
)
# The program of the team being refreshed.
_PROGRAM_OF_TEAM = "(SELECT program_id FROM communities_familyteam WHERE id = %(team)s)"
# Advisory-lock namespaces: a program's rows (and its teams') are recomputed by one
# transaction at a time, so two events of one program on one day can't both insert
# its row; a person's likewise.
LOCK_PROGRAM, LOCK_PERSON = 7301, 7302


def _programs(cursor, *, scope: tuple[str, str, str] | None, params: dict) -> None:
    """Re-sum program rows from the team rows. `scope`: conditions on the program rows,
    the daily team rows (r.day, t.program_id) and the weekly ones (r.week); None: all."""
    rows, days, weeks = scope or ("", "", "")
    cursor.execute(f"DELETE FROM engagement_programrollup WHERE TRUE {rows}", params)
    for statement in _PROGRAM_INSERTS:
        cursor.execute(statement.format(days=days, weeks=weeks), params)


def _weeks(cursor, *, scope: tuple[str, str], params: dict) -> None:
    """Re-sum weekly rows from the daily rows, after those were recomputed. `scope`: the
    weekly rows' condition ("AND …" over team_id, week) and the same over the daily rows
    (team_id, day)."""
    weekly, daily = scope
    cursor.execute(f"DELETE FROM engagement_weeklyrollup WHERE TRUE {weekly}", params)
    cursor.execute(_WEEKLY_INSERT.format(scope=daily), params)


def _run(
    *, delete: tuple[str, dict], scope: str, person_scope: str, params: dict,
    weeks: tuple[str, str] | None = None, programs: tuple[str, str, str] | None = None,
    lock: tuple[int, str] | None = None,
) -> int:  # fmt: skip
    """Recompute the daily rows in scope, then (`weeks`: a scope over team_id and week)
    the weekly rows they add up to and (`programs`) the program rows. `lock`: an
    advisory lock (namespace, SQL of the key) held to the end of the transaction."""
    sql, delete_params = delete
    params = {
        "tz": settings.TIME_ZONE, "person_kinds": list(PERSON_EVENT_KINDS),
        "team_kinds": list(TEAM_EVENT_KINDS), **params,
    }  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        if lock is not None:
            namespace, key = lock
            cursor.execute(f"SELECT pg_advisory_xact_lock({namespace}, {key})", params)
        cursor.execute(sql, delete_params)
        written = 0
        for statement in _statements(scope, person_scope):
            cursor.execute(statement, params)
            written += cursor.rowcount
        if weeks is not None:
            _weeks(cursor, scope=weeks, params=params)
            _programs(cursor, scope=programs, params=params)
    return written


_deferred: ContextVar[bool] = ContextVar("rollups_deferred", default=False)


@contextmanager
def rollups_deferred():
    """A bulk load: no per-event refresh inside, one rebuild at the end (in the same
    transaction when the caller holds one)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)
    rollups_rebuild()


def rollups_refresh(*, day: date, team_id: int | None = None, person_id: int | None = None):
    """Recompute one team's (or one person's) rows of one day, in the caller's
    transaction: right for an inserted, rewritten or deleted event alike. Nothing inside
    `rollups_deferred`."""
    if _deferred.get():
        return
    if team_id is not None:
        _run(
            delete=(
                "DELETE FROM engagement_dailyrollup WHERE team_id = %s AND day = %s",
                [team_id, day],
            ),
            scope="AND {team} = %(team)s AND {day} = %(day)s",
            person_scope="AND FALSE",
            params={"team": team_id, "day": day, "week": monday(day)},
            weeks=(
                "AND team_id = %(team)s AND week = %(week)s",
                "AND team_id = %(team)s AND day BETWEEN %(week)s AND %(week)s + 6",
            ),
            programs=(
                f"AND program_id = {_PROGRAM_OF_TEAM} AND ((span = 'day' AND start = %(day)s)"
                " OR (span = 'week' AND start = %(week)s))",
                f"AND t.program_id = {_PROGRAM_OF_TEAM} AND r.day = %(day)s",
                f"AND t.program_id = {_PROGRAM_OF_TEAM} AND r.week = %(week)s",
            ),
            lock=(LOCK_PROGRAM, f"{_PROGRAM_OF_TEAM}::int"),
        )
    if person_id is not None:
        _run(
            delete=(
                "DELETE FROM engagement_dailyrollup WHERE person_id = %s AND day = %s",
                [person_id, day],
            ),
            scope="AND FALSE",
            person_scope="AND {person} = %(person)s AND {day} = %(day)s",
            params={"person": person_id, "day": day},
            lock=(LOCK_PERSON, "%(person)s::int"),
        )


def rollups_repair(*, days: int = 7, today: date | None = None) -> int:
    """Recompute every team and person row of the last `days` days and every program
    row (the nightly repair)."""
    since = (today or timezone.localdate()) - timedelta(days=days - 1)
    return _run(
        delete=("DELETE FROM engagement_dailyrollup WHERE day >= %s", [since]),
        scope="AND {day} >= %(since)s",
        person_scope="AND {day} >= %(since)s",
        params={"since": since, "week": monday(since)},
        weeks=("AND week >= %(week)s", "AND day >= %(week)s"),
    )


def rollups_rebuild() -> int:
    """Recompute everything (after a bulk load). Returns the number of rows."""
    return _run(
        delete=("DELETE FROM engagement_dailyrollup", []),
        scope="",
        person_scope="",
        params={},
        weeks=("", ""),
    )


def rollup_snapshot() -> list[tuple]:
    """The rollup, daily and weekly rows, as comparable rows (tests and the repair's
    check)."""
    daily = DailyRollup.objects.values_list(
        "organization_id", "team_id", "person_id", "day", *COLUMNS
    )
    weekly = WeeklyRollup.objects.values_list("organization_id", "team_id", "week", *TEAM_COLUMNS)
    programs = ProgramRollup.objects.values_list(
        "organization_id", "program_id", "span", "start", *TEAM_COLUMNS
    )
    return (
        sorted(daily, key=str)
        + [("week", *row) for row in sorted(weekly, key=str)]
        + [("program", *row) for row in sorted(programs, key=str)]
    )
