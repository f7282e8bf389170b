"""The learning log: month by month, milestones reached at their exact thresholds with
the date reached, sharing a milestone with the community, who may read someone's log,
and pinned query counts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import (
    CircleSession,
    LearningCircle,
    LearningCommunity,
    Role,
    SessionResponse,
)
from reflections.learning import MILESTONES, milestones_reached
from reflections.models import (
    FollowThrough,
    MilestoneShare,
    Prompt,
    PromptDelivery,
    PromptWording,
    Reflection,
)
from tests import factories


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


def _reflections(user, org, days: list[date], **fields) -> list[Reflection]:
    return [
        Reflection.objects.create(
            author=user, organization=org, worked="Learned.", created_at=_at(day), **fields
        )
        for day in days
    ]


def _tried(user, org, days: list[date]) -> None:
    for reflection in _reflections(user, org, days, try_next="Try it."):
        FollowThrough.objects.create(reflection=reflection, outcome="tried",
                                     created_at=reflection.created_at)  # fmt: skip


@pytest.fixture
def circle(world):
    community = LearningCommunity.objects.create(organization=world.org, name="LC")
    community.members.add(world.facilitator, world.other_facilitator)
    return LearningCircle.objects.create(
        community=community, title="MI lab", focus="reflections", starts_on=date(2025, 1, 7),
        start_time=time(10), time_zone="America/Chicago", rrule="FREQ=WEEKLY",
    )  # fmt: skip


def _attend(circle, user, days: list[date], attendance: str = "present") -> None:
    for day in days:
        session = CircleSession.objects.create(
            circle=circle, occurrence_date=day, starts_at=_at(day),
            ends_at=_at(day) + timedelta(hours=1),
        )  # fmt: skip
        SessionResponse.objects.create(session=session, user=user, attendance=attendance)


def _answer_prompt(world, day: date) -> Reflection:
    prompt = Prompt.objects.create(tag="reflections")
    wording = PromptWording.objects.create(prompt=prompt, version=1, text_en="What did you hear?",
                                           text_es="¿Qué escuchaste?")  # fmt: skip
    delivery = PromptDelivery.objects.create(
        organization=world.org, recipient=world.facilitator, wording=wording,
        occurrence=f"weekly:test:{day}", due_at=_at(day),
    )  # fmt: skip
    return _reflections(world.facilitator, world.org, [day], prompt_delivery=delivery)[0]


TODAY = date(2026, 11, 20)


# --- milestones, at their exact thresholds -----------------------------------------------------


def test_it_reaches_ten_carried_through_items_at_the_tenth_on_its_date(world):
    days = [TODAY - timedelta(days=30 - n) for n in range(10)]
    _tried(world.facilitator, world.org, days[:9])
    assert "ten_tried" not in milestones_reached(world.facilitator, world.org.pk)
    # A "not yet" or "dropped" does not count.
    extra = _reflections(world.facilitator, world.org, [days[9]], try_next="Maybe.")[0]
    FollowThrough.objects.create(reflection=extra, outcome="not_yet")
    assert "ten_tried" not in milestones_reached(world.facilitator, world.org.pk)
    _tried(world.facilitator, world.org, days[9:])
    assert milestones_reached(world.facilitator, world.org.pk)["ten_tried"] == days[9]


def test_it_reaches_first_and_twenty_five_reflections_on_their_dates(world):
    days = [TODAY - timedelta(days=100 - 2 * n) for n in range(25)]
    _reflections(world.facilitator, world.org, days[:24])
    reached = milestones_reached(world.facilitator, world.org.pk)
    assert reached["first_reflection"] == days[0] and "twenty_five_reflections" not in reached
    _reflections(world.facilitator, world.org, days[24:])
    assert (
        milestones_reached(world.facilitator, world.org.pk)["twenty_five_reflections"] == days[24]
    )
    # Another organisation's reflections are another story.
    assert milestones_reached(world.facilitator, world.outsider_org.pk) == {}


def test_it_reaches_a_year_of_circles_at_365_days_of_attended_sessions(world, circle):
    start = date(2025, 6, 3)
    _attend(circle, world.facilitator, [start, start + timedelta(days=364)])
    _attend(circle, world.facilitator, [start + timedelta(days=400)], attendance="absent")
    reached = milestones_reached(world.facilitator, world.org.pk)
    assert reached["first_circle"] == start and "year_of_circles" not in reached
    _attend(circle, world.facilitator, [start + timedelta(days=365)])
    assert milestones_reached(world.facilitator, world.org.pk)["year_of_circles"] == start + (
        timedelta(days=365)
    )


def test_it_reaches_the_first_prompt_answered(world):
    _reflections(world.facilitator, world.org, [TODAY - timedelta(days=9)])
    assert "first_prompt" not in milestones_reached(world.facilitator, world.org.pk)
    _answer_prompt(world, TODAY - timedelta(days=3))
    assert milestones_reached(world.facilitator, world.org.pk)["first_prompt"] == (
        TODAY - timedelta(days=3)
    )


def test_it_defines_each_milestone_once():
    keys = [m.key for m in MILESTONES]
    assert len(keys) == len(set(keys)) == 6
    assert all(len(key) <= MilestoneShare._meta.get_field("milestone").max_length for key in keys)


# --- the page ------------------------------------------------------------------------------


def test_it_shows_the_last_twelve_months_and_the_milestones(world, client_for, circle):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    two_ago = (this_month - timedelta(days=40)).replace(day=15)
    long_ago = today - timedelta(days=500)
    _reflections(world.facilitator, world.org, [this_month, this_month, two_ago, long_ago])
    _attend(circle, world.facilitator, [two_ago])
    _tried(world.facilitator, world.org, [this_month])
    page = client_for(world.facilitator).get(reverse("learning_log")).content.decode()
    assert "My learning log" in page
    assert page.count('<tr><th scope="row">') == 12
    month_row = page.split(f'<th scope="row">{this_month:%B %Y}</th>')[1].split("</tr>")[0]
    counts = [cell.split("</span>")[0] for cell in month_row.split('<span class="count">')[1:]]
    assert counts == [
        "0",
        "3",
        "0",
        "1",
    ]  # circles, reflections (3 with the tried one), prompts, tried
    assert "(5 in all)" in page  # the one from 500 days ago counts in all, not in the months
    assert "First reflection" in page and "Reached on" in page
    assert "On the way: 1 of 10" in page  # ten carried-through items
    assert "Share with my learning community" in page
    for word in ("rank", "leaderboard", "league"):
        assert word not in page.lower()


def test_it_shares_a_reached_milestone_once_and_takes_it_back(world, client_for):
    _reflections(world.facilitator, world.org, [TODAY - timedelta(days=3)])
    client = client_for(world.facilitator)
    share = reverse("milestone_share")
    first = client.post(share, {"milestone": "first_reflection"}, follow=True)
    assert "Shared with your learning community" in first.content.decode()
    again = client.post(share, {"milestone": "first_reflection"}, follow=True)
    assert "already shared" in again.content.decode()
    shared = MilestoneShare.objects.get()
    assert shared.reached_on == TODAY - timedelta(days=3) and shared.organization == world.org
    fragment = client.post(reverse("milestone_unshare"), {"milestone": "first_reflection"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert fragment.status_code == 200 and "No longer shared" in fragment.content.decode()
    assert 'id="milestones"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert not MilestoneShare.objects.exists()


@pytest.mark.parametrize(
    ("milestone", "message"),
    [
        ("ten_tried", "You have not reached this milestone yet"),
        ("best_facilitator", "There is no such milestone"),
    ],
)
def test_it_refuses_to_share_a_milestone_not_reached(world, client_for, milestone, message):
    _reflections(world.facilitator, world.org, [TODAY])
    response = client_for(world.facilitator).post(reverse("milestone_share"),
                                                  {"milestone": milestone})  # fmt: skip
    assert response.status_code == 400 and message in response.content.decode()
    assert not MilestoneShare.objects.exists()


def test_it_shows_a_shared_milestone_in_the_communitys_feed(world, client_for, circle):
    _attend(circle, world.facilitator, [TODAY - timedelta(days=20)])
    client_for(world.facilitator).post(reverse("milestone_share"), {"milestone": "first_circle"})
    feed = client_for(world.other_facilitator).get(
        reverse("community_feed", args=[circle.community.pk])
    )
    body = feed.content.decode()
    assert "Fay Facilitator" in body and "First learning circle attended" in body


# --- whose log ------------------------------------------------------------------------------


def test_it_opens_a_facilitators_log_to_their_supervisors_only(world, client_for):
    url = reverse("learning_log_of", args=[world.facilitator.pk])
    expected = {
        world.facilitator: 200, world.supervisor: 200, world.dual: 200,
        world.other_facilitator: 404, world.admin: 404, world.family: 404,
        world.outsider: 404, world.operator: 404, None: 302,
    }  # fmt: skip
    for user, status in expected.items():
        assert client_for(user).get(url).status_code == status, user
    page = client_for(world.supervisor).get(url).content.decode()
    assert "Learning log of Fay Facilitator" in page and "Share with my" not in page
    # A supervisor of another program only: not theirs.
    coach = factories.make_user("coach@rb.test", name="Coach")
    factories.make_member(coach, world.org, Role.SUPERVISOR, world.other_program)
    factories.give_totp(coach)
    assert client_for(coach).get(url).status_code == 404
    assert client_for(world.family).get(reverse("learning_log")).status_code == 403


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "queries"), [("facilitator", 8), ("supervisor", 11)])
def test_it_pins_the_learning_logs_queries_at_two_sizes(
    world, client_for, circle, django_assert_num_queries, viewer, queries
):
    client = client_for(getattr(world, viewer))
    url = reverse("learning_log_of", args=[world.facilitator.pk])
    today = timezone.localdate()
    for size in (1, 12):
        days = [today - timedelta(days=20 * n + size) for n in range(size)]
        _reflections(world.facilitator, world.org, days)
        _tried(world.facilitator, world.org, days)
        _attend(circle, world.facilitator, days)
        _answer_prompt(world, days[0])
        MilestoneShare.objects.get_or_create(user=world.facilitator, organization=world.org,
                                             milestone="first_reflection",
                                             defaults={"reached_on": days[0]})  # fmt: skip
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
