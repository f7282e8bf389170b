"""Scheduling, communities, RSVP, attendance and the session pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import CircleSession, LearningCircle, LearningCommunity, SessionResponse


def _in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def _circle_post(**changes) -> dict:
    data = {
        "title": "Open questions lab", "focus": "open_questions", "agenda": "Practise.",
        "starts_on": _in_days(3), "start_time": "10:00", "time_zone": "America/Chicago",
        "duration_minutes": 60, "location": "Room 2", "frequency": "monthly_nth",
        "count": 6, "reminders": ["1440", "60"], "members": [],
    }  # fmt: skip
    data.update(changes)
    return data


def test_it_schedules_a_monthly_circle_with_its_sessions(world, community, client_for):
    client = client_for(world.admin)
    assert client.get(reverse("circle_new", args=[community.pk])).status_code == 200
    response = client.post(
        reverse("circle_new", args=[community.pk]),
        _circle_post(members=[world.facilitator.pk], host=world.supervisor.pk),
    )
    assert response.status_code == 302
    circle = LearningCircle.objects.get()
    assert circle.rrule.startswith("FREQ=MONTHLY;BYDAY=") and circle.rrule.endswith("COUNT=6")
    assert circle.reminder_minutes == [1440, 60] and circle.host == world.supervisor
    sessions = list(circle.sessions.order_by("starts_at"))
    assert 3 <= len(sessions) <= 4  # the ones within 12 weeks
    assert len({s.starts_at.astimezone(timezone.get_current_timezone()).weekday()
                for s in sessions}) == 1  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"frequency": "custom", "custom_rrule": "FREQ=NEVER"}, "not valid"),
        ({"frequency": "custom", "custom_rrule": ""}, "Write the rule"),
        ({"count": "", "until": _in_days(1)}, "before the first date"),
        ({"starts_on": _in_days(-1)}, "can&#x27;t be in the past"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"duration_minutes": 0}, "between 1 minute and 8 hours"),
        ({"duration_minutes": 481}, "between 1 minute and 8 hours"),
        ({"frequency": "custom", "custom_rrule": "FREQ=DAILY", "count": 201}, "less than or"),
        ({"frequency": "custom", "custom_rrule": "FREQ=DAILY;COUNT=250", "count": ""},
         "more than 200"),
        ({"count": "", "until": ""}, "Say when the circle ends"),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_schedule_and_keeps_what_was_typed(
    world, community, client_for, changes, message
):
    response = client_for(world.admin).post(
        reverse("circle_new", args=[community.pk]), _circle_post(title="Typed title", **changes)
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert 'value="Typed title"' in body
    assert not LearningCircle.objects.exists()


def test_it_refuses_a_member_from_another_organisation(world, community, client_for):
    response = client_for(world.admin).post(
        reverse("circle_new", args=[community.pk]), _circle_post(members=[world.outsider.pk])
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not LearningCircle.objects.exists()


def test_it_previews_the_next_dates_with_htmx_and_without(world, community, client_for):
    client = client_for(world.admin)
    fragment = client.get(reverse("circle_preview"), _circle_post(frequency="weekly", count=10),
                          HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert 'id="preview"' in fragment and "<html" not in fragment
    assert fragment.count("<li>") == 8
    bad = client.get(reverse("circle_preview"), _circle_post(duration_minutes=0)).content.decode()
    assert "between 1 minute and 8 hours" in bad
    page = client.get(reverse("circle_new", args=[community.pk]), _circle_post(count=3))
    assert page.content.decode().count("(America/Chicago)") == 3  # no JavaScript needed
    assert not LearningCircle.objects.exists()  # previewing saves nothing


def test_it_lets_a_member_rsvp_in_one_tap(world, circle, client_for):
    session = circle.sessions.first()
    client = client_for(world.facilitator)
    response = client.post(reverse("session_rsvp", args=[session.pk]), {"rsvp": "going"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200 and 'id="rsvp"' in response.content.decode()
    assert "You&#x27;re going" in response.content.decode() or "You're going" in (
        response.content.decode()
    )
    client.post(reverse("session_rsvp", args=[session.pk]), {"rsvp": "not_going"})
    assert SessionResponse.objects.get(session=session, user=world.facilitator).rsvp == "not_going"


def test_it_refuses_an_rsvp_from_a_non_member_and_changes_nothing(world, circle, client_for):
    session = circle.sessions.first()
    response = client_for(world.admin).post(
        reverse("session_rsvp", args=[session.pk]), {"rsvp": "going"}
    )
    assert response.status_code == 403
    assert "Only the circle" in response.content.decode()
    bad = client_for(world.facilitator).post(
        reverse("session_rsvp", args=[session.pk]), {"rsvp": "maybe"}
    )
    assert bad.status_code == 400
    assert not SessionResponse.objects.exists()


def test_it_lets_the_host_take_attendance_on_a_phone(world, circle, client_for):
    session = circle.sessions.first()
    client = client_for(world.supervisor)  # the circle's host
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert f'name="member_{world.facilitator.pk}"' in page
    response = client.post(reverse("session_attendance", args=[session.pk]), {
        f"member_{world.facilitator.pk}": "present", f"member_{world.supervisor.pk}": "excused",
    })  # fmt: skip
    assert response.status_code == 302
    marks = dict(SessionResponse.objects.values_list("user__email", "attendance"))
    assert marks == {world.facilitator.email: "present", world.supervisor.email: "excused"}
    bad = client.post(reverse("session_attendance", args=[session.pk]),
                      {f"member_{world.facilitator.pk}": "asleep"})  # fmt: skip
    assert bad.status_code == 400
    assert SessionResponse.objects.get(user=world.facilitator).attendance == "present"
    refused = client_for(world.facilitator).post(
        reverse("session_attendance", args=[session.pk]), {f"member_{world.facilitator.pk}": ""}
    )
    assert refused.status_code == 403


def test_it_moves_and_cancels_one_session(world, circle, client_for):
    session = circle.sessions.order_by("starts_at").first()
    client = client_for(world.admin)
    past = client.post(reverse("session_move", args=[session.pk]),
                       {"starts_on": _in_days(-3), "start_time": "10:00"})  # fmt: skip
    assert past.status_code == 400 and "into the past" in past.content.decode()
    client.post(reverse("session_move", args=[session.pk]),
                {"starts_on": _in_days(4), "start_time": "15:00"})  # fmt: skip
    session.refresh_from_db()
    assert session.moved and session.sequence == 1
    client.post(reverse("session_cancel", args=[session.pk]))
    session.refresh_from_db()
    assert session.is_cancelled and session.sequence == 2
    page = client_for(world.facilitator).get(reverse("session_detail", args=[session.pk]))
    assert "cancelled" in page.content.decode()


def test_it_shows_my_sessions_as_a_list_and_a_month(world, circle, client_for):
    client = client_for(world.facilitator)
    listing = client.get(reverse("upcoming_sessions")).content.decode()
    assert "Reflections lab" in listing
    first = circle.sessions.order_by("starts_at").first()
    month = first.starts_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m")
    grid = client.get(reverse("upcoming_sessions"), {"view": "month", "month": month})
    body = grid.content.decode()
    assert reverse("session_detail", args=[first.pk]) in body and 'class="month"' in body
    assert (
        client.get(reverse("upcoming_sessions"), {"view": "month", "month": "x"}).status_code == 200
    )
    other = client_for(world.other_facilitator).get(reverse("upcoming_sessions")).content.decode()
    assert "Reflections lab" not in other  # not a member


def test_it_lets_an_admin_create_a_community_of_staff_only(world, client_for):
    client = client_for(world.admin)
    response = client.post(reverse("community_new"), {
        "name": "Coaches", "members": [world.facilitator.pk, world.family.pk],
    })  # fmt: skip
    assert response.status_code == 400  # a family member is not staff
    response = client.post(reverse("community_new"), {
        "name": "Coaches", "members": [world.facilitator.pk], "host": world.supervisor.pk,
    })  # fmt: skip
    assert response.status_code == 302
    community = LearningCommunity.objects.get(name="Coaches")
    assert community.organization == world.org and list(community.members.all()) == [
        world.facilitator
    ]


def test_it_shows_a_community_with_past_attendance(world, circle, client_for):
    session = circle.sessions.order_by("starts_at").first()
    CircleSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(days=7), ends_at=timezone.now() - timedelta(days=7)
    )
    SessionResponse.objects.create(session=session, user=world.facilitator, attendance="present")
    page = (
        client_for(world.facilitator)
        .get(reverse("community_detail", args=[circle.community.pk]))
        .content.decode()
    )
    assert "1 present, 0 absent" in page and "Reflections lab" in page


def test_it_pins_the_circle_pages_query_counts(
    world, circle, client_for, django_assert_num_queries
):
    from communities import circles

    client = client_for(world.facilitator)
    urls = [
        reverse("upcoming_sessions"),
        reverse("circle_detail", args=[circle.pk]),
        reverse("community_detail", args=[circle.community.pk]),
        reverse("session_detail", args=[circle.sessions.first().pk]),
    ]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        counts[url] = len(small.captured_queries)
    for n in range(4):  # more circles, members and answers
        extra = circles.circle_schedule(
            community=circle.community, by=world.admin, members=[world.facilitator],
            data={"title": f"Extra {n}", "focus": "summaries", "starts_on": circle.starts_on,
                  "start_time": circle.start_time, "time_zone": "America/Chicago",
                  "duration_minutes": 30, "rrule": "FREQ=WEEKLY;COUNT=8", "host": world.admin},
        )  # fmt: skip
        for s in extra.sessions.all():
            SessionResponse.objects.create(session=s, user=world.facilitator, rsvp="going")
    for url in urls:
        with django_assert_num_queries(counts[url]):
            client.get(url)


def test_it_shows_each_member_their_attendance_history(world, circle, client_for):
    session = circle.sessions.order_by("starts_at").first()
    CircleSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(days=7), ends_at=timezone.now() - timedelta(days=7)
    )
    SessionResponse.objects.create(session=session, user=world.facilitator, attendance="absent")
    page = client_for(world.facilitator).get(reverse("upcoming_sessions")).content.decode()
    history = page.split("My attendance", 1)[1]
    assert "Reflections lab" in history and "<strong>absent</strong>" in history
    other = client_for(world.supervisor).get(reverse("upcoming_sessions")).content.decode()
    assert "not recorded" in other.split("My attendance", 1)[1]
