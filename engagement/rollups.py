"""The daily rollup (team × day × measure, and person × day for circle attendance),
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

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from engagement.models import DailyRollup

# Which event kinds count for which team measure (and, for family goal edits, whose).
TEAM_EVENT_MEASURES = """(VALUES
    ('meeting_held', 'meetings', NULL),
    ('meeting_without_family', 'meetings', NULL),
    ('meeting_held', 'meetings_with_family', NULL),
    ('goal_created', 'goal_edits', NULL),
    ('goal_edited', 'goal_edits', NULL),
    ('goal_created', 'family_goal_edits', 'family'),
    ('goal_edited', 'family_goal_edits', 'family'),
    ('reflection_logged', 'reflections', NULL),
    ('prompt_answered', 'reflections', NULL)
) AS m(kind, measure, role)"""
PERSON_EVENT_KINDS = ("circle_attended", "circle_missed")

_DAY = "(({column}) AT TIME ZONE %(tz)s)::date"


def _statements(scope: str, person_scope: str) -> list[str]:
    """INSERT … SELECT for the team measures from events, the check-in ratings, and the
    person measures. `scope` / `person_scope` add conditions (day range, team, person)."""
    event_day = _DAY.format(column="e.occurred_at")
    checkin_day = _DAY.format(column="c.submitted_at")
    insert = (
        "INSERT INTO engagement_dailyrollup "
        "(organization_id, team_id, person_id, day, measure, n, total) "
    )
    return [
        insert
        + f"""SELECT p.organization_id, e.team_id, NULL, {event_day} AS day, m.measure,
                    count(*), 0
              FROM engagement_engagementevent e
              JOIN {TEAM_EVENT_MEASURES}
                ON m.kind = e.kind AND (m.role IS NULL OR m.role = e.actor_role)
              JOIN communities_familyteam t ON t.id = e.team_id
              JOIN communities_program p ON p.id = t.program_id
              WHERE e.team_id IS NOT NULL {scope.format(day=event_day, team="e.team_id")}
              GROUP BY p.organization_id, e.team_id, day, m.measure""",
        insert
        + f"""SELECT p.organization_id, t.id, NULL, {checkin_day} AS day, r.measure,
                    count(r.rating), coalesce(sum(r.rating), 0)
              FROM engagement_meetingcheckin c
              JOIN communities_teammeeting tm ON tm.id = c.meeting_id
              JOIN communities_familyteam t ON t.id = tm.team_id
              JOIN communities_program p ON p.id = t.program_id
              CROSS JOIN LATERAL (VALUES ('agency', c.agency), ('relevance', c.relevance),
                                         ('partnership', c.partnership)) AS r(measure, rating)
              WHERE c.submitted_at IS NOT NULL AND r.rating IS NOT NULL
                {scope.format(day=checkin_day, team="t.id")}
              GROUP BY p.organization_id, t.id, day, r.measure""",
        insert
        + f"""SELECT e.organization_id, NULL, e.actor_id, {event_day} AS day, e.kind,
                    count(*), 0
              FROM engagement_engagementevent e
              WHERE e.kind = ANY(%(person_kinds)s) AND e.actor_id IS NOT NULL
                AND e.organization_id IS NOT NULL
                {person_scope.format(day=event_day, person="e.actor_id")}
              GROUP BY e.organization_id, e.actor_id, day, e.kind""",
    ]


def _run(*, delete: tuple[str, dict], scope: str, person_scope: str, params: dict) -> int:
    sql, delete_params = delete
    params = {"tz": settings.TIME_ZONE, "person_kinds": list(PERSON_EVENT_KINDS), **params}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, delete_params)
        written = 0
        for statement in _statements(scope, person_scope):
            cursor.execute(statement, params)
            written += cursor.rowcount
    return written


def rollups_refresh(*, day: date, team_id: int | None = None, person_id: int | None = None):
    """Recompute one team's (or one person's) rows of one day, in the caller's
    transaction: right for an inserted, rewritten or deleted event alike."""
    if team_id is not None:
        _run(
            delete=(
                "DELETE FROM engagement_dailyrollup WHERE team_id = %s AND day = %s",
                [team_id, day],
            ),
            scope="AND {team} = %(team)s AND {day} = %(day)s",
            person_scope="AND FALSE",
            params={"team": team_id, "day": day},
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
        )


def rollups_repair(*, days: int = 7, today: date | None = None) -> int:
    """Recompute every row of the last `days` days (the nightly repair)."""
    since = (today or timezone.localdate()) - timedelta(days=days - 1)
    return _run(
        delete=("DELETE FROM engagement_dailyrollup WHERE day >= %s", [since]),
        scope="AND {day} >= %(since)s",
        person_scope="AND {day} >= %(since)s",
        params={"since": since},
    )


def rollups_rebuild() -> int:
    """Recompute everything (after a bulk load). Returns the number of rows."""
    return _run(
        delete=("DELETE FROM engagement_dailyrollup", []),
        scope="",
        person_scope="",
        params={},
    )


def rollup_snapshot() -> list[tuple]:
    """The rollup as comparable rows (tests and the repair's check)."""
    return sorted(
        DailyRollup.objects.values_list(
            "organization_id", "team_id", "person_id", "day", "measure", "n", "total"
        )
    )
