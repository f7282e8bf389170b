"""The facilitator sees what the family said and did: check-in ratings and words on the
team page, on their home page and in their notifications; goals the family edited."""

from django.urls import reverse

from communities.models import Message
from engagement.models import MeetingCheckIn
from engagement.services import Ratings, meeting_checkin_submit
from tests import factories


def _answered_checkin(world, word="We felt heard"):
    meeting = factories.make_meeting(world.team, by=world.facilitator)
    checkin = MeetingCheckIn.objects.create(meeting=meeting, family_member=world.family)
    meeting_checkin_submit(
        checkin_id=checkin.pk,
        by=world.family,
        ratings=Ratings(agency=4, relevance=5, partnership=3, word=word),
    )
    return meeting


def test_it_shows_the_familys_check_in_on_the_team_page(world, client_for):
    meeting = _answered_checkin(world)
    page = client_for(world.facilitator).get(reverse("team_detail", args=[world.team.pk]))
    body = page.content.decode()
    assert f'id="meeting-{meeting.pk}"' in body
    assert "we decided 4/5" in body and "it matters 5/5" in body and "partners 3/5" in body
    assert "We felt heard" in body


def test_it_tells_the_facilitator_when_the_family_answers_a_check_in(world, client_for):
    _answered_checkin(world)
    notice = Message.objects.get(recipient=world.facilitator, kind="checkin_answered")
    assert "Rosa rated the meeting" in notice.text and "We felt heard" in notice.text
    page = client_for(world.facilitator).get(reverse("notifications")).content.decode()
    assert "Rosa rated the meeting" in page
    assert not Message.objects.filter(recipient=world.family, kind="checkin_answered")


def test_it_shows_recent_check_ins_on_the_facilitators_home(world, client_for):
    _answered_checkin(world, word="Long but good")
    home = client_for(world.facilitator).get(reverse("home")).content.decode()
    assert "What families said lately" in home and "Long but good" in home


def test_it_tells_the_facilitator_when_the_family_edits_or_adds_a_goal(world, client_for):
    goal = world.goal
    client = client_for(world.family)
    client.post(reverse("goal_edit", args=[goal.pk]), {
        "statement": "Calm and happy mornings", "why_it_matters": "", "strengths": "",
        "status": "active", "set_aside_reason": "", "base_version": 1,
    })  # fmt: skip
    client.post(reverse("goal_new", args=[world.team.pk]), {"statement": "Ana joins soccer"})
    kinds = set(Message.objects.filter(recipient=world.facilitator).values_list("kind", flat=True))
    assert kinds == {"family_goal_edited", "family_goal_created"}
    team_page = client_for(world.facilitator).get(reverse("team_detail", args=[world.team.pk]))
    assert "Recent changes by the family" in team_page.content.decode()
    assert "Calm and happy mornings" in team_page.content.decode()
    # Staff edits don't notify the facilitators about themselves.
    Message.objects.all().delete()
    client_for(world.facilitator).post(reverse("goal_new", args=[world.team.pk]),
                                       {"statement": "Staff goal"})  # fmt: skip
    assert not Message.objects.filter(recipient=world.facilitator).exists()
