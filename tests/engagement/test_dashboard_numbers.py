"""The dashboard's numbers, checked against data built by hand (replacing any of them
with a constant fails here)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from engagement.models import EngagementEvent, MeetingCheckIn
from tests import factories


def _event(team, kind, role="facilitator", days_ago=1):
    EngagementEvent.objects.create(
        team=team, actor=None, actor_role=role, kind=kind,
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def _checkin(world, team, agency, relevance, partnership, days_ago=1):
    meeting = factories.make_meeting(team, by=world.facilitator)
    member = factories.make_user()
    MeetingCheckIn.objects.create(
        meeting=meeting, family_member=member, agency=agency, relevance=relevance,
        partnership=partnership, submitted_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def _build(world):
    second = factories.make_team(world.program, facilitator=world.facilitator)
    closed = factories.make_team(world.program, facilitator=world.facilitator)
    closed.closed_on = timezone.localdate()
    closed.save()
    _checkin(world, world.team, 4, 5, 3)
    _checkin(world, second, 2, 3, 5)
    _checkin(world, second, 1, 1, 1, days_ago=7 * 13)  # older than 12 weeks: not counted
    for kind in ("meeting_held", "meeting_held", "meeting_held", "meeting_without_family"):
        _event(world.team, kind)
    _event(world.team, "meeting_held", days_ago=7 * 13)  # too old
    _event(world.team, "goal_created", role="family")
    _event(second, "goal_edited", role="family")
    _event(second, "goal_edited", role="facilitator")
    _event(second, "goal_created", role="facilitator")
    _event(world.outsider_team, "meeting_held")  # another organisation's


def _rows(world, group="program"):
    from datetime import timedelta

    from communities.access import Actor
    from communities.models import Membership
    from engagement.dashboards import Filters, dashboard

    actor = Actor(world.supervisor, Membership.objects.get(user=world.supervisor))
    end = timezone.localdate()
    filters = Filters(start=end - timedelta(days=83), end=end, group=group)  # 12 weeks
    return {row.label: row for row in dashboard(actor, filters)["rows"]}, dashboard(actor, filters)[
        "totals"
    ]


def test_it_computes_the_three_conditions_and_shares(world):
    _build(world)
    rows, totals = _rows(world)
    row = rows["Wraparound"].values
    # Two responses: too few for a mean, said in words, with the count.
    assert row["agency"].value is None and row["agency"].n == 2
    assert row["agency"].display == "fewer than 5 responses (2)"
    assert row["participation"].value == 0.75 and row["participation"].n == 4
    assert row["family_goal_share"].value == 0.5 and row["family_goal_share"].n == 4
    quiet = rows["Youth Partnership"].values
    assert quiet["participation"].value is None and quiet["participation"].display == "no meetings"
    assert quiet["family_goal_share"].value is None
    assert "Northside Wraparound" not in rows  # another organisation's program
    assert totals.values["participation"].n == 4  # rows and totals: only what they oversee


def test_it_shows_a_mean_once_there_are_five_responses(world):
    _build(world)
    for agency, relevance, partnership in [(5, 5, 5), (4, 4, 4), (3, 3, 3)]:
        _checkin(world, world.team, agency, relevance, partnership)
    rows, _ = _rows(world)
    agency = rows["Wraparound"].values["agency"]
    # (4 + 2 + 5 + 4 + 3) / 5 = 3.6 over five responses
    assert (agency.value, agency.n, agency.display) == (3.6, 5, "3.6")


def test_it_shows_those_numbers_on_the_page(world, client_for):
    _build(world)
    body = client_for(world.supervisor).get(reverse("dashboard") + "?group=program").content
    body = body.decode()
    body = body[body.index("<tbody", body.index('id="results"')) :]
    row = body[body.index("Wraparound") : body.index("</tr>", body.index("Wraparound"))]
    assert "fewer than 5 responses (2)" in row
    assert "75 %" in row and "50 %" in row


def test_the_programs_totals_and_trend_equal_the_teams_added_up(world):
    """Rows in name order read only their page's teams and take the totals and the trend
    from the program rollup; sorted on a measure, everything comes team by team. Both
    give the same figures."""
    from communities.access import Actor
    from communities.models import Membership
    from engagement.dashboards import Filters, dashboard

    _build(world)
    actor = Actor(world.supervisor, Membership.objects.get(user=world.supervisor))
    end = timezone.localdate()
    by_name = Filters(start=end - timedelta(days=89), end=end)
    by_measure = Filters(start=end - timedelta(days=89), end=end, sort="agency")
    fast, full = dashboard(actor, by_name), dashboard(actor, by_measure)
    assert [v.display for v in fast["totals"].cells] == [v.display for v in full["totals"].cells]
    assert [v.n for v in fast["totals"].cells] == [v.n for v in full["totals"].cells]
    assert fast["totals"].value("participation").n == 4
    for a, b in zip(fast["trends"], full["trends"], strict=True):
        assert [(w, v.display) for w, v in a["points"]] == [(w, v.display) for w, v in b["points"]]
    assert {r.label: r.cells for r in fast["rows"]} == {r.label: r.cells for r in full["rows"]}
