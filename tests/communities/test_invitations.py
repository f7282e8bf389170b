from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communities.models import FamilyMember, Invitation, Membership, Role, User


def _link_from_email() -> str:
    body = mail.outbox[-1].body
    line = next(line for line in body.splitlines() if "/invitations/" in line)
    return line.strip().split("127.0.0.1:8000", 1)[-1]


@pytest.fixture
def send_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit enqueue, with Celery eager so the email lands in the outbox."""
    from miiwrap.celery import app

    app.conf.task_always_eager = True
    yield django_capture_on_commit_callbacks
    app.conf.task_always_eager = False


def test_it_lets_an_admin_invite_staff_who_then_joins(world, client_for, send_on_commit):
    client = client_for(world.admin)
    with send_on_commit(execute=True):
        response = client.post(
            reverse("staff_invite"),
            {"email": "new.coach@rb.test", "name": "Nia Coach", "role": "supervisor",
             "programs": [world.program.pk]},
        )  # fmt: skip
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.coach@rb.test"]
    link = _link_from_email()

    client.logout()
    assert client.get(link).status_code == 200
    response = client.post(link, {"name": "Nia Coach", "password": ""})
    assert response.status_code == 302
    user = User.objects.get(email="new.coach@rb.test")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.SUPERVISOR
    assert list(membership.supervised_programs.all()) == [world.program]
    assert user.emailaddress_set.get().verified
    # A supervisor must set up MFA before anything else.
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("mfa_activate_totp")


def test_it_lets_a_facilitator_invite_a_family_member_without_a_password(
    world, client_for, send_on_commit
):
    client = client_for(world.facilitator)
    with send_on_commit(execute=True):
        response = client.post(
            reverse("family_invite", args=[world.team.pk]),
            {"email": "tia@family.test", "name": "Tía Lucía", "relationship": "other"},
        )
    assert response.status_code == 302
    link = _link_from_email()
    client.logout()
    response = client.post(link, {"name": "Tía Lucía", "password": ""})
    assert response.status_code == 302
    user = User.objects.get(email="tia@family.test")
    assert not user.has_usable_password()
    assert FamilyMember.objects.filter(team=world.team, user=user, relationship="other").exists()
    assert client.get(reverse("home"))["Location"] == reverse("family_home")


def test_it_rejects_a_reused_invitation_link(world, client_for, send_on_commit):
    client = client_for(world.facilitator)
    with send_on_commit(execute=True):
        client.post(
            reverse("family_invite", args=[world.team.pk]),
            {"email": "once@family.test", "name": "", "relationship": "caregiver"},
        )
    link = _link_from_email()
    client.logout()
    client.post(link, {"name": "Once", "password": ""})
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    response = client.post(link, {"name": "Twice", "password": ""})
    assert response.status_code == 410
    assert User.objects.filter(email="once@family.test").count() == 1


def test_it_rejects_an_expired_invitation_link(world, client):
    invitation = Invitation.objects.create(
        organization=world.org,
        email="late@family.test",
        role=Role.FAMILY,
        team=world.team,
        key="expired-key",
        expires_at=timezone.now() - timedelta(minutes=1),
        created_at=timezone.now() - timedelta(days=7, minutes=1),
    )
    response = client.get(reverse("invitation_accept", args=[invitation.key]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    response = client.post(
        reverse("invitation_accept", args=[invitation.key]), {"name": "Late", "password": ""}
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="late@family.test").exists()


def test_it_gives_invitations_seven_days(world, client_for, send_on_commit):
    with send_on_commit(execute=True):
        client_for(world.admin).post(
            reverse("staff_invite"), {"email": "f@rb.test", "role": "facilitator"}
        )
    invitation = Invitation.objects.get(email="f@rb.test")
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_it_keeps_what_was_typed_when_the_staff_invitation_is_invalid(world, client_for):
    response = client_for(world.admin).post(
        reverse("staff_invite"), {"email": "coach@rb.test", "name": "Nia", "role": "supervisor"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one program" in page
    assert 'value="coach@rb.test"' in page
    assert not Invitation.objects.exists()


def test_it_refuses_family_invitations_from_anyone_but_the_teams_facilitator(world, client_for):
    for user, status in [(world.family, 403), (world.admin, 403), (world.outsider, 404),
                         (world.other_facilitator, 404)]:  # fmt: skip
        response = client_for(user).post(
            reverse("family_invite", args=[world.team.pk]),
            {"email": "x@family.test", "relationship": "caregiver"},
        )
        assert response.status_code == status
    assert not Invitation.objects.exists()


def test_it_refuses_staff_invitations_from_non_admins(world, client_for):
    for user in [world.family, world.facilitator, world.supervisor, world.outsider]:
        response = client_for(user).post(
            reverse("staff_invite"), {"email": "x@rb.test", "role": "admin"}
        )
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_it_sends_each_invitation_email_at_most_once(world, client_for, send_on_commit):
    from communities.models import Message
    from communities.tasks import outbox_send, outbox_sweep

    with send_on_commit(execute=True):
        client_for(world.admin).post(
            reverse("staff_invite"), {"email": "f@rb.test", "role": "facilitator"}
        )
    message = Message.objects.get(kind="invitation", to_email="f@rb.test")
    assert message.state == "sent"
    assert outbox_send(message.pk) is False  # a retried task sends nothing more
    assert outbox_sweep() == 0
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(email="f@rb.test").emailed_at is not None
