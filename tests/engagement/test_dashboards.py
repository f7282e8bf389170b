"""The engagement dashboards through their pages: each measure's math on hand-built data
(engagement.measures), who sees which rows and totals, filters and sorting, the team
drill-down, the CSV against the page, the read replica, and pinned query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from communities.models import AuditEntry, Role
from engagement import measures
from engagement.measures import Sums, values_of
from engagement.models import EngagementEvent, MeetingCheckIn
from reflections import practice
from tests import factories


def _sums(**counts) -> Sums:
    sums = Sums(teams=counts.pop("teams", 1))
    for key, value in counts.items():
        if isinstance(value, tuple):
            sums.counts[key], sums.totals[key] = value
        else:
            sums.counts[key] = value
    return sums


# --- each measure's math -----------------------------------------------------------------


def test_an_empty_window_has_no_numbers_only_reasons():
    values = values_of(Sums(), days=90)
    assert values["agency"].display == "no responses"
    assert values["participation"].display == "no meetings"
    assert values["family_goal_share"].display == "no goal edits"
    assert values["reflection_cadence"].display == "no teams"
    assert values["circle_attendance"].display == "no sessions"
    assert values["rq"].display == "not observed"
    assert not any(v.low for v in values.values())


def test_a_mean_needs_five_responses():
    four = values_of(_sums(agency=(4, 8)), days=90)["agency"]
    assert (four.value, four.n, four.display) == (None, 4, "fewer than 5 responses (4)")
    five = values_of(_sums(agency=(5, 12)), days=90)["agency"]
    assert (five.value, five.display, five.low) == (2.4, "2.4", True)


def test_shares_rates_and_practice():
    values = values_of(
        _sums(meetings=8, meetings_with_family=6, goal_edits=10, family_goal_edits=2,
              reflections=9, circle_attended=3, circle_missed=1, teams=3),
        days=84,
    )  # fmt: skip
    assert values["participation"].value == 0.75 and not values["participation"].low
    assert values["family_goal_share"].value == 0.2 and values["family_goal_share"].low
    # 9 reflections over 3 teams × 84 days = 9 four-week team periods: 1 each
    assert values["reflection_cadence"].value == 1.0
    assert values["circle_attendance"].value == 0.75
    sums = Sums()
    sums.practice.update(observations=2, question=10, simple_reflection=6, complex_reflection=2)
    practice_values = values_of(sums, days=90)
    assert practice_values["rq"].value == 0.8 and practice_values["rq"].low
    assert practice_values["pct_cr"].value == 0.25
    sums.practice.update(question=0)
    assert values_of(sums, days=90)["rq"].display == "no questions coded"


# --- who sees what -------------------------------------------------------------------------


def _meeting_event(team, *, with_family=True, days_ago=1):
    EngagementEvent.objects.create(
        team=team, actor=None, actor_role=Role.FACILITATOR,
        kind="meeting_held" if with_family else "meeting_without_family",
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def _checkins(world, team, ratings):
    meeting = factories.make_meeting(team, by=world.facilitator)
    for agency in ratings:
        MeetingCheckIn.objects.create(
            meeting=meeting, family_member=factories.make_user(), agency=agency,
            relevance=agency, partnership=agency, submitted_at=timezone.now(),
        )  # fmt: skip


def _rows(response) -> list[str]:
    """The rows' names, in order."""
    html = response.content.decode()
    html = html[html.find('id="results"') :]  # past the drift trend's table, if any
    body = html[html.index("<tbody") : html.index("</tbody>")]
    cells = body.split('<th scope="row">')[1:]
    return [re.sub(r"<[^>]+>", "|", cell).strip("|").split("|")[0].strip() for cell in cells]


def test_a_supervisor_sees_only_the_programs_they_oversee_rows_and_totals(world, client_for):
    narrow = factories.make_user("narrow@rb.test", name="Nia Narrow")
    factories.make_member(narrow, world.org, Role.SUPERVISOR, world.program)
    factories.give_totp(narrow)
    _meeting_event(world.team)
    for _ in range(3):
        _meeting_event(world.other_team, with_family=False)
    response = client_for(narrow).get(reverse("dashboard"))
    html = response.content.decode()
    assert world.team.name in html and world.other_team.name not in html
    totals = html[html.index("<tfoot") :]
    assert "100 %" in totals and "n=1" in totals  # only the Rivera meeting counts
    # Asking for the other program by its id is refused, not answered.
    other = client_for(narrow).get(reverse("dashboard"), {"program": world.other_program.pk})
    assert other.status_code == 400 and world.other_team.name not in other.content.decode()


def test_a_facilitator_sees_only_their_teams_and_what_families_said(world, client_for):
    _checkins(world, world.team, [4])
    html = client_for(world.facilitator).get(reverse("dashboard")).content.decode()
    assert world.team.name in html and world.other_team.name not in html
    assert "What families said" in html


def test_it_filters_groups_and_sorts_with_plain_links_and_htmx(world, client_for):
    second = factories.make_team(world.program, facilitator=world.facilitator, name="Able")
    _meeting_event(world.team, with_family=False)
    _meeting_event(second)
    client = client_for(world.supervisor)
    ascending = _rows(client.get(reverse("dashboard"), {"sort": "participation"}))
    assert ascending.index(world.team.name) < ascending.index("Able")
    descending = _rows(client.get(reverse("dashboard"), {"sort": "-participation"}))
    assert descending.index("Able") < descending.index(world.team.name)
    by_phase = client.get(reverse("dashboard"), {"phase": "transition"})
    assert "No teams match these filters." in by_phase.content.decode()
    fragment = client.get(reverse("dashboard"), {"group": "program"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="results">') and "<form" not in html
    assert _rows(fragment) == ["Wraparound", "Youth Partnership"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "on or before the end"),
        ({"start": "2020-01-01", "end": "2026-04-01"}, "at most two years"),
        ({"end": "not a date"}, "Enter a valid date"),
        ({"phase": "dreaming"}, "Select a valid choice"),
    ],
)
def test_a_bad_filter_is_named_and_the_default_view_shown(world, client_for, params, message):
    response = client_for(world.supervisor).get(reverse("dashboard"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and world.team.name in html


def test_a_low_measure_asks_the_system_question_never_labels_the_family(world, client_for):
    _checkins(world, world.team, [1, 2, 2, 1, 2])
    html = client_for(world.supervisor).get(reverse("dashboard")).content.decode()
    assert "Do families choose what the meeting works on?" in html
    assert "▼ low" in html
    for label in ("unmotivated", "resistant", "non-compliant"):
        assert label not in html.lower()


def _questions(html: str) -> str:
    """The text of the "Questions for our system" list."""
    section = html[html.index("Questions for our system") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[: section.index("</ul>")]))


def test_a_measure_low_only_in_some_rows_asks_its_question_and_lists_them_first(world, client_for):
    able = factories.make_team(world.program, facilitator=world.facilitator, name="Able")
    _checkins(world, world.team, [1, 2, 2, 1, 2])  # 1.6: low
    _checkins(world, able, [5] * 10)  # over both teams 3.9: not low
    html = client_for(world.supervisor).get(reverse("dashboard")).content.decode()
    questions = _questions(html)
    assert "Agency : Do families choose what the meeting works on? Low in 1 row here." in (
        questions
    )
    assert "Reflections per team, 4 weeks (0.0) : Is there time" in questions  # low overall
    assert questions.index("Reflections per team") < questions.index("Agency")
    section = html[html.index("Questions for our system") :]
    assert re.search(r'href="\?(&amp;)?sort=agency"[^>]*>Lowest Agency first</a>', section)
    # The link lists the low row first; rows without a figure come last either way.
    client = client_for(world.supervisor)
    lowest_first = _rows(client.get(reverse("dashboard"), {"sort": "agency"}))
    highest_first = _rows(client.get(reverse("dashboard"), {"sort": "-agency"}))
    assert len(lowest_first) > 2
    assert lowest_first[:2] == [world.team.name, "Able"]
    assert highest_first[:2] == ["Able", world.team.name]


def test_the_drill_down_shows_the_team_s_timeline(world, client_for):
    _checkins(world, world.team, [5])
    _meeting_event(world.team)
    page = client_for(world.supervisor).get(reverse("dashboard_team", args=[world.team.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Timeline" in html
    assert "meeting held with the family" in html and "Check-in: agency 5" in html
    assert AuditEntry.objects.filter(team=world.team, action="view", actor=world.supervisor)


# --- the CSV -------------------------------------------------------------------------------


def _signed_in_again(client):
    """Confirm the password on allauth's reauthentication page (recent for 5 minutes)."""
    response = client.post(reverse("account_reauthenticate"), {"password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def test_the_csv_is_what_the_page_shows_after_signing_in_again(world, client, client_for):
    _checkins(world, world.team, [4, 4, 5, 3, 4])
    _meeting_event(world.team)
    stale = client_for(world.facilitator).get(reverse("dashboard_export"))
    assert stale.status_code == 302 and "reauthenticate" in stale["Location"]
    fresh = _signed_in_again(client)
    params = {"group": "team", "sort": "-agency"}
    page = fresh.get(reverse("dashboard"), params)
    export = fresh.get(reverse("dashboard_export"), params)
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [r[0] for r in rows[1:]] == _rows(page)
    rivera = next(r for r in rows if r[0] == world.team.name)
    assert rivera[2:4] == ["4.0", "5"]  # agency: mean of five responses, and n
    assert AuditEntry.objects.filter(subject="engagement dashboard CSV", actor=world.facilitator)


# --- the read replica ---------------------------------------------------------------------


# Committed data: the replica alias is a connection of its own, outside the test's
# transaction (as a real replica would be).
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_dashboard_reads_go_to_the_replica_when_there_is_one(world, client_for):
    client = client_for(world.supervisor)
    _meeting_event(world.team)
    replica_on = override_settings(DASHBOARD_READ_DATABASE="replica")
    with replica_on, CaptureQueriesContext(connections["replica"]) as replica:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200 and world.team.name in response.content.decode()
    assert any("engagement_dailyrollup" in q["sql"] for q in replica.captured_queries)
    with CaptureQueriesContext(connections["replica"]) as unused:
        client.get(reverse("dashboard"))
    assert unused.captured_queries == []


# --- constant queries ---------------------------------------------------------------------


def _grow(world, n):
    for index in range(n):
        team = factories.make_team(world.program, facilitator=world.facilitator, name=f"T{index}")
        _meeting_event(team)
        _checkins(world, team, [4])
    observation = practice.observation_create(
        organization=world.org, coded_by=world.supervisor,
        data={"facilitator": world.facilitator, "observed_on": timezone.localdate(),
              "source": "live", "method": "counts", "segment_minutes": 20},
    )  # fmt: skip
    practice.observation_finish(observation=observation, by=world.supervisor, data={"question": 2})


@pytest.mark.parametrize("group", ["team", "facilitator", "program"])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, group
):
    client = client_for(world.supervisor)
    _grow(world, 2)
    # 8 for the table, totals and trends; 2 for the open drift signals by rule.
    with django_assert_num_queries(10):
        assert client.get(reverse("dashboard"), {"group": group}).status_code == 200
    _grow(world, 12)
    with django_assert_num_queries(10):
        assert client.get(reverse("dashboard"), {"group": group}).status_code == 200


def test_the_drill_down_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries
):
    client = client_for(world.supervisor)
    url = reverse("dashboard_team", args=[world.team.pk])
    _checkins(world, world.team, [4])
    with django_assert_num_queries(16):  # 15, and the team's open drift signals
        client.get(url)
    for _ in range(10):
        _meeting_event(world.team)
        _checkins(world, world.team, [3])
    with django_assert_num_queries(16):  # 15, and the team's open drift signals
        client.get(url)


def test_the_weekly_sums_fill_every_week(world):
    _meeting_event(world.team, days_ago=3)
    today = timezone.localdate()
    _, weeks, _ = measures.team_sums([world.team.pk], *measures.window(today))
    assert len(weeks) == measures.TREND_WEEKS
    assert [week for week, _ in weeks] == measures.trend_weeks(today)
    assert all(week.weekday() == 0 for week, _ in weeks)
    assert sum(s.counts["meetings"] for _, s in weeks) == 1


def test_a_window_shorter_than_the_trend_leaves_earlier_days_out_of_the_rows(world):
    """One scan serves both: the rows count only the window, the trend its 12 weeks."""
    for days_ago in (2, 20, 60):
        _meeting_event(world.team, days_ago=days_ago)
    today = timezone.localdate()
    per_team, weeks, _ = measures.team_sums([world.team.pk], today - timedelta(days=9), today)
    assert per_team[world.team.pk].counts["meetings"] == 1
    assert sum(s.counts["meetings"] for _, s in weeks) == 3
    per_team, weeks, _ = measures.team_sums([world.team.pk], *measures.window(today))
    assert per_team[world.team.pk].counts["meetings"] == 3
    per_team, weeks, _ = measures.team_sums([world.team.pk], today - timedelta(days=30), today)
    assert per_team[world.team.pk].counts["meetings"] == 2
    assert sum(s.counts["meetings"] for _, s in weeks) == 3
