"""seed_scale: the small preset, loaded into a throwaway database of its own."""

from __future__ import annotations

import io
import os

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from psycopg import sql

from miiwrap.management.commands.seed_scale import SMALL


@pytest.fixture
def scale_database(django_db_blocker):
    """A database URL on the tests' server, named for this process; dropped after."""
    with django_db_blocker.unblock():
        db = connections["default"].settings_dict
        params = {
            "host": db["HOST"] or None,
            "port": db["PORT"] or None,
            "user": db["USER"] or None,
            "password": db["PASSWORD"] or None,
        }
        params = {key: value for key, value in params.items() if value}
        name = f"miiwrap_scale_test_{os.getpid()}"
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        yield url, {**params, "dbname": name}
        with psycopg.connect(**params, dbname="postgres", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def seed(url: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("seed_scale", "--small", "--database-url", url, *extra, stdout=out)
    return out.getvalue()


def counts(conninfo: dict) -> dict[str, int]:
    tables = {
        "teams": "communities_familyteam",
        "users": "communities_user",
        "events": "engagement_engagementevent",
        "reflections": "reflections_reflection",
        "goals": "engagement_goal",
        "revisions": "engagement_goalrevision",
    }
    with psycopg.connect(**conninfo) as conn:
        found = {
            key: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for key, table in tables.items()
        }
        found["checkins"] = conn.execute(
            "SELECT count(*) FROM engagement_meetingcheckin WHERE submitted_at IS NOT NULL"
        ).fetchone()[0]
    return found


@pytest.fixture
def debug(settings):
    """pytest-django runs tests with DEBUG off; seed_scale needs it on."""
    settings.DEBUG = True


def test_it_loads_the_small_preset_into_its_own_database(debug, scale_database, django_db_blocker):
    url, conninfo = scale_database
    with django_db_blocker.unblock():
        before = dict(connections["default"].settings_dict)
        output = seed(url, "--force")
        # The test process is pointed back at its own database.
        assert connections["default"].settings_dict == before

    assert counts(conninfo) == SMALL
    assert "supervisor@scale.example" in output
    with psycopg.connect(**conninfo) as conn:
        # The benchmark logins: a real password, no MFA in the demo; everyone else none.
        logins = conn.execute(
            "SELECT email, password LIKE '!%%', mfa_waived_for_demo FROM communities_user "
            "WHERE password NOT LIKE '!%%' OR mfa_waived_for_demo ORDER BY email"
        ).fetchall()
        assert logins == [
            ("admin@scale.example", False, True),
            ("facilitator@scale.example", False, True),
            ("supervisor@scale.example", False, True),
        ]
        supervised = conn.execute(
            "SELECT count(*) FROM communities_membership_supervised_programs sp "
            "JOIN communities_membership m ON m.id = sp.membership_id "
            "JOIN communities_user u ON u.id = m.user_id "
            "WHERE u.email = 'supervisor@scale.example'"
        ).fetchone()[0]
        assert supervised == 3  # every program of the small preset
        # Versions run 1..n per goal, and whose words each goal is follows its revisions.
        assert (
            conn.execute(
                "SELECT count(*) FROM engagement_goal g WHERE version <> "
                "(SELECT max(version) FROM engagement_goalrevision r WHERE r.goal_id = g.id) "
                "OR version <> (SELECT count(*) FROM engagement_goalrevision r "
                "WHERE r.goal_id = g.id)"
            ).fetchone()[0]
            == 0
        )
        kinds = {
            kind for (kind,) in conn.execute("SELECT DISTINCT kind FROM engagement_engagementevent")
        }
        assert {
            "meeting_held", "meeting_without_family", "goal_created", "goal_edited",
            "meeting_checkin", "reflection_logged", "prompt_answered", "circle_attended",
        } <= kinds  # fmt: skip
        roles = {
            role
            for (role,) in conn.execute(
                "SELECT DISTINCT author_role FROM engagement_goalrevision WHERE version > 1"
            )
        }
        assert roles == {"family", "facilitator"}

    # Without --force it refuses to load over existing data.
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="--force"):
        seed(url)
    assert counts(conninfo)["events"] == SMALL["events"]


def test_it_refuses_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG off"):
        seed("postgres://postgres@127.0.0.1:5432/miiwrap_scale_never")


def test_it_refuses_the_apps_own_database(debug, django_db_blocker):
    with django_db_blocker.unblock():
        db = connections["default"].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        with pytest.raises(CommandError, match="of its own"):
            seed(url + db["NAME"], "--force")
