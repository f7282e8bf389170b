"""Calendars: the private feed, one session's .ics and the page with the feed link.

Everything we write is read back by vobject, a parser independent of the icalendar
package that wrote it. Times are checked through the VTIMEZONE we sent (vobject builds a
tzinfo from it), not through the system's zone database.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
import vobject
from django.conf import settings
from django.urls import reverse

from communities import circles, ical
from communities.models import CircleSession, LearningCircle, LearningCommunity, Membership
from tests.circles.conftest import schedule_data

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


# --- helpers ------------------------------------------------------------------------------


def _read(body: bytes):
    """The calendar as vobject reads it."""
    return vobject.readOne(body.decode("utf-8"))


def _events(calendar) -> dict[str, object]:
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


def _zones(calendar) -> dict[str, object]:
    return {zone.tzid.value: zone for zone in calendar.contents.get("vtimezone", [])}


def _start(calendar, event) -> datetime:
    """DTSTART placed by the VTIMEZONE the calendar itself carries (vobject keeps one
    tzinfo per TZID for the whole process, so we build it from this calendar's)."""
    tzid = event.dtstart.params["X-VOBJ-ORIGINAL-TZID"][0]
    zone = _zones(calendar)[tzid].gettzinfo()
    return event.dtstart.value.replace(tzinfo=zone)


def _feed_path(user) -> str:
    if not user.calendar_token:
        circles.calendar_token_new(user=user)
    return reverse("calendar_feed", kwargs={"token": user.calendar_token})


def _feed(client, user, **headers):
    return client.get(_feed_path(user), headers=headers)


def _uid(session: CircleSession) -> str:
    return f"circle-session-{session.pk}@{urlsplit(settings.SITE_URL).hostname}"


def _page(response) -> str:
    """The body without its per-response secrets (CSP nonce, masked CSRF token) and the
    address it was asked for (the language switch returns to it)."""
    body = re.sub(r'nonce="[^"]*"', "", response.content.decode())
    body = re.sub(r'name="next" value="[^"]*"', "", body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", body)


@pytest.fixture
def outsider_circle(world):
    """A circle of the other organisation. `dual` is a family member there and is put
    in it anyway: the role they hold *there* decides, not their supervisor role at home."""
    community = LearningCommunity.objects.create(
        organization=world.outsider_org, name="Northside practice", host=world.outsider
    )
    return circles.circle_schedule(
        community=community,
        by=world.outsider,
        data={**schedule_data(title="Northside lab"), "host": world.outsider},
        members=[world.outsider, world.dual],
    )


# --- the feed -------------------------------------------------------------------------


def test_it_serves_the_feed_read_back_by_a_second_parser(world, circle, client):
    response = _feed(client, world.facilitator)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["ETag"].startswith('W/"')
    calendar = _read(response.content)
    assert calendar.version.value == "2.0"
    assert calendar.method.value == "PUBLISH"
    assert calendar.prodid.value == ical.PRODID
    assert calendar.contents["x-wr-calname"][0].value == "MiiWrap learning circles"
    assert set(_zones(calendar)) == {"America/Chicago"}
    sessions = list(circle.sessions.order_by("starts_at"))
    events = _events(calendar)
    assert set(events) == {_uid(s) for s in sessions}
    first = events[_uid(sessions[0])]
    assert first.sequence.value == "0"
    assert first.status.value == "CONFIRMED"
    assert first.summary.value == "Reflections lab"
    assert first.description.value == "Practise complex reflections."
    assert first.location.value == "https://video.example/lab"
    assert first.url.value == f"{settings.SITE_URL}/circles/sessions/{sessions[0].pk}/"
    assert first.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["America/Chicago"]
    assert _start(calendar, first).replace(tzinfo=None) == datetime(2026, 12, 8, 10, 0)
    assert _start(calendar, first) == sessions[0].starts_at
    assert first.dtend.value - first.dtstart.value == timedelta(minutes=60)
    # iCalendar times are to the second.
    assert first.last_modified.value == sessions[0].updated_at.replace(microsecond=0)
    assert b"DTSTART;TZID=America/Chicago:20261208T100000" in response.content


def test_it_keeps_the_uid_and_raises_the_sequence_when_a_session_changes(world, circle, client):
    session = circle.sessions.order_by("starts_at")[2]
    before = _events(_read(_feed(client, world.facilitator).content))[_uid(session)]
    assert before.sequence.value == "0"

    circles.session_move(
        session=session, by=world.supervisor, starts_at=session.starts_at + timedelta(hours=2)
    )
    moved_calendar = _read(_feed(client, world.facilitator).content)
    moved = _events(moved_calendar)[_uid(session)]
    assert int(moved.sequence.value) > int(before.sequence.value)
    assert _start(moved_calendar, moved).time() == time(12, 0)
    assert moved.status.value == "CONFIRMED"
    assert moved.last_modified.value >= before.last_modified.value

    circles.session_cancel(session=session, by=world.supervisor)
    cancelled = _events(_read(_feed(client, world.facilitator).content))[_uid(session)]
    assert int(cancelled.sequence.value) > int(moved.sequence.value)
    assert cancelled.status.value == "CANCELLED"  # still in the feed, so clients drop it


def test_it_keeps_ten_oclock_chicago_time_in_march_and_november(world, community):
    """Both daylight-saving transitions: local 10:00 each week, the UTC hour moves."""
    autumn = circles.circle_schedule(
        community=community, by=world.admin, members=[world.facilitator],
        data={**schedule_data(starts_on=date(2026, 10, 27), rrule="FREQ=WEEKLY;COUNT=2"),
              "host": world.supervisor},
        now=datetime(2026, 10, 20, tzinfo=UTC),
    )  # fmt: skip
    spring = circles.circle_schedule(
        community=community, by=world.admin, members=[world.facilitator],
        data={**schedule_data(starts_on=date(2027, 3, 9), rrule="FREQ=WEEKLY;COUNT=2"),
              "host": world.supervisor},
        now=datetime(2027, 2, 20, tzinfo=UTC),
    )  # fmt: skip

    calendar = _read(ical.feed_calendar(world.facilitator, now=datetime(2026, 10, 20, tzinfo=UTC)))

    zone = _zones(calendar)["America/Chicago"]
    assert zone.contents.get("daylight") and zone.contents.get("standard")
    events = _events(calendar)
    for circle, (before_dst_change, after_dst_change) in (
        (autumn, (timedelta(hours=-5), timedelta(hours=-6))),  # Nov 1: CDT → CST
        (spring, (timedelta(hours=-6), timedelta(hours=-5))),  # Mar 14: CST → CDT
    ):
        first, second = circle.sessions.order_by("starts_at")
        starts = [_start(calendar, events[_uid(s)]) for s in (first, second)]
        assert [s.time() for s in starts] == [time(10), time(10)]
        assert [s.utcoffset() for s in starts] == [before_dst_change, after_dst_change]
        assert starts == [first.starts_at, second.starts_at]  # the same instants we stored


def test_it_answers_an_unchanged_feed_304_without_building_it(
    world, circle, client, django_assert_num_queries
):
    path = _feed_path(world.facilitator)
    etag = client.get(path)["ETag"]

    with django_assert_num_queries(2):  # the person, the aggregate: no sessions read
        unchanged = client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert unchanged["Cache-Control"] == "private, no-cache"

    circles.session_cancel(session=circle.sessions.first(), by=world.supervisor)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b"STATUS:CANCELLED" in changed.content

    # Editing the circle (its title shows in every event) is a change too.
    circles.circle_update_series(
        circle=circle, by=world.admin, data={"title": "Reflections studio"},
        members=list(circle.members.all()),
    )  # fmt: skip
    renamed = client.get(path, headers={"If-None-Match": changed["ETag"]})
    assert renamed.status_code == 200
    assert {e.summary.value for e in _events(_read(renamed.content)).values()} == {
        "Reflections studio"
    }


def test_it_changes_the_etag_when_one_circle_is_swapped_for_another(world, community):
    """Leaving two circles and joining two others can keep the count, the sum of the ids
    and every maximum the same: the feed must change all the same."""
    singles = [
        circles.circle_schedule(
            community=community, by=world.admin, members=[],
            data={**schedule_data(title=f"Single {n}", rrule="FREQ=WEEKLY;COUNT=1"),
                  "host": world.supervisor},
        )
        for n in range(4)
    ]  # fmt: skip
    ids = [c.sessions.get().pk for c in singles]
    assert ids[0] + ids[3] == ids[1] + ids[2]  # consecutive ids
    same_time = datetime(2026, 11, 1, tzinfo=UTC)
    CircleSession.objects.filter(pk__in=ids).update(updated_at=same_time)
    LearningCircle.objects.filter(pk__in=[c.pk for c in singles]).update(updated_at=same_time)
    for circle in (singles[0], singles[3]):
        circle.members.add(world.facilitator)
    before = ical.feed_etag(world.facilitator)

    for circle in (singles[0], singles[3]):
        circle.members.remove(world.facilitator)
    for circle in (singles[1], singles[2]):
        circle.members.add(world.facilitator)

    assert ical.feed_etag(world.facilitator) != before


def test_it_pins_the_feed_query_count(world, community, client, django_assert_num_queries):
    """The same three queries (person, ETag, sessions) for 2 sessions and for 20 in two
    circles and two zones."""
    circles.circle_schedule(
        community=community, by=world.admin, members=[world.facilitator],
        data={**schedule_data(rrule="FREQ=WEEKLY;COUNT=2"), "host": world.supervisor},
    )  # fmt: skip
    path = _feed_path(world.facilitator)
    with django_assert_num_queries(3):
        two = client.get(path)
    assert len(_events(_read(two.content))) == 2

    circles.circle_schedule(
        community=community, by=world.admin, members=[world.facilitator],
        data={**schedule_data(title="Berlin", time_zone="Europe/Berlin",
                              rrule="FREQ=DAILY;COUNT=18"), "host": world.supervisor},
    )  # fmt: skip
    with django_assert_num_queries(3):
        twenty = client.get(path)
    calendar = _read(twenty.content)
    assert len(_events(calendar)) == 20
    assert set(_zones(calendar)) == {"America/Chicago", "Europe/Berlin"}


@pytest.mark.parametrize("case", ["unknown", "revoked", "short", "inactive"])
def test_it_answers_404_for_a_token_that_opens_nothing(world, circle, client, case):
    user = world.facilitator
    token = circles.calendar_token_new(user=user)
    if case == "unknown":
        token = "x" * 43
    elif case == "revoked":
        circles.calendar_token_new(user=user)
    elif case == "short":
        user.calendar_token = token = "abc"
        user.save(update_fields=["calendar_token"])
    elif case == "inactive":
        user.is_active = False
        user.save(update_fields=["is_active"])
    missing = client.get("/no-such-page/")

    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 404
    assert _page(response) == _page(missing)  # nothing tells these cases apart
    assert not response.has_header("ETag")
    assert "text/calendar" not in response["Content-Type"]


def test_it_never_matches_the_empty_token(world, circle, client):
    assert world.family.calendar_token == ""
    assert client.get("/calendar/.ics").status_code == 404
    assert client.get("/calendar/%20.ics").status_code == 404


def test_it_refuses_to_change_the_feed(world, client):
    assert client.post(_feed_path(world.facilitator)).status_code == 405


def test_it_drops_the_sessions_of_a_circle_the_person_left(world, circle, client):
    path = _feed_path(world.facilitator)
    assert len(_events(_read(client.get(path).content))) == 10

    circles.circle_update_series(circle=circle, by=world.admin, data={}, members=[world.supervisor])
    left = client.get(path)

    assert left.status_code == 200
    assert _events(_read(left.content)) == {}


def test_it_drops_every_circle_of_an_organisation_the_person_left(world, circle, client):
    path = _feed_path(world.facilitator)
    Membership.objects.filter(user=world.facilitator).update(is_active=False)
    assert _events(_read(client.get(path).content)) == {}


def test_it_feeds_the_host_and_no_circle_where_the_role_there_is_family(
    world, circle, outsider_circle
):
    """The supervisor hosts `circle` (and is a member); `dual` is a member of a circle in
    the organisation where they are family; a host who is not a member still gets it."""
    circle.members.remove(world.supervisor)
    assert set(ical.feed_sessions(world.supervisor)) == set(circle.sessions.all())
    assert list(ical.feed_sessions(world.dual)) == []
    assert set(ical.feed_sessions(world.outsider)) == set(outsider_circle.sessions.all())


def test_it_keeps_sixty_days_of_past_sessions(world, circle):
    last = circle.sessions.order_by("starts_at").last()
    just_after = last.starts_at + timedelta(days=59)
    long_after = last.starts_at + timedelta(days=61)
    assert last in ical.feed_sessions(world.facilitator, now=just_after)
    assert last not in ical.feed_sessions(world.facilitator, now=long_after)


# --- one session's .ics ---------------------------------------------------------------


SESSION_ICS = {  # persona → status for a session of `circle` (Riverbend)
    "anonymous": 302,
    "family": 404,
    "facilitator": 200,  # member
    "supervisor": 200,  # circle's host
    "admin": 200,  # admin of the organisation
    "outsider": 404,
    "dual": 404,  # supervisor at Riverbend, but neither member nor host
    "operator": 404,  # no organisation
}


def test_it_serves_a_session_ics_to_its_members_hosts_and_admins(world, circle, client_for):
    session = circle.sessions.first()
    path = reverse("session_ics", kwargs={"session_id": session.pk})
    missing_path = reverse("session_ics", kwargs={"session_id": 999999})
    for role, expected in SESSION_ICS.items():
        client = client_for(world.persona(role))
        response = client.get(path)
        assert response.status_code == expected, role
        if expected == 404:  # exactly like a session that does not exist
            assert _page(response) == _page(client.get(missing_path)), role

    response = client_for(world.facilitator).get(path)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="circle-session-{session.pk}.ics"'
    )
    calendar = _read(response.content)
    [event] = _events(calendar).values()
    assert event.uid.value == _uid(session)
    assert _start(calendar, event) == session.starts_at
    assert set(_zones(calendar)) == {"America/Chicago"}
    assert response.content == ical.session_ics(session)  # what reminders attach


def test_it_serves_a_session_ics_to_the_community_host_who_is_not_in_the_circle(
    world, community, client_for
):
    other = circles.circle_schedule(
        community=community, by=world.admin, members=[world.other_facilitator],
        data={**schedule_data(title="Summaries"), "host": world.other_facilitator},
    )  # fmt: skip
    path = reverse("session_ics", kwargs={"session_id": other.sessions.first().pk})
    assert client_for(world.supervisor).get(path).status_code == 200  # community's host
    assert client_for(world.other_facilitator).get(path).status_code == 200  # member, host
    assert client_for(world.admin).get(path).status_code == 200
    assert client_for(world.facilitator).get(path).status_code == 404  # another circle
    assert client_for(world.dual).get(path).status_code == 404


def test_it_answers_404_for_another_organisations_session(world, outsider_circle, client_for):
    path = reverse("session_ics", kwargs={"session_id": outsider_circle.sessions.first().pk})
    assert client_for(world.outsider).get(path).status_code == 200
    for role in ("family", "facilitator", "supervisor", "admin", "operator"):
        assert client_for(world.persona(role)).get(path).status_code == 404, role
    # A member of the circle, but a family member in that organisation.
    assert client_for(world.dual).get(path).status_code == 404


def test_it_refuses_to_post_to_a_session_ics(world, circle, client_for):
    path = reverse("session_ics", kwargs={"session_id": circle.sessions.first().pk})
    assert client_for(world.facilitator).post(path).status_code == 405


# --- the page -------------------------------------------------------------------------


def test_it_shows_the_calendar_page_without_creating_a_link(world, client_for):
    response = client_for(world.family).get(reverse("calendar"))

    assert response.status_code == 200
    assert "Create my calendar link" in response.content.decode()
    world.family.refresh_from_db()
    assert world.family.calendar_token == ""  # reading never writes


def test_it_shows_the_link_to_copy_and_to_open(world, client_for):
    token = circles.calendar_token_new(user=world.facilitator)

    page = client_for(world.facilitator).get(reverse("calendar")).content.decode()

    assert f'value="{settings.SITE_URL}/calendar/{token}.ics"' in page
    site = settings.SITE_URL.split("://", 1)[1]
    assert f'href="webcal://{site}/calendar/{token}.ics"' in page
    assert "Make a new link" in page
    assert "Create my calendar link" not in page


def test_it_sends_anonymous_people_to_log_in(client):
    response = client.get(reverse("calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    before = client.post(reverse("calendar_token_new"))
    assert before.status_code == 302 and before["Location"].startswith("/accounts/login/")


def test_it_makes_a_new_link_that_revokes_the_old(world, circle, client_for):
    client = client_for(world.facilitator)
    old = circles.calendar_token_new(user=world.facilitator)

    response = client.post(reverse("calendar_token_new"))

    assert response.status_code == 302
    assert response["Location"] == reverse("calendar")
    world.facilitator.refresh_from_db()
    new = world.facilitator.calendar_token
    assert new and new != old
    page = client.get(reverse("calendar")).content.decode()
    assert "The old one no longer works" in page
    assert f"/calendar/{new}.ics" in page and old not in page
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_it_answers_an_htmx_post_with_the_link_section(world, client_for):
    client = client_for(world.supervisor)

    response = client.post(reverse("calendar_token_new"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    world.supervisor.refresh_from_db()
    assert body.lstrip().startswith('<section id="feed"')
    assert "<html" not in body
    assert f"/calendar/{world.supervisor.calendar_token}.ics" in body
    assert "Your calendar link is ready." in body


@pytest.mark.parametrize(("method", "name"), [("post", "calendar"), ("get", "calendar_token_new")])
def test_it_refuses_the_wrong_method(world, client_for, method, name):
    client = client_for(world.facilitator)
    assert getattr(client, method)(reverse(name)).status_code == 405
    world.facilitator.refresh_from_db()
    assert world.facilitator.calendar_token == ""
