"""Reflections on learning-circle sessions: members and hosts reflect, the "try next"
comes back after the circle's next session (follow-through), drafts keep every word."""

from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone

from communities import circles
from communities.models import LearningCommunity
from engagement.models import EngagementEvent
from reflections.models import FollowThrough, Reflection, ReflectionDraft


def _circle(world):
    community = LearningCommunity.objects.create(
        organization=world.org, name="MI practice", host=world.supervisor
    )
    community.members.add(world.facilitator, world.other_facilitator, world.supervisor)
    start = timezone.now() + timedelta(days=1)
    return circles.circle_schedule(
        community=community, by=world.admin, members=[world.facilitator, world.supervisor],
        data={"title": "Reflections lab", "focus": "reflections", "agenda": "",
              "starts_on": start.date(), "start_time": time(9), "time_zone": "UTC",
              "duration_minutes": 60, "location": "", "rrule": "FREQ=WEEKLY;COUNT=3",
              "host": world.supervisor},
    )  # fmt: skip


def test_a_member_reflects_on_a_session_and_follows_it_through_after_the_next(world, client_for):
    circle = _circle(world)
    first, second = circle.sessions.order_by("starts_at")[:2]
    client = client_for(world.facilitator)
    page = client.get(reverse("session_detail", args=[first.pk])).content.decode()
    assert reverse("session_reflection_new", args=[first.pk]) in page
    response = client.post(reverse("session_reflection_new", args=[first.pk]), {
        "worked": "Pairs practice made complex reflections feel possible.",
        "try_next": "One complex reflection per family meeting.", "visibility": "shared",
        "principles": ["collaboration"],
    })  # fmt: skip
    reflection = Reflection.objects.get()
    assert response["Location"] == reverse("reflection_detail", args=[reflection.pk])
    assert reflection.circle_session == first and reflection.community == circle.community
    assert reflection.team is None
    assert EngagementEvent.objects.filter(
        kind="reflection_logged", circle_session=first, actor=world.facilitator
    ).exists()

    page = client.get(reverse("session_reflection_new", args=[second.pk])).content.decode()
    assert "One complex reflection per family meeting." in page
    missing = client.post(reverse("session_reflection_new", args=[second.pk]),
                          {"worked": "Kept", "visibility": "private"})  # fmt: skip
    assert missing.status_code == 400 and "Say what became of it" in missing.content.decode()
    assert "Kept" in missing.content.decode()
    client.post(reverse("session_reflection_new", args=[second.pk]), {
        "worked": "I tried it twice.", "outcome": "tried", "note": "The family laughed.",
        "visibility": "private",
    })  # fmt: skip
    follow = FollowThrough.objects.get()
    assert follow.reflection == reflection and follow.outcome == "tried"
    assert follow.told_in.circle_session == second


def test_a_team_try_next_and_a_circle_try_next_are_followed_through_apart(world, client_for):
    circle = _circle(world)
    session = circle.sessions.order_by("starts_at").first()
    client = client_for(world.facilitator)
    client.post(reverse("reflection_new", args=[world.team.pk]),
                {"worked": "x", "try_next": "Team item", "visibility": "private"})  # fmt: skip
    page = client.get(reverse("session_reflection_new", args=[session.pk])).content.decode()
    assert "Team item" not in page


def test_staff_outside_the_circle_may_not_reflect_on_it_and_other_orgs_get_404(world, client_for):
    session = _circle(world).sessions.first()
    url = reverse("session_reflection_new", args=[session.pk])
    data = {"worked": "x", "visibility": "private"}
    assert client_for(world.other_facilitator).post(url, data).status_code == 403
    assert client_for(world.outsider).post(url, data).status_code == 404
    assert client_for(world.family).post(url, data).status_code == 404
    draft_url = reverse("session_reflection_draft", args=[session.pk])
    assert client_for(world.outsider).post(draft_url, data).status_code == 404
    assert not Reflection.objects.exists() and not ReflectionDraft.objects.exists()
    # The host (not a member) may.
    assert client_for(world.supervisor).post(url, data).status_code == 302


def test_a_session_draft_comes_back(world, client_for):
    session = _circle(world).sessions.first()
    client = client_for(world.facilitator)
    client.post(reverse("session_reflection_draft", args=[session.pk]),
                {"worked": "Half a thought", "principles": ["persistence"]})  # fmt: skip
    client.logout()
    page = client_for(world.facilitator).get(reverse("session_reflection_new", args=[session.pk]))
    assert "Half a thought" in page.content.decode()
