"""Team reflections: the meeting-then-reflection flow, drafts that never lose a word,
follow-through of "try next", and who may read what."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from communities.models import AuditEntry, LearningCommunity
from engagement.models import EngagementEvent, MeetingCheckIn
from reflections.models import FollowThrough, Reflection, ReflectionDraft
from reflections.services import reflection_create
from tests import factories


def _reflect(client, team, **data):
    payload = {"visibility": "private", **data}
    return client.post(reverse("reflection_new", args=[team.pk]), payload)


def test_it_goes_from_recording_a_meeting_to_reflecting_on_it(world, client_for):
    client = client_for(world.facilitator)
    response = client.post(reverse("meeting_new", args=[world.team.pk]), {
        "held_on": timezone.localdate().isoformat(), "duration_minutes": 60,
        "family_present": "on", "agenda_set_by": "family", "attendees": [world.family.pk],
    })  # fmt: skip
    meeting = world.team.meetings.get()
    assert response["Location"] == reverse("reflection_new", args=[world.team.pk]) + (
        f"?meeting={meeting.pk}"
    )
    checkin = MeetingCheckIn.objects.get(meeting=meeting)
    MeetingCheckIn.objects.filter(pk=checkin.pk).update(
        agency=5, relevance=4, partnership=5, word="We led today", submitted_at=timezone.now()
    )
    page = client.get(response["Location"]).content.decode()
    assert "What the family said" in page and "We led today" in page  # beside the form
    saved = _reflect(client, world.team, meeting=meeting.pk, worked="The family set the agenda.",
                     try_next="Open with a reflection.", principles=["family_voice"])  # fmt: skip
    reflection = Reflection.objects.get()
    assert saved["Location"] == reverse("reflection_detail", args=[reflection.pk])
    assert reflection.meeting == meeting and reflection.principles == ["family_voice"]
    assert EngagementEvent.objects.filter(kind="reflection_logged", team=world.team).exists()
    assert AuditEntry.objects.filter(subject=f"reflection {reflection.pk}").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"worked": "", "drifted": "  ", "try_next": ""}, "Write at least one of"),
        ({"worked": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_it_refuses_an_empty_or_too_long_reflection_and_keeps_every_word(
    world, client_for, data, message
):
    client = client_for(world.facilitator)
    response = _reflect(client, world.team, **{"drifted": "Kept words", **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Reflection.objects.exists()
    assert ReflectionDraft.objects.filter(author=world.facilitator).exists()


def test_it_restores_the_draft_after_the_login_expired_and_a_new_login(world, client_for):
    client = client_for(world.facilitator)
    client.post(reverse("reflection_draft", args=[world.team.pk]),
                {"worked": "Half a thought about <b>agency</b>", "principles": ["persistence"]},
                HTTP_HX_REQUEST="true")  # fmt: skip
    client.logout()  # the session is gone, as when it expires
    fresh = Client()  # another device, a new login
    fresh.force_login(world.facilitator)
    page = fresh.get(reverse("reflection_new", args=[world.team.pk])).content.decode()
    assert "Half a thought about &lt;b&gt;agency&lt;/b&gt;" in page  # escaped, not lost
    assert (
        'value="persistence" checked' in page
        or 'value="persistence"\n' in page
        or ("checked" in page.split('value="persistence"')[1][:60])
    )
    _reflect(fresh, world.team, worked="Half a thought about agency, finished.")
    assert not ReflectionDraft.objects.exists()  # saved, so the draft is done with


def test_it_brings_back_the_last_try_next_and_records_how_it_went(world, client_for):
    client = client_for(world.facilitator)
    _reflect(client, world.team, worked="Good.", try_next="Let Rosa open the meeting.")
    page = client.get(reverse("reflection_new", args=[world.team.pk])).content.decode()
    assert "Last time you said you would try" in page and "Let Rosa open the meeting." in page
    missing = _reflect(client, world.team, worked="Again.")
    assert missing.status_code == 400 and "Say what became of it" in missing.content.decode()
    _reflect(client, world.team, worked="Again.", outcome="tried", note="She loved it.")
    follow = FollowThrough.objects.get()
    assert follow.reflection.try_next == "Let Rosa open the meeting."
    assert follow.outcome == "tried" and follow.told_in.worked == "Again."
    later = client.get(reverse("reflection_new", args=[world.team.pk])).content.decode()
    assert "Last time you said you would try" not in later  # carried through, closed
    mine = client.get(reverse("reflection_list")).content.decode()
    assert "every “try next” has been followed through" in mine


def test_it_lists_open_try_next_items_across_teams(world, client_for):
    second = factories.make_team(world.program, facilitator=world.facilitator, name="Second")
    reflection_create(author=world.facilitator, team=world.team, meeting=None,
                      data={"try_next": "Ask about school."})  # fmt: skip
    reflection_create(author=world.facilitator, team=second, meeting=None,
                      data={"try_next": "Invite grandma."})  # fmt: skip
    page = client_for(world.facilitator).get(reverse("reflection_list")).content.decode()
    assert "Ask about school." in page and "Invite grandma." in page


@pytest.fixture
def private_reflection(world):
    return reflection_create(author=world.facilitator, team=world.team, meeting=None,
                             data={"worked": "Private words", "visibility": "private"})  # fmt: skip


def test_it_shows_a_private_reflection_to_its_author_and_their_supervisor_only(
    world, client_for, private_reflection
):
    url = reverse("reflection_detail", args=[private_reflection.pk])
    expected = {
        # the author, and the supervisors of the team's program
        world.facilitator: 200, world.supervisor: 200, world.dual: 200,
        world.other_facilitator: 404, world.admin: 404, world.family: 404, world.outsider: 404,
    }  # fmt: skip
    for user, status in expected.items():
        assert client_for(user).get(url).status_code == status, user


def test_it_shows_a_shared_reflection_to_the_authors_community(world, client_for):
    community = LearningCommunity.objects.create(organization=world.org, name="LC")
    community.members.add(world.facilitator, world.other_facilitator)
    shared = reflection_create(author=world.facilitator, team=world.team, meeting=None,
                               data={"worked": "Shared words", "visibility": "shared"})  # fmt: skip
    url = reverse("reflection_detail", args=[shared.pk])
    assert client_for(world.other_facilitator).get(url).status_code == 200
    assert client_for(world.admin).get(url).status_code == 404  # not in the community
    assert client_for(world.outsider).get(url).status_code == 404


def test_it_escapes_what_was_written(world, client_for):
    reflection = reflection_create(author=world.facilitator, team=world.team, meeting=None,
                                   data={"worked": "<script>alert(1)</script>"})  # fmt: skip
    body = (
        client_for(world.facilitator)
        .get(reverse("reflection_detail", args=[reflection.pk]))
        .content.decode()
    )
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_it_shows_reflections_on_the_team_page(world, client_for, private_reflection):
    reflection_create(author=world.facilitator, team=world.team, meeting=None,
                      data={"try_next": "Bring the eco-map.", "visibility": "private"})  # fmt: skip
    page = (
        client_for(world.facilitator)
        .get(reverse("team_detail", args=[world.team.pk]))
        .content.decode()
    )
    assert "2 reflections in the last 90 days" in page
    assert "Bring the eco-map." in page and "Write a reflection" in page
    admin_page = client_for(world.admin).get(reverse("team_detail", args=[world.team.pk]))
    assert "Bring the eco-map." not in admin_page.content.decode()  # private: not for admins


def test_it_lets_only_the_teams_facilitator_reflect_on_it(world, client_for):
    for user, status in ((world.other_facilitator, 404), (world.supervisor, 403)):
        response = _reflect(client_for(user), world.team, worked="Not mine.")
        assert response.status_code == status
    assert not Reflection.objects.exists() and not ReflectionDraft.objects.exists()
