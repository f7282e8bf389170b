"""The dashboard's numbers, checked against data built by hand (replacing any of them
with a constant fails here)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from engagement.models import EngagementEvent, MeetingCheckIn
from engagement.selectors import program_dashboard
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


def test_it_computes_the_three_conditions_and_shares(world):
    _build(world)
    from communities.access import Actor
    from communities.models import Membership

    actor = Actor(world.supervisor, Membership.objects.get(user=world.supervisor))
    rows = {row["program"].name: row for row in program_dashboard(actor)}
    row = rows["Wraparound"]
    assert row["active_teams"] == 2
    assert (row["agency"], row["relevance"], row["partnership"]) == (3.0, 4.0, 4.0)
    assert row["responses"] == 2
    assert row["meetings"] == 4
    assert row["family_present_share"] == 0.75
    assert row["family_edit_share"] == 0.5
    quiet = rows["Youth Partnership"]
    assert quiet["active_teams"] == 1 and quiet["agency"] is None
    assert quiet["meetings"] == 0 and quiet["family_edit_share"] is None


def test_it_shows_those_numbers_on_the_page(world, client_for):
    _build(world)
    body = client_for(world.supervisor).get(reverse("dashboard")).content.decode()
    row = body[body.index("Wraparound") : body.index("</tr>", body.index("Wraparound"))]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
    assert cells == ["2", "3.0", "4.0", "4.0", "4 (75%)", "50%"]
