"""Scale data for the dashboards' benchmark (issue 11): one state-wide organisation with
2,000 family teams, 10,000 people and two years of history, 2,000,000 engagement events.

It loads into a database of its own (SCALE_DATABASE_URL, never the app's or the tests'),
created when missing and migrated. Rows are made by the database itself with
`INSERT … SELECT … FROM generate_series(…)` and `random()`: one statement per table, no
row crosses the wire, which is what loads the defaults in well under five minutes on two
cores (the ORM, row by row, would take hours; COPY would still ship every row from Python).

How well a program works is a random draw per program (some do well, some drift, and the
drifting ones get worse over the last six months); each team varies around its program.
Family presence, who sets the agenda, check-in ratings, who writes and edits goals,
reflection cadence and circle attendance all follow that quality at the time.
"""

from __future__ import annotations

import importlib
import math
import os
import random
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from psycopg import sql

from miiwrap.settings import database_from_url

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/miiwrap_scale"
SCALE_PASSWORD = "miiwrap-scale"
ADMIN_EMAIL = "admin@scale.example"
SUPERVISOR_EMAIL = "supervisor@scale.example"
FACILITATOR_EMAIL = "facilitator@scale.example"
# How many programs the benchmark's supervisor oversees (about 640 of 2,000 teams).
BENCHMARK_PROGRAMS = 8

DEFAULTS = {
    "teams": 2000,
    "users": 10000,
    "events": 2_000_000,
    "reflections": 100_000,
    "goals": 20_000,
    "revisions": 200_000,
    "checkins": 50_000,
}
SMALL = {
    "teams": 12,
    "users": 60,
    "events": 5000,
    "reflections": 200,
    "goals": 40,
    "revisions": 400,
    "checkins": 300,
}

# The settings of a connection that name the database; the rest (OPTIONS, TIME_ZONE,
# TEST, …) stay as the project configured them.
CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")

# What this command loads, parents first (the counts in the summary follow this order).
TABLES = (
    "communities_organization",
    "communities_program",
    "communities_user",
    "account_emailaddress",
    "communities_membership",
    "communities_membership_supervised_programs",
    "communities_familyteam",
    "communities_familyteam_facilitators",
    "communities_familymember",
    "communities_teammeeting",
    "communities_teammeeting_attendees",
    "engagement_meetingcheckin",
    "engagement_goal",
    "engagement_goalrevision",
    "reflections_reflection",
    "engagement_engagementevent",
)

REGIONS = [
    "Northern Plains", "Lakeshore", "River Valley", "Capital", "Prairie", "Pinewood",
    "Bluff County", "Harbor", "Sandhills", "Mesa", "Red Rock", "Cedar", "Three Rivers",
    "Highland", "Southern Tier", "Crossroads", "Meadowbrook", "Iron Range", "Coastal",
    "Foothills", "Big Bend", "Twin Lakes", "Riverside", "Northwoods", "Delta",
]  # fmt: skip
FIRST_NAMES = [
    "Ana", "Luis", "Grace", "Tom", "Mei", "Omar", "Rosa", "Jayden", "Priya", "Sam",
    "Dana", "Kofi", "Lena", "Marco", "Aisha", "Ben", "Carmen", "Dev", "Elena", "Femi",
    "Gabe", "Hana", "Ivan", "June", "Kai", "Lupe", "Maya", "Nadia", "Owen", "Paz",
]  # fmt: skip
LAST_NAMES = [
    "Rivera", "Nguyen", "Johnson", "Begay", "Hernández", "Walker", "Kowalski", "Ali",
    "Thompson", "García", "Lee", "Martin", "Okafor", "Brooks", "Shah", "Ortiz", "Kim",
    "Yazzie", "Novak", "Diallo", "Cohen", "Silva", "Park", "Morales", "Clark", "Haddad",
    "Rossi", "Tanaka", "Lopez", "Evans", "Mendoza", "Schmidt",
]  # fmt: skip
# Goal statements in a family's own words, and the staff wording that drifts in.
FAMILY_GOALS = [
    ("We want mornings without yelling so Jayden gets to school on time.",
     "Mornings set the tone for the whole day.", "Jayden loves music; Grandma lives close."),
    ("Keep our apartment and have a quiet place for homework.",
     "Moving again would mean a new school.", "We have kept up rent for three months."),
    ("Ana wants to join the soccer team again.",
     "Soccer is where she feels strong.", "Her coach believes in her."),
    ("Find a counsellor who speaks Spanish for Mom.",
     "Talking in my own language helps me heal.", "Our church knows people."),
    ("Eat dinner together three nights a week.",
     "That's when we actually talk.", "Dad is a great cook."),
    ("Get my driver's licence so I can get to work.",
     "Work means money and freedom.", "I passed the written test already."),
    ("Queremos que los niños duerman en casa todas las noches.",
     "La familia unida nos da fuerza.", "La abuela nos ayuda cada semana."),
    ("I want to stay in my school until I graduate.",
     "My friends and my art teacher are there.", "I never miss art class."),
]  # fmt: skip
STAFF_GOALS = [
    ("Improve school attendance to 90 percent.", "", ""),
    ("Reduce behavioural incidents at home.", "", "Youth is engaged with services."),
    ("Caregiver will comply with the service plan.", "", ""),
    ("Maintain placement stability for six months.", "Placement disruption risk.", ""),
]  # fmt: skip
SET_ASIDE_REASONS = [
    "We chose to focus on housing first.",
    "This stopped mattering once Jayden changed schools.",
    "The family decided to try something else.",
]
CHANGED_FIELDS = [
    '["statement"]', '["why_it_matters"]', '["strengths"]', '["statement", "why_it_matters"]',
    '["strengths", "why_it_matters"]', '["status"]',
]  # fmt: skip
WORKED = [
    "Rosa led the agenda and the team followed her lead.",
    "I reflected more than I asked and the family opened up about mornings.",
    "Grandma joined by phone and offered Tuesdays.",
    "We started with strengths and the youth spoke first.",
    "La familia eligió el tema y todos escucharon.",
    "The plan used the family's own words for the first time.",
]
DRIFTED = [
    "I filled silences with questions instead of reflections.",
    "The school's agenda took over the first half hour.",
    "I wrote the goal myself to save time.",
    "We met without the family because of scheduling.",
    "",
]
TRY_NEXT = [
    "Ask the family to set the agenda before the meeting.",
    "Two reflections for every question.",
    "Invite the natural supports the family named.",
    "Send the plan home in Spanish.",
    "Hold the meeting at the family's home at a time that suits them.",
]
ANSWERS = [
    "I noticed I talk more when I feel behind; next time I will pause.",
    "The family's words changed the plan more than mine did this week.",
    "A complex reflection landed well: the father nodded and kept going.",
    "Me di cuenta de que escuchar primero cambia toda la reunión.",
]
CHECKIN_WORDS = ["heard", "rushed", "hopeful", "tired", "respected", "confusing", "escuchados"]
PRINCIPLES = [
    "family_voice", "team_based", "natural_supports", "collaboration", "community_based",
    "culturally_competent", "individualised", "strengths_based", "persistence",
    "outcome_based",
]  # fmt: skip


def scale_database_url() -> str:
    return os.environ.get("SCALE_DATABASE_URL") or DEFAULT_URL


def database_create_if_missing(target: dict[str, Any]) -> bool:
    """Create the database named in `target` (a DATABASES entry) through the server's
    `postgres` database. Returns whether it was created."""
    params = {
        "dbname": "postgres",
        "user": target["USER"] or None,
        "password": target["PASSWORD"] or None,
        "host": target["HOST"] or None,
        "port": target["PORT"] or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [target["NAME"]]
        ).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target["NAME"])))
        return True


@contextmanager
def default_database(target: dict[str, Any]) -> Iterator[None]:
    """Point Django's default connection at `target` for the block, then back.

    The connection wrapper keeps a reference to its settings dict (the same object as
    settings.DATABASES["default"]), so the dict is updated in place: replacing the entry
    in `connections.databases` would not reach a wrapper that already exists. The
    connection is closed before the switch so no query can reach the previous database
    through an open socket, and again after, so the caller (a test process) reconnects
    to its own database."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        raise CommandError("seed_scale cannot switch databases inside a transaction.")
    original = {key: connection.settings_dict[key] for key in CONNECTION_KEYS}
    connection.close()
    connection.settings_dict.update({key: target[key] for key in CONNECTION_KEYS})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(original)


class Command(BaseCommand):
    help = (
        "Load benchmark-scale data (2,000 teams, 2 million events by default) into a "
        "database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url",
            default=None,
            help=f"Where to load (default: $SCALE_DATABASE_URL or {DEFAULT_URL}).",
        )
        for name, value in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, default=None, help=f"default {value:,}")
        parser.add_argument("--years", type=int, default=2, help="history length (default 2)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--small",
            action="store_true",
            help="A small preset for tests: 12 teams, 60 users, 5,000 events.",
        )
        parser.add_argument("--force", action="store_true", help="Empty the loaded tables first.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only when the database holds no data yet; otherwise do nothing.",
        )
        parser.add_argument(
            "--supervisor-email",
            default=SUPERVISOR_EMAIL,
            help=f"The benchmark supervisor's login (default {SUPERVISOR_EMAIL}).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_scale creates accounts with a published password, so it refuses to "
                "run with DEBUG off."
            )
        sizes = dict(SMALL if options["small"] else DEFAULTS)
        sizes.update({name: options[name] for name in DEFAULTS if options[name] is not None})
        sizes["years"] = options["years"]
        if min(sizes.values()) < 1:
            raise CommandError("Every size must be at least 1.")
        plan = Plan(sizes, seed=options["seed"], supervisor_email=options["supervisor_email"])

        url = options["database_url"] or scale_database_url()
        target = database_from_url(url)
        app_database = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
        if target["NAME"] == app_database:
            raise CommandError(
                f"{url} is the app's own database: seed_scale loads only into a database "
                f"of its own (SCALE_DATABASE_URL)."
            )
        if database_create_if_missing(target):
            self.stdout.write(f"Created database {target['NAME']}.")

        started = clock.monotonic()
        with default_database(target):
            self.load(plan, target["NAME"], force=options["force"], if_empty=options["if_empty"])
        self.stdout.write(self.style.SUCCESS(f"Total {clock.monotonic() - started:.1f} s."))
        self.stdout.write(
            f"Logins (password {SCALE_PASSWORD!r}; set DEMO_MFA_WAIVER=1 to skip MFA):\n"
            f"  supervisor {plan.supervisor_email} "
            f"({min(BENCHMARK_PROGRAMS, plan.programs)} programs)\n"
            f"  facilitator {FACILITATOR_EMAIL}\n"
            f"  admin {ADMIN_EMAIL}\n"
            f"--supervisor-email {plan.supervisor_email}"
        )

    def load(self, plan: Plan, name: str, *, force: bool, if_empty: bool = False) -> None:
        step = clock.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Migrated {name} in {clock.monotonic() - step:.1f} s.")
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            if force:
                self.empty(cursor)
            else:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM communities_user) "
                    "OR EXISTS (SELECT 1 FROM engagement_engagementevent)"
                )
                holds_data = cursor.fetchone()[0]
                if holds_data and if_empty:
                    self.stdout.write(f"{name} already holds data: nothing loaded.")
                    return
                if holds_data:
                    raise CommandError(
                        f"{name} already holds data; use --force to empty the loaded tables."
                    )
            with transaction.atomic():
                # Foreign keys are checked per statement (they are deferred by default),
                # so each table's time includes its checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SELECT setseed(%s)", [plan.sql_seed])
                for table, statements in plan.steps():
                    self.timed(cursor, table, statements)
                self.sequences_reset(cursor)
        self.rollups_rebuild()
        step = clock.monotonic()
        with connection.cursor() as cursor:
            # VACUUM as autovacuum would after a load: it sets the visibility map, so
            # the rollups' covering indexes are read without visiting the table.
            cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"VACUUM ANALYZE in {clock.monotonic() - step:.1f} s.")
        self.summary()

    def empty(self, cursor) -> None:
        """Empty the loaded tables. CASCADE also empties what refers to them (audit
        entries, messages, rollups, … of earlier runs) — and the prompt library, whose
        prompts may name their author — so the library is loaded again."""
        step = clock.monotonic()
        cursor.execute(
            "TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"  # constants
        )
        from reflections.prompts import prompt_library_load

        prompt_library_load()
        self.stdout.write(f"Emptied the loaded tables in {clock.monotonic() - step:.1f} s.")

    def timed(self, cursor, table: str, statements: list[tuple[str, dict]]) -> None:
        step = clock.monotonic()
        for statement, params in statements:
            cursor.execute(statement, params)
        took = clock.monotonic() - step
        if table in TABLES:
            cursor.execute("SELECT count(*) FROM " + table)  # noqa: S608 (constants)
            self.stdout.write(f"  {table:44} {cursor.fetchone()[0]:>10,} rows {took:7.1f} s")
        else:
            self.stdout.write(f"  {table:44} {'':>10}      {took:7.1f} s")

    def sequences_reset(self, cursor) -> None:
        """Rows were given their ids: move each identity past them."""
        for table in TABLES:
            cursor.execute(
                # The table names are this module's constants.
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                "coalesce((SELECT max(id) FROM " + table + "), 0) + 1, false)",
                [table],
            )

    def rollups_rebuild(self) -> None:
        try:
            rollups = importlib.import_module("engagement.rollups")
        except ModuleNotFoundError:
            rollups = None
        rebuild = getattr(rollups, "rollups_rebuild", None)
        if rebuild is None:
            self.stdout.write(self.style.WARNING("rollups not built: engagement.rollups missing"))
            return
        step = clock.monotonic()
        rows = rebuild()
        self.stdout.write(
            f"  {'engagement_dailyrollup (rollups_rebuild)':44} {rows or 0:>10,} rows "
            f"{clock.monotonic() - step:7.1f} s"
        )

    def summary(self) -> None:
        self.stdout.write("Rows:")
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            for table in TABLES:
                cursor.execute("SELECT count(*) FROM " + table)  # noqa: S608 (constants)
                self.stdout.write(f"  {table:44} {cursor.fetchone()[0]:>10,}")
            cursor.execute(
                "SELECT kind, count(*) FROM engagement_engagementevent "
                "GROUP BY kind ORDER BY 2 DESC"
            )
            self.stdout.write("Engagement events by kind:")
            for kind, count in cursor.fetchall():
                self.stdout.write(f"  {kind:44} {count:>10,}")
            cursor.execute(
                "SELECT count(*) FILTER (WHERE submitted_at IS NOT NULL), "
                "count(*) FILTER (WHERE submitted_at IS NULL) FROM engagement_meetingcheckin"
            )
            answered, unanswered = cursor.fetchone()
            self.stdout.write(
                f"Meeting check-ins: {answered:,} answered, {unanswered:,} asked, not answered."
            )


class Plan:
    """The sizes, the people's id ranges and the SQL that makes each table."""

    def __init__(self, sizes: dict[str, int], *, seed: int, supervisor_email: str):
        self.sizes = sizes
        self.supervisor_email = supervisor_email.lower()
        rng = random.Random(seed)
        self.sql_seed = rng.uniform(-1, 1)
        teams = sizes["teams"]
        self.programs = max(3, min(len(REGIONS), round(teams / 80)))
        self.facilitators = max(self.programs, math.ceil(teams / 5))
        # Supervisors each oversee one to three programs; together, all of them.
        self.groups: list[list[int]] = []
        program_ids = list(range(1, self.programs + 1))
        while program_ids:
            size = rng.choice([1, 2, 2, 3])
            self.groups.append(program_ids[:size])
            program_ids = program_ids[size:]
        # Ids: 1 the admin, 2 the benchmark supervisor, then supervisors, facilitators
        # (the first is facilitator@scale.example) and family members.
        self.supervisor_base = 3
        self.facilitator_base = self.supervisor_base + len(self.groups)
        self.family_base = self.facilitator_base + self.facilitators
        self.family = sizes["users"] - (self.family_base - 1)
        if self.family < teams:
            raise CommandError(
                f"--users {sizes['users']} is too few: {self.family_base - 1} staff and at "
                f"least one family member for each of {teams} teams."
            )
        # Program quality: doing well, middling, drifting (worse over the last six
        # months), in a pattern so that any eight programs hold each kind.
        self.quality: list[tuple[int, float, float]] = []
        for program in range(1, self.programs + 1):
            kind = (program - 1) % 4
            if kind == 0 or (kind == 3 and rng.random() < 0.5):
                quality, drift = rng.uniform(0.78, 0.95), 0.0
            elif kind == 2:
                quality, drift = rng.uniform(0.35, 0.55), rng.uniform(0.2, 0.35)
            else:
                quality, drift = rng.uniform(0.55, 0.75), rng.choice([0.0, 0.0, 0.1])
            self.quality.append((program, quality, drift))
        self.today = timezone.localdate()
        self.window_start = self.today - timedelta(days=365 * sizes["years"])
        hashed = make_password(SCALE_PASSWORD)
        self.params: dict[str, Any] = {
            "teams": teams,
            "users": sizes["users"],
            "programs": self.programs,
            "facilitators": self.facilitators,
            "supervisor_base": self.supervisor_base,
            "facilitator_base": self.facilitator_base,
            "family_base": self.family_base,
            "family": self.family,
            "today": self.today,
            "window_start": self.window_start,
            "span": (self.today - self.window_start).days,
            "tz": settings.TIME_ZONE,
            "hashed": hashed,
            "admin_email": ADMIN_EMAIL,
            "supervisor_email": self.supervisor_email,
            "facilitator_email": FACILITATOR_EMAIL,
            "first_names": FIRST_NAMES,
            "last_names": LAST_NAMES,
            "regions": REGIONS,
            "benchmark_programs": min(BENCHMARK_PROGRAMS, self.programs),
            "group_supervisors": [
                self.supervisor_base + index
                for index, group in enumerate(self.groups)
                for _ in group
            ],
            "group_programs": [program for group in self.groups for program in group],
            "program_ids": [program for program, _, _ in self.quality],
            "program_quality": [quality for _, quality, _ in self.quality],
            "program_drift": [drift for _, _, drift in self.quality],
            "goals": sizes["goals"],
            "edits": max(0, sizes["revisions"] - sizes["goals"]),
            "checkins": sizes["checkins"],
            "reflections": sizes["reflections"],
            "events": sizes["events"],
            "weeks": sizes["years"] * 52,
            "family_goals": [g[0] for g in FAMILY_GOALS],
            "family_whys": [g[1] for g in FAMILY_GOALS],
            "family_strengths": [g[2] for g in FAMILY_GOALS],
            "staff_goals": [g[0] for g in STAFF_GOALS],
            "staff_whys": [g[1] for g in STAFF_GOALS],
            "staff_strengths": [g[2] for g in STAFF_GOALS],
            "set_aside_reasons": SET_ASIDE_REASONS,
            "changed_fields": CHANGED_FIELDS,
            "worked": WORKED,
            "drifted": DRIFTED,
            "try_next": TRY_NEXT,
            "answers": ANSWERS,
            "checkin_words": CHECKIN_WORDS,
            "principles": PRINCIPLES,
        }

    def steps(self) -> Iterator[tuple[str, list[tuple[str, dict]]]]:
        p = self.params
        yield "(working tables)", [(statement, p) for statement in WORKING_TABLES]
        for table, statements in LOAD:
            yield table, [(statement, p) for statement in statements]


# --- the SQL ----------------------------------------------------------------------------
# Temporary tables (scale_*) and one temporary function hold the plan while loading; they
# vanish with the session. `%` is never used as an operator here (mod() instead) because
# the statements carry %(name)s parameters.

WORKING_TABLES = [
    # The i-th of some words, round and round.
    """
    CREATE FUNCTION pg_temp.pick(words text[], i bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT words[1 + mod(i, cardinality(words))::int] $$
    """,
    # How well a team does on `day`: its quality, minus its program's drift over the
    # last 180 days.
    """
    CREATE FUNCTION pg_temp.q_at(quality float8, drift float8, day date, today date)
    RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
        SELECT least(0.98, greatest(0.02,
            quality - drift * greatest(0, day - (today - 180))::float8 / 180))
    $$
    """,
    """
    CREATE TEMP TABLE scale_program AS
    SELECT unnest(%(program_ids)s::int[]) AS id,
           unnest(%(program_quality)s::float8[]) AS quality,
           unnest(%(program_drift)s::float8[]) AS drift
    """,
    # Teams: facilitator i works in program (i mod programs) + 1; a team runs 12 to 24
    # months, opened up to six months before the window (so it starts with open teams).
    """
    CREATE TEMP TABLE scale_team AS
    WITH base AS (
        SELECT t AS id,
               mod(t - 1, %(facilitators)s) AS fi,
               (%(today)s::date - 1 - floor(random() * (%(span)s + 180))::int) AS opened_on,
               365 + floor(random() * 366)::int AS planned_days,
               random() AS noise,
               random() AS cadence
        FROM generate_series(1, %(teams)s) t
    )
    SELECT b.id,
           b.fi,
           %(facilitator_base)s + b.fi AS facilitator_id,
           p.id AS program_id,
           %(family_base)s + b.id - 1 AS caregiver_id,
           least(0.97, greatest(0.05, p.quality + (b.noise - 0.5) * 0.3)) AS quality,
           p.drift,
           b.opened_on,
           b.planned_days,
           CASE WHEN b.opened_on + b.planned_days < %(today)s::date
                THEN b.opened_on + b.planned_days END AS closed_on,
           greatest(b.opened_on, %(window_start)s::date) AS start_day,
           least(b.opened_on + b.planned_days, %(today)s::date - 1) AS end_day,
           12 + floor(b.cadence * 5)::int
              + round((1 - least(0.97, greatest(0.05, p.quality + (b.noise - 0.5) * 0.3)))
                      * 8)::int AS every
    FROM base b JOIN scale_program p ON p.id = mod(b.fi, %(programs)s) + 1
    """,
    "ALTER TABLE scale_team ADD PRIMARY KEY (id)",
    # Meetings every 12 to 24 days (less often in weaker teams), ids in date order per team.
    """
    CREATE TEMP TABLE scale_meeting AS
    SELECT row_number() OVER (ORDER BY held_on, team_id) AS id, *
    FROM (
        SELECT t.id AS team_id, t.facilitator_id, t.caregiver_id,
               least(t.end_day, t.start_day + 3 + mod(t.id, 7) + k * t.every
                     + floor(random() * 3)::int - 1) AS held_on,
               t.quality, t.drift
        FROM scale_team t,
             generate_series(0, greatest(-1, (t.end_day - t.start_day - 4) / t.every)) k
    ) m
    """,
    "ALTER TABLE scale_meeting ADD COLUMN q float8, ADD COLUMN family_present boolean",
    """
    UPDATE scale_meeting SET q = pg_temp.q_at(quality, drift, held_on, %(today)s::date)
    """,
    "UPDATE scale_meeting SET family_present = random() < 0.3 + 0.68 * q",
    "ALTER TABLE scale_meeting ADD PRIMARY KEY (id)",
]

LOAD: list[tuple[str, list[str]]] = [
    (
        "communities_organization",
        [
            """
            INSERT INTO communities_organization (id, name, slug, time_zone, created_at)
            VALUES (1, 'Statewide Wraparound', 'statewide', %(tz)s,
                    %(window_start)s::date - 365)
            """
        ],
    ),
    (
        "communities_program",
        [
            """
            INSERT INTO communities_program (id, organization_id, name)
            SELECT id, 1, (%(regions)s::text[])[id] || ' Wraparound' FROM scale_program
            """
        ],
    ),
    (
        "communities_user",
        [
            # Unusable passwords ("!" + random, as Django's set_unusable_password) for
            # everyone but the three benchmark logins, hashed once below.
            """
            INSERT INTO communities_user (
                id, password, is_superuser, is_staff, is_active, date_joined, email, name,
                time_zone, language, mfa_waived_for_demo, calendar_token)
            SELECT i, '!' || md5(random()::text) || left(md5(random()::text), 8),
                   false, false, true,
                   %(window_start)s::timestamptz - make_interval(days => mod(i, 300)),
                   CASE WHEN i = 1 THEN %(admin_email)s
                        WHEN i = 2 THEN %(supervisor_email)s
                        WHEN i < %(facilitator_base)s THEN 's' || i || '@scale.example'
                        WHEN i = %(facilitator_base)s THEN %(facilitator_email)s
                        WHEN i < %(family_base)s THEN 'f' || i || '@scale.example'
                        ELSE 'm' || i || '@scale.example' END,
                   pg_temp.pick(%(first_names)s, i * 7)
                   || ' ' ||
                   pg_temp.pick(%(last_names)s, i * 13 + i / 97),
                   %(tz)s,
                   CASE WHEN i >= %(family_base)s AND mod(i, 4) = 0 THEN 'es' ELSE 'en' END,
                   false, ''
            FROM generate_series(1, %(users)s) i
            """,
            """
            UPDATE communities_user SET password = %(hashed)s, mfa_waived_for_demo = true
            WHERE email IN (%(admin_email)s, %(supervisor_email)s, %(facilitator_email)s)
            """,
        ],
    ),
    (
        "account_emailaddress",
        [
            """
            INSERT INTO account_emailaddress (id, email, verified, "primary", user_id)
            SELECT id, email, true, true, id FROM communities_user
            """
        ],
    ),
    (
        "communities_membership",
        [
            """
            INSERT INTO communities_membership (id, user_id, organization_id, role, is_active,
                                                created_at)
            SELECT id, id, 1,
                   CASE WHEN id = 1 THEN 'admin'
                        WHEN id < %(facilitator_base)s THEN 'supervisor'
                        WHEN id < %(family_base)s THEN 'facilitator'
                        ELSE 'family' END,
                   true, date_joined
            FROM communities_user
            """
        ],
    ),
    (
        "communities_membership_supervised_programs",
        [
            # The benchmark supervisor oversees the first eight programs; each other
            # supervisor one to three, together all of them.
            """
            INSERT INTO communities_membership_supervised_programs (membership_id, program_id)
            SELECT 2, id FROM scale_program WHERE id <= %(benchmark_programs)s
            UNION ALL
            SELECT unnest(%(group_supervisors)s::bigint[]), unnest(%(group_programs)s::bigint[])
            """
        ],
    ),
    (
        "communities_familyteam",
        [
            """
            INSERT INTO communities_familyteam (id, program_id, name, phase, opened_on,
                                                next_meeting_at, closed_on)
            SELECT id, program_id,
                   pg_temp.pick(%(last_names)s, id * 11)
                   || ' family ' || id,
                   CASE WHEN closed_on IS NOT NULL THEN 'transition'
                        WHEN %(today)s::date - opened_on < 45 THEN 'engagement'
                        WHEN %(today)s::date - opened_on < 120 THEN 'planning'
                        WHEN %(today)s::date - opened_on < planned_days - 90
                             THEN 'implementation'
                        ELSE 'transition' END,
                   opened_on,
                   CASE WHEN closed_on IS NULL THEN
                       ((%(today)s::date + 1 + mod(id, 14)) + time '16:30') AT TIME ZONE %(tz)s
                   END,
                   closed_on
            FROM scale_team
            """
        ],
    ),
    (
        "communities_familyteam_facilitators",
        [
            # Every team its facilitator; one in ten a co-facilitator of the same program.
            """
            INSERT INTO communities_familyteam_facilitators (familyteam_id, user_id)
            SELECT id, facilitator_id FROM scale_team
            UNION ALL
            SELECT id, %(facilitator_base)s + mod(fi + %(programs)s, %(facilitators)s)
            FROM scale_team
            WHERE mod(id, 10) = 3 AND mod(fi + %(programs)s, %(facilitators)s) <> fi
            """
        ],
    ),
    (
        "communities_familymember",
        [
            # Family member k belongs to team (k mod teams) + 1: a caregiver first, then a
            # youth, another caregiver, other relatives.
            """
            INSERT INTO communities_familymember (id, team_id, user_id, relationship)
            SELECT k + 1, mod(k, %(teams)s) + 1, %(family_base)s + k,
                   CASE k / %(teams)s WHEN 0 THEN 'caregiver' WHEN 1 THEN 'youth'
                                      WHEN 2 THEN 'caregiver' ELSE 'other' END
            FROM generate_series(0, %(family)s - 1) k
            """
        ],
    ),
    (
        "communities_teammeeting",
        [
            # Who set the agenda follows quality: the family or together in strong teams,
            # the facilitator in drifting ones.
            """
            INSERT INTO communities_teammeeting (id, team_id, held_on, duration_minutes,
                                                 family_present, agenda_set_by,
                                                 recorded_by_id, created_at)
            SELECT id, team_id, held_on,
                   (ARRAY[45, 60, 60, 75, 90])[1 + floor(random() * 5)::int],
                   family_present,
                   CASE WHEN random() < q
                        THEN (CASE WHEN random() < 0.45 THEN 'family' ELSE 'together' END)
                        ELSE (CASE WHEN random() < 0.8 THEN 'facilitator' ELSE 'other' END)
                   END,
                   facilitator_id,
                   (held_on + time '19:00') AT TIME ZONE %(tz)s
            FROM scale_meeting
            """
        ],
    ),
    (
        "communities_teammeeting_attendees",
        [
            # The family members there: the caregiver always, others about half the time.
            """
            CREATE TEMP TABLE scale_attendance AS
            SELECT m.id AS meeting_id, fm.user_id, m.team_id, m.held_on, m.q
            FROM scale_meeting m
            JOIN communities_familymember fm ON fm.team_id = m.team_id
            WHERE m.family_present AND (fm.user_id = m.caregiver_id OR random() < 0.45)
            """,
            """
            INSERT INTO communities_teammeeting_attendees (teammeeting_id, user_id)
            SELECT m.id, f.user_id
            FROM scale_meeting m
            JOIN communities_familyteam_facilitators f ON f.familyteam_id = m.team_id
            UNION ALL
            SELECT meeting_id, user_id FROM scale_attendance
            """,
        ],
    ),
    (
        "engagement_meetingcheckin",
        [
            # Every family member present is asked; which ones answer is a weighted draw
            # (Efraimidis–Spirakis: the top N of ln(u)/w), weighted by quality at the time.
            """
            CREATE TEMP TABLE scale_checkin AS
            SELECT a.*, draw <= %(checkins)s AS answered
            FROM (
                SELECT a.*, row_number() OVER (
                    ORDER BY ln(1 - random()) / (0.15 + a.q * a.q) DESC) AS draw
                FROM scale_attendance a
            ) a
            """,
            """
            INSERT INTO engagement_meetingcheckin (meeting_id, family_member_id, agency,
                                                   relevance, partnership, word, created_at,
                                                   submitted_at)
            SELECT meeting_id, user_id, agency, relevance, partnership,
                   CASE WHEN answered AND random() < 0.2
                        THEN pg_temp.pick(%(checkin_words)s, floor(random() * 1000)::int)
                        ELSE '' END,
                   created_at,
                   CASE WHEN answered THEN least(
                       now(), created_at + make_interval(mins => 30 + floor(random() * 2880)::int))
                   END
            FROM (
                SELECT c.*, (c.held_on + time '19:00') AT TIME ZONE %(tz)s AS created_at,
                       CASE WHEN answered THEN least(5, greatest(1,
                           round(1 + 4 * q + (random() - 0.5) * 1.8)))::int END AS agency,
                       CASE WHEN answered THEN least(5, greatest(1,
                           round(1.3 + 3.7 * q + (random() - 0.5) * 1.6)))::int END AS relevance,
                       CASE WHEN answered THEN least(5, greatest(1,
                           round(0.8 + 4.2 * q + (random() - 0.5) * 1.8)))::int END
                           AS partnership
                FROM scale_checkin c
            ) c
            ORDER BY meeting_id, user_id
            """,
        ],
    ),
    (
        "engagement_goal",
        [
            # Goal g belongs to team (g - 1 mod teams) + 1 and is created in the first
            # 70 percent of the team's time; its creator is the family more often in
            # stronger teams. Older goals are achieved or (with a reason) set aside.
            """
            CREATE TEMP TABLE scale_goal AS
            SELECT g.*, pg_temp.q_at(g.quality, g.drift, g.created_at::date, %(today)s::date)
                        AS q
            FROM (
                SELECT g AS id, t.id AS team_id, t.facilitator_id, t.caregiver_id,
                       t.quality, t.drift, t.end_day,
                       ((t.start_day
                         + floor(random() * 0.7 * greatest(0, t.end_day - t.start_day))::int)
                        + time '17:00'
                        + make_interval(mins => floor(random() * 120)::int))
                       AT TIME ZONE %(tz)s AS created_at,
                       random() AS pick, random() AS roll, random() AS fate
                FROM generate_series(1, %(goals)s) g
                JOIN scale_team t ON t.id = mod(g - 1, %(teams)s) + 1
            ) g
            """,
            "ALTER TABLE scale_goal ADD COLUMN by_family boolean",
            "UPDATE scale_goal SET by_family = roll < 0.2 + 0.75 * q",
            "ALTER TABLE scale_goal ADD PRIMARY KEY (id)",
            """
            INSERT INTO engagement_goal (
                id, team_id, statement, why_it_matters, strengths, status, set_aside_reason,
                version, statement_wording, why_it_matters_wording, strengths_wording,
                family_has_written, created_by_id, created_at, updated_at)
            SELECT id, team_id,
                   CASE WHEN by_family
                        THEN pg_temp.pick(%(family_goals)s, id)
                        ELSE pg_temp.pick(%(staff_goals)s, id) END,
                   CASE WHEN by_family
                        THEN pg_temp.pick(%(family_whys)s, id)
                        ELSE pg_temp.pick(%(staff_whys)s, id) END,
                   CASE WHEN by_family
                        THEN pg_temp.pick(%(family_strengths)s, id)
                        ELSE pg_temp.pick(%(staff_strengths)s, id) END,
                   CASE WHEN created_at::date < end_day - 120 AND fate < 0.3 THEN 'achieved'
                        WHEN created_at::date < end_day - 60 AND fate > 0.92 THEN 'set_aside'
                        ELSE 'active' END,
                   CASE WHEN created_at::date < end_day - 60 AND fate > 0.92
                        THEN pg_temp.pick(%(set_aside_reasons)s, id)
                        ELSE '' END,
                   1,
                   CASE WHEN by_family THEN 'family' ELSE 'staff' END,
                   CASE WHEN by_family THEN 'family' ELSE 'staff' END,
                   CASE WHEN by_family THEN 'family' ELSE 'staff' END,
                   by_family,
                   CASE WHEN by_family THEN caregiver_id ELSE facilitator_id END,
                   created_at, created_at
            FROM scale_goal
            """,
        ],
    ),
    (
        "engagement_goalrevision",
        [
            # Version 1 is the creation; the edits (revisions − goals of them, spread
            # unevenly over the goals, cut to the exact number) follow in time order.
            # The family edits more in stronger teams and less as a program drifts.
            """
            CREATE TEMP TABLE scale_edit AS
            WITH wanted AS (
                SELECT g.*, floor(random() * 2.3 * %(edits)s / %(goals)s)::int AS n
                FROM scale_goal g
            ),
            drawn AS (
                SELECT w.id AS goal_id, w.team_id, w.facilitator_id, w.caregiver_id,
                       w.quality, w.drift,
                       w.created_at + (greatest(interval '1 hour',
                           ((w.end_day + time '20:00') AT TIME ZONE %(tz)s) - w.created_at))
                           * random() AS created_at,
                       random() AS roll
                FROM wanted w, generate_series(1, w.n)
            ),
            kept AS (
                SELECT * FROM drawn ORDER BY random() LIMIT %(edits)s
            )
            SELECT k.*, pg_temp.q_at(k.quality, k.drift, k.created_at::date, %(today)s::date)
                        AS q,
                   1 + row_number() OVER (PARTITION BY goal_id ORDER BY created_at) AS version
            FROM kept k
            """,
            """
            INSERT INTO engagement_goalrevision (goal_id, version, author_id, author_role,
                                                 created_at, changed_fields, snapshot)
            SELECT r.goal_id, r.version, r.author_id, r.author_role, r.created_at,
                   r.changed_fields::jsonb,
                   jsonb_build_object(
                       'statement', g.statement, 'why_it_matters', g.why_it_matters,
                       'strengths', g.strengths, 'status', g.status,
                       'set_aside_reason', g.set_aside_reason,
                       'wording', jsonb_build_object(
                           'statement', g.statement_wording,
                           'why_it_matters', g.why_it_matters_wording,
                           'strengths', g.strengths_wording))
            FROM (
                SELECT id AS goal_id, 1 AS version,
                       CASE WHEN by_family THEN caregiver_id ELSE facilitator_id END
                           AS author_id,
                       CASE WHEN by_family THEN 'family' ELSE 'facilitator' END AS author_role,
                       created_at,
                       '["statement", "why_it_matters", "strengths", "status"]' AS changed_fields
                FROM scale_goal
                UNION ALL
                SELECT goal_id, version,
                       CASE WHEN roll < 0.15 + 0.75 * q THEN caregiver_id ELSE facilitator_id END,
                       CASE WHEN roll < 0.15 + 0.75 * q THEN 'family' ELSE 'facilitator' END,
                       created_at,
                       pg_temp.pick(%(changed_fields)s, floor(roll * 1000)::int)
                FROM scale_edit
            ) r
            JOIN engagement_goal g ON g.id = r.goal_id
            ORDER BY r.created_at
            """,
            # Whose words each field is: the role of the last revision that wrote it.
            """
            UPDATE engagement_goal g SET
                version = s.version,
                updated_at = s.updated_at,
                family_has_written = s.family_has_written,
                statement_wording = coalesce(s.statement, g.statement_wording),
                why_it_matters_wording = coalesce(s.why_it_matters, g.why_it_matters_wording),
                strengths_wording = coalesce(s.strengths, g.strengths_wording)
            FROM (
                SELECT goal_id,
                       max(version) AS version,
                       max(created_at) AS updated_at,
                       bool_or(author_role = 'family') AS family_has_written,
                       (array_agg(CASE author_role WHEN 'family' THEN 'family' ELSE 'staff' END
                                  ORDER BY version DESC)
                            FILTER (WHERE changed_fields ? 'statement'))[1] AS statement,
                       (array_agg(CASE author_role WHEN 'family' THEN 'family' ELSE 'staff' END
                                  ORDER BY version DESC)
                            FILTER (WHERE changed_fields ? 'why_it_matters'))[1]
                            AS why_it_matters,
                       (array_agg(CASE author_role WHEN 'family' THEN 'family' ELSE 'staff' END
                                  ORDER BY version DESC)
                            FILTER (WHERE changed_fields ? 'strengths'))[1] AS strengths
                FROM engagement_goalrevision
                GROUP BY goal_id
            ) s
            WHERE g.id = s.goal_id
            """,
        ],
    ),
    (
        "reflections_reflection",
        [
            # Candidate days (every other day of each team's time); N drawn weighted by
            # quality squared, so strong teams' facilitators reflect often and drifting
            # ones rarely, and less in recent months. One in five is a prompt's answer
            # (no team); the rest name the team and its latest meeting of the week.
            """
            CREATE TEMP TABLE scale_reflection AS
            SELECT row_number() OVER (ORDER BY created_at) AS id, *
            FROM (
                SELECT c.team_id, c.facilitator_id, c.q, c.prompt,
                       ((c.day + time '18:00') + make_interval(mins => floor(random() * 180)::int))
                       AT TIME ZONE %(tz)s AS created_at,
                       c.day
                FROM (
                    SELECT t.id AS team_id, t.facilitator_id, d.day,
                           pg_temp.q_at(t.quality, t.drift, d.day, %(today)s::date) AS q,
                           random() < 0.2 AS prompt
                    FROM scale_team t,
                         LATERAL (SELECT t.start_day + 2 * k AS day
                                  FROM generate_series(
                                      0, greatest(0, t.end_day - t.start_day) / 2) k) d
                ) c
                ORDER BY ln(1 - random()) / (0.03 + c.q * c.q) DESC
                LIMIT %(reflections)s
            ) r
            """,
            """
            INSERT INTO reflections_reflection (
                id, author_id, organization_id, team_id, meeting_id, answer, worked, drifted,
                try_next, principles, reflected_more, family_words, family_agenda,
                visibility, created_at, search)
            SELECT id, author_id, 1, team_id, meeting_id, answer, worked, drifted, try_next,
                   principles, reflected_more, family_words, family_agenda, visibility,
                   created_at,
                   to_tsvector('english', words) || to_tsvector('spanish', words)
            FROM (
                SELECT r.*, concat_ws(' ', worked, drifted, try_next, answer) AS words
                FROM (
                    SELECT r.id, r.facilitator_id AS author_id,
                           CASE WHEN r.prompt THEN NULL ELSE r.team_id END AS team_id,
                           CASE WHEN r.prompt THEN NULL ELSE (
                               SELECT m.id FROM communities_teammeeting m
                               WHERE m.team_id = r.team_id AND m.held_on <= r.day
                                 AND m.held_on > r.day - 7
                               ORDER BY m.held_on DESC LIMIT 1) END AS meeting_id,
                           CASE WHEN r.prompt
                                THEN pg_temp.pick(%(answers)s, r.id)
                                ELSE '' END AS answer,
                           CASE WHEN r.prompt THEN ''
                                ELSE pg_temp.pick(%(worked)s, r.id * 7)
                                END AS worked,
                           CASE WHEN r.prompt THEN ''
                                ELSE pg_temp.pick(%(drifted)s, r.id * 3)
                                END AS drifted,
                           CASE WHEN r.prompt THEN ''
                                ELSE pg_temp.pick(%(try_next)s, r.id * 5)
                                END AS try_next,
                           CASE WHEN r.prompt THEN '[]'::jsonb
                                WHEN mod(r.id, 3) = 0 THEN jsonb_build_array(
                                    (%(principles)s::text[])[1 + mod(r.id, 10)],
                                    (%(principles)s::text[])[1 + mod(r.id / 10, 10)])
                                ELSE jsonb_build_array(
                                    (%(principles)s::text[])[1 + mod(r.id / 3, 10)]) END
                                AS principles,
                           CASE WHEN r.prompt THEN NULL ELSE random() < r.q END AS reflected_more,
                           CASE WHEN r.prompt THEN NULL ELSE random() < r.q END AS family_words,
                           CASE WHEN r.prompt THEN NULL ELSE random() < r.q END AS family_agenda,
                           CASE WHEN random() < 0.3 THEN 'shared' ELSE 'private' END
                               AS visibility,
                           r.created_at
                    FROM scale_reflection r
                ) r
            ) r
            """,
        ],
    ),
    (
        "engagement_engagementevent",
        [
            # Every fact the loaded rows imply, then (to reach --events) the day-to-day
            # ones without a table here: steps done, comments, progress check-ins,
            # responses to reflections; all inserted in time order, as an append-only
            # table fills up.
            """
            CREATE TEMP TABLE scale_event (
                team_id bigint, organization_id bigint, actor_id bigint,
                actor_role varchar(16), kind varchar(32), value float8,
                occurred_at timestamptz)
            """,
            """
            INSERT INTO scale_event
            SELECT s.team_id, NULL, s.facilitator_id, 'facilitator',
                   CASE WHEN s.family_present THEN 'meeting_held'
                        ELSE 'meeting_without_family' END,
                   m.duration_minutes, m.created_at
            FROM scale_meeting s JOIN communities_teammeeting m USING (id)
            """,
            """
            INSERT INTO scale_event
            SELECT m.team_id, NULL, c.family_member_id, 'family', 'meeting_checkin',
                   (c.agency + c.relevance + c.partnership) / 3.0, c.submitted_at
            FROM engagement_meetingcheckin c
            JOIN communities_teammeeting m ON m.id = c.meeting_id
            WHERE c.submitted_at IS NOT NULL
            """,
            """
            INSERT INTO scale_event
            SELECT g.team_id, NULL, r.author_id, r.author_role,
                   CASE WHEN r.version = 1 THEN 'goal_created' ELSE 'goal_edited' END,
                   NULL, r.created_at
            FROM engagement_goalrevision r JOIN engagement_goal g ON g.id = r.goal_id
            """,
            """
            INSERT INTO scale_event
            SELECT team_id, 1, author_id, 'facilitator',
                   CASE WHEN answer <> '' THEN 'prompt_answered' ELSE 'reflection_logged' END,
                   NULL, created_at
            FROM reflections_reflection
            """,
            # A weekly learning circle for staff: attended more in stronger programs,
            # missed otherwise (one in six absences excused: no fact).
            """
            INSERT INTO scale_event
            SELECT NULL, 1, s.user_id, s.role,
                   CASE WHEN s.roll < 0.3 + 0.65 * s.quality THEN 'circle_attended'
                        ELSE 'circle_missed' END,
                   NULL,
                   ((%(window_start)s::date + 7 * w + 1) + time '10:00') AT TIME ZONE %(tz)s
            FROM generate_series(0, %(weeks)s - 1) w,
                 LATERAL (
                     SELECT u.id AS user_id,
                            CASE WHEN u.id < %(facilitator_base)s THEN 'supervisor'
                                 ELSE 'facilitator' END AS role,
                            coalesce(p.quality, 0.8) AS quality,
                            random() AS roll
                     FROM generate_series(2, %(family_base)s - 1) u(id)
                     LEFT JOIN scale_program p
                            ON u.id >= %(facilitator_base)s
                           AND p.id = mod(u.id - %(facilitator_base)s, %(programs)s) + 1
                     WHERE w >= 0
                 ) s
            WHERE s.roll < 0.3 + 0.65 * s.quality OR s.roll > 0.3 + 0.65 * s.quality
                      + (1 - 0.3 - 0.65 * s.quality) / 6
            """,
            """
            INSERT INTO scale_event
            SELECT f.team_id,
                   CASE WHEN f.kind = 'reflection_responded' THEN 1 END,
                   CASE WHEN f.kind = 'reflection_responded'
                        THEN %(facilitator_base)s + mod(f.fi + 1, %(facilitators)s)
                        WHEN f.family THEN f.caregiver_id ELSE f.facilitator_id END,
                   CASE WHEN f.family AND f.kind <> 'reflection_responded' THEN 'family'
                        ELSE 'facilitator' END,
                   f.kind,
                   CASE WHEN f.kind = 'progress_checkin'
                        THEN least(10, greatest(0, round(1 + 8 * f.q + (random() - 0.5) * 3)))
                   END,
                   f.occurred_at
            FROM (
                SELECT t.id AS team_id, t.fi, t.facilitator_id, t.caregiver_id, x.occurred_at,
                       pg_temp.q_at(t.quality, t.drift, x.occurred_at::date, %(today)s::date)
                           AS q,
                       CASE WHEN x.kind_roll < 0.38 THEN 'step_done'
                            WHEN x.kind_roll < 0.7 THEN 'comment'
                            WHEN x.kind_roll < 0.95 THEN 'progress_checkin'
                            ELSE 'reflection_responded' END AS kind,
                       x.family_roll < 0.2 + 0.7 * t.quality AS family
                FROM (
                    SELECT 1 + floor(random() * %(teams)s)::int AS team_id,
                           random() AS at_roll, random() AS kind_roll, random() AS family_roll
                    FROM generate_series(1, greatest(0,
                        %(events)s - (SELECT count(*) FROM scale_event)))
                ) r
                JOIN scale_team t ON t.id = r.team_id
                CROSS JOIN LATERAL (
                    SELECT ((t.start_day + time '08:00') AT TIME ZONE %(tz)s)
                           + (((t.end_day + time '20:00') AT TIME ZONE %(tz)s)
                              - ((t.start_day + time '08:00') AT TIME ZONE %(tz)s))
                             * r.at_roll AS occurred_at,
                           r.kind_roll, r.family_roll
                ) x
            ) f
            """,
            "DELETE FROM scale_event WHERE occurred_at > now()",
            """
            INSERT INTO engagement_engagementevent (team_id, organization_id, actor_id,
                                                    actor_role, kind, value, occurred_at)
            SELECT team_id, organization_id, actor_id, actor_role, kind, value, occurred_at
            FROM scale_event ORDER BY occurred_at
            """,
        ],
    ),
]
