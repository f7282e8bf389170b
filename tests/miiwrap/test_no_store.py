"""Pages that show family data are never kept by a browser or a shared cache."""

from django.urls import reverse

from engagement.models import MeetingCheckIn
from engagement.services import checkin_token
from tests.factories import make_meeting


def assert_not_stored(response) -> None:
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def test_it_forbids_storing_a_goal_page(world, client_for):
    response = client_for(world.family).get(reverse("goal_detail", args=[world.goal.pk]))
    assert_not_stored(response)


def test_it_forbids_storing_the_goal_fragment_htmx_asks_for(world, client_for):
    response = client_for(world.facilitator).get(
        reverse("goal_detail", args=[world.goal.pk]), HTTP_HX_REQUEST="true"
    )
    assert_not_stored(response)


def test_it_forbids_storing_the_family_portal(world, client_for):
    assert_not_stored(client_for(world.family).get(reverse("family_home")))


def test_it_forbids_storing_a_check_in_link_page(world, client):
    meeting = make_meeting(world.team, by=world.facilitator)
    checkin = MeetingCheckIn.objects.create(meeting=meeting, family_member=world.family)
    url = reverse("meeting_checkin", args=[checkin_token(checkin)])
    assert_not_stored(client.get(url))
    assert_not_stored(client.post(url, {"agency": 4, "relevance": 5, "partnership": 3, "word": ""}))


def test_it_keeps_the_cache_control_a_view_set_itself(db, client):
    # allauth's login page is never_cache: its own header stays as it was.
    response = client.get(reverse("account_login"))
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_it_leaves_static_files_cacheable(db, client, settings):
    # Tests have no collected static files: let WhiteNoise find them where they live.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/miiwrap.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
