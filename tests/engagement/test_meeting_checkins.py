from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from communities.models import Message, TeamMeeting
from engagement.models import EngagementEvent, MeetingCheckIn
from engagement.services import checkin_token
from tests.factories import make_meeting

RATINGS = {"agency": 4, "relevance": 5, "partnership": 3, "word": "we felt heard"}


@pytest.fixture
def eager_celery():
    from miiwrap.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _record(client, team, **overrides):
    data = {
        "held_on": timezone.localdate().isoformat(),
        "duration_minutes": 60,
        "family_present": "on",
        "agenda_set_by": "family",
    }
    data.update(overrides)
    return client.post(reverse("meeting_new", args=[team.pk]), data)


def test_it_records_a_meeting_and_asks_the_family_to_check_in(
    world, client_for, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _record(client_for(world.facilitator), world.team, attendees=[world.family.pk])
    assert response.status_code == 302
    meeting = TeamMeeting.objects.get(team=world.team)
    assert meeting.family_present and meeting.agenda_set_by == "family"
    assert set(meeting.attendees.all()) == {world.family, world.facilitator}
    assert EngagementEvent.objects.filter(team=world.team, kind="meeting_held").exists()
    checkin = MeetingCheckIn.objects.get(meeting=meeting, family_member=world.family)
    assert Message.objects.filter(recipient=world.family, kind="checkin_request").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.family.email]
    assert reverse("meeting_checkin", args=["x"]).rsplit("x", 1)[0] in mail.outbox[0].body
    # The family portal shows the request too.
    page = client_for(world.family).get(reverse("family_home")).content.decode()
    assert "How was the meeting" in page
    assert checkin.submitted_at is None


def test_it_records_a_meeting_without_the_family_and_asks_nobody(world, client_for):
    response = _record(client_for(world.facilitator), world.team, family_present="")
    assert response.status_code == 302
    assert EngagementEvent.objects.filter(kind="meeting_without_family").exists()
    assert not MeetingCheckIn.objects.exists()


def test_it_refuses_a_meeting_in_the_future_and_keeps_the_form(world, client_for):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _record(
        client_for(world.facilitator), world.team, held_on=tomorrow, duration_minutes=75
    )
    assert response.status_code == 400
    assert "once it has happened" in response.content.decode()
    assert 'value="75"' in response.content.decode()
    assert not TeamMeeting.objects.exists()


def test_it_lets_only_the_teams_facilitator_record_meetings(world, client_for):
    assert _record(client_for(world.family), world.team).status_code == 403
    assert _record(client_for(world.supervisor), world.team).status_code == 403
    assert _record(client_for(world.other_facilitator), world.team).status_code == 404
    assert _record(client_for(world.outsider), world.team).status_code == 404
    assert not TeamMeeting.objects.exists()


def _checkin(world) -> MeetingCheckIn:
    meeting = make_meeting(world.team, by=world.facilitator)
    return MeetingCheckIn.objects.create(meeting=meeting, family_member=world.family)


def test_it_takes_a_one_tap_check_in_once(world, client):
    checkin = _checkin(world)
    url = reverse("meeting_checkin", args=[checkin_token(checkin)])
    assert client.get(url).status_code == 200
    response = client.post(url, RATINGS)
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    checkin.refresh_from_db()
    assert (checkin.agency, checkin.relevance, checkin.partnership) == (4, 5, 3)
    assert checkin.word == "we felt heard" and checkin.submitted_at
    event = EngagementEvent.objects.get(kind="meeting_checkin")
    assert event.actor == world.family and event.actor_role == "family"
    assert event.value == pytest.approx(4.0)
    # Reused link: refused, nothing changes.
    again = client.post(url, {**RATINGS, "agency": 1})
    assert again.status_code == 410
    assert "already answered" in again.content.decode()
    checkin.refresh_from_db()
    assert checkin.agency == 4


def test_it_refuses_an_expired_check_in_link(world, client):
    checkin = _checkin(world)
    token = checkin_token(checkin)
    later = timezone.now() + timedelta(days=7, minutes=1)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = client.post(reverse("meeting_checkin", args=[token]), RATINGS)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.submitted_at is None


def test_it_refuses_a_check_in_link_used_by_someone_else(world, client_for):
    checkin = _checkin(world)
    url = reverse("meeting_checkin", args=[checkin_token(checkin)])
    for intruder in (world.other_family, world.facilitator, world.outsider):
        response = client_for(intruder).post(url, RATINGS)
        assert response.status_code == 410
        assert "another family member" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.submitted_at is None


def test_it_refuses_a_tampered_check_in_link(world, client):
    checkin = _checkin(world)
    other = MeetingCheckIn.objects.create(
        meeting=make_meeting(world.other_team, by=world.other_facilitator),
        family_member=world.other_family,
    )
    # Signed with the wrong salt, or naming another member for this check-in.
    forged = [
        signing.dumps({"c": checkin.pk, "m": world.family.pk}, salt="something-else"),
        checkin_token(checkin)[:-2] + "xx",
        signing.dumps({"c": other.pk, "m": world.family.pk}, salt="miiwrap.meeting-checkin"),
    ]
    for token in forged:
        response = client.post(reverse("meeting_checkin", args=[token]), RATINGS)
        assert response.status_code == 410
    assert not MeetingCheckIn.objects.filter(submitted_at__isnull=False).exists()


def test_it_rejects_ratings_out_of_range(world, client):
    checkin = _checkin(world)
    url = reverse("meeting_checkin", args=[checkin_token(checkin)])
    response = client.post(url, {**RATINGS, "agency": 9})
    assert response.status_code == 400
    assert "we felt heard" in response.content.decode()  # what they typed stays
    checkin.refresh_from_db()
    assert checkin.submitted_at is None
