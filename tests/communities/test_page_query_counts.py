"""Pages listing people, invitations and check-ins run a constant number of queries,
whatever their size (pinned, then re-checked with more data)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from communities.models import Invitation, Role
from engagement.models import MeetingCheckIn
from tests import factories


def _invitations(world, n: int, *, team=None) -> None:
    start = Invitation.objects.count()
    for i in range(start, start + n):
        Invitation.objects.create(
            organization=world.org, email=f"p{i}@rb.test", role=Role.FAMILY if team else
            Role.FACILITATOR, team=team, invited_by=world.admin, key=f"k{i}",
            expires_at=timezone.now() + timedelta(days=7 - i),
        )  # fmt: skip


def _staff(world, n: int) -> None:
    for _ in range(n):
        factories.make_member(factories.make_user(), world.org, Role.SUPERVISOR, world.program)


def _checkins(world, n: int) -> None:
    for _ in range(n):
        meeting = factories.make_meeting(world.team, by=world.facilitator)
        MeetingCheckIn.objects.create(
            meeting=meeting, family_member=factories.make_user(), agency=4, relevance=4,
            partnership=4, word="ok", submitted_at=timezone.now(),
        )  # fmt: skip


def _pinned(client, url, django_assert_num_queries, grow, expected: int) -> None:
    client.get(url)
    grow(1)
    with django_assert_num_queries(expected) as small:
        assert client.get(url).status_code == 200
    count = len(small.captured_queries)
    grow(6)
    with django_assert_num_queries(count):
        assert client.get(url).status_code == 200


def test_it_pins_the_setup_page(world, client_for, django_assert_num_queries):
    def grow(n):
        _invitations(world, n)
        _invitations(world, n, team=world.team)
        _staff(world, n)

    _pinned(client_for(world.admin), reverse("setup"), django_assert_num_queries, grow, 11)


def test_it_pins_the_family_invitation_page(world, client_for, django_assert_num_queries):
    url = reverse("family_invite", args=[world.team.pk])
    grow = lambda n: _invitations(world, n, team=world.team)  # noqa: E731
    _pinned(client_for(world.facilitator), url, django_assert_num_queries, grow, 5)


def test_it_pins_the_facilitator_home(world, client_for, django_assert_num_queries):
    def grow(n):
        _checkins(world, n)
        for _ in range(n):
            factories.make_team(world.program, facilitator=world.facilitator)

    # 6, and the facilitator's open drift signals.
    _pinned(client_for(world.facilitator), reverse("home"), django_assert_num_queries, grow, 7)


def test_it_pins_the_audit_trail(world, client_for, django_assert_num_queries):
    url = reverse("team_audit", args=[world.team.pk])
    grow = lambda n: [client_for(world.family).get(reverse("family_home")) for _ in range(n)]  # noqa: E731
    client = client_for(world.supervisor)
    client.get(url)
    grow(1)
    client = client_for(world.supervisor)
    with django_assert_num_queries(8) as small:
        assert client.get(url).status_code == 200
    count = len(small.captured_queries)  # before other requests reset the query log
    grow(6)
    client = client_for(world.supervisor)
    with django_assert_num_queries(count):
        assert client.get(url).status_code == 200


def test_it_pins_the_membership_page(world, client_for, django_assert_num_queries):
    from communities.models import Membership

    url = reverse("membership_edit", args=[Membership.objects.get(user=world.facilitator).pk])
    grow = lambda n: [factories.make_program(world.org) for _ in range(n)]  # noqa: E731
    _pinned(client_for(world.admin), url, django_assert_num_queries, grow, 7)


def test_it_pins_the_messages_page(world, client_for, django_assert_num_queries):
    from communities import outbox
    from communities.models import Message

    def grow(n):
        for _ in range(n):
            for state in ("failed", "pending", "sent"):
                outbox.email_queue(
                    kind="comment", subject_key=f"c{Message.objects.count()}",
                    to_email=world.family.email, recipient=world.family, team=world.team,
                )  # fmt: skip
                Message.objects.filter(pk=Message.objects.latest("pk").pk).update(state=state)

    _pinned(client_for(world.admin), reverse("message_list"), django_assert_num_queries, grow, 7)


def test_it_pins_the_settings_page(world, client_for, django_assert_num_queries):
    from communities.models import MessagePreference

    kinds = iter(["comment", "digest", "checkin_answered", "family_goal_created",
                  "family_goal_edited", "checkin_request", "x"])  # fmt: skip

    def grow(n):
        for _ in range(n):
            kind = next(kinds)
            if kind != "x":
                MessagePreference.objects.create(user=world.family, kind=kind, cadence="daily")

    _pinned(client_for(world.family), reverse("preferences"), django_assert_num_queries, grow, 4)
