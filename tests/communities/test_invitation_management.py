"""Inviting someone who is already a member is refused; pending invitations are listed
with resend and revoke; admins change staff roles, audited."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communities.models import AuditEntry, Invitation, Membership


@pytest.fixture
def send_on_commit(django_capture_on_commit_callbacks):
    from miiwrap.celery import app

    app.conf.task_always_eager = True
    yield django_capture_on_commit_callbacks
    app.conf.task_always_eager = False


def _pending(world, *, email="pending@rb.test", team=None, role="facilitator") -> Invitation:
    return Invitation.objects.create(
        organization=world.org, email=email, role=role, team=team, invited_by=world.admin,
        key=f"key-{email}", expires_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip


def test_it_refuses_to_invite_a_staff_member_again(world, client_for):
    response = client_for(world.admin).post(
        reverse("staff_invite"), {"email": "Facilitator@RB.test", "name": "Again",
                                  "role": "supervisor", "programs": [world.program.pk]},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400
    assert "facilitator@rb.test is already a member of Riverbend Test Services" in body
    assert 'value="Again"' in body  # what was typed is still there
    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_a_family_member_already_in_the_team(world, client_for):
    response = client_for(world.facilitator).post(
        reverse("family_invite", args=[world.team.pk]),
        {"email": world.family.email, "name": "", "relationship": "caregiver"},
    )
    assert response.status_code == 400
    assert "already in this family team" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_a_staff_member_as_family_in_their_own_organisation(world, client_for):
    response = client_for(world.facilitator).post(
        reverse("family_invite", args=[world.team.pk]),
        {"email": world.supervisor.email, "name": "", "relationship": "caregiver"},
    )
    assert response.status_code == 400
    assert "one role in an organisation" in response.content.decode()


def test_it_lets_a_family_member_join_a_second_team_of_the_organisation(world, client_for):
    response = client_for(world.other_facilitator).post(
        reverse("family_invite", args=[world.other_team.pk]),
        {"email": world.family.email, "name": "", "relationship": "caregiver"},
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(email=world.family.email, team=world.other_team).exists()


def test_it_refuses_a_duplicate_of_a_pending_invitation(world, client_for):
    _pending(world)
    response = client_for(world.admin).post(
        reverse("staff_invite"), {"email": "pending@rb.test", "role": "facilitator"}
    )
    assert response.status_code == 400
    assert "Resend it from the list" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_it_lists_pending_invitations_with_resend_and_revoke(world, client_for):
    invitation = _pending(world)
    family = _pending(world, email="fam@rb.test", team=world.team, role="family")
    setup = client_for(world.admin).get(reverse("setup")).content.decode()
    assert "pending@rb.test" in setup and "fam@rb.test" in setup
    assert reverse("invitation_resend", args=[invitation.pk]) in setup
    assert reverse("invitation_revoke", args=[invitation.pk]) in setup
    invite_page = client_for(world.facilitator).get(reverse("family_invite", args=[world.team.pk]))
    body = invite_page.content.decode()
    assert reverse("invitation_revoke", args=[family.pk]) in body
    assert "pending@rb.test" not in body  # staff invitations are the admin's


def test_it_resends_with_a_fresh_link_and_the_old_one_stops(world, client_for, send_on_commit):
    invitation = _pending(world, email="fam@rb.test", team=world.team, role="family")
    old_link = reverse("invitation_accept", args=[invitation.key])
    client = client_for(world.facilitator)
    with send_on_commit(execute=True):
        response = client.post(reverse("invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("family_invite", args=[world.team.pk])
    invitation.refresh_from_db()
    assert len(mail.outbox) == 1 and invitation.key in mail.outbox[0].body
    client.logout()
    assert client.get(old_link).status_code == 404
    assert client.get(reverse("invitation_accept", args=[invitation.key])).status_code == 200
    assert AuditEntry.objects.filter(subject__contains="resent", team=world.team).exists()


def test_it_revokes_and_the_link_says_so(world, client_for):
    invitation = _pending(world)
    response = client_for(world.admin).post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("setup")
    page = client_for(None).get(reverse("invitation_accept", args=[invitation.key]))
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()
    assert "pending@rb.test" not in client_for(world.admin).get(reverse("setup")).content.decode()
    # Accepting a withdrawn invitation changes nothing.
    client_for(None).post(reverse("invitation_accept", args=[invitation.key]), {"name": "X"})
    assert not Membership.objects.filter(user__email="pending@rb.test").exists()


def test_it_lets_an_admin_change_a_role_audited(world, client_for):
    membership = Membership.objects.get(user=world.facilitator)
    client = client_for(world.admin)
    assert client.get(reverse("membership_edit", args=[membership.pk])).status_code == 200
    response = client.post(
        reverse("membership_edit", args=[membership.pk]),
        {"role": "supervisor", "programs": [world.other_program.pk], "is_active": "on"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "supervisor"
    assert list(membership.supervised_programs.all()) == [world.other_program]
    entry = AuditEntry.objects.get(organization=world.org, subject__startswith="membership of")
    assert entry.actor == world.admin
    assert entry.detail["before"]["role"] == "facilitator"
    assert entry.detail["after"]["role"] == "supervisor"
    # The new role counts on their very next request: a supervisor needs MFA first.
    assert client_for(world.facilitator).get(reverse("dashboard"))["Location"] == reverse(
        "mfa_activate_totp"
    )


def test_it_deactivates_a_membership_and_the_person_is_out_next_request(world, client_for):
    membership = Membership.objects.get(user=world.facilitator)
    fac = client_for(world.facilitator)
    client_for(world.admin).post(
        reverse("membership_edit", args=[membership.pk]), {"role": "facilitator"}
    )
    membership.refresh_from_db()
    assert not membership.is_active
    fac.force_login(world.facilitator)
    assert fac.get(reverse("team_detail", args=[world.team.pk])).status_code == 404
    assert AuditEntry.objects.filter(subject__contains="deactivated").exists()


def test_it_refuses_bad_role_changes_and_changes_nothing(world, client_for):
    client = client_for(world.admin)
    own = Membership.objects.get(user=world.admin)
    response = client.post(
        reverse("membership_edit", args=[own.pk]), {"role": "facilitator", "is_active": "on"}
    )
    assert response.status_code == 400 and "your own role" in response.content.decode()
    sup = Membership.objects.get(user=world.supervisor)
    response = client.post(
        reverse("membership_edit", args=[sup.pk]), {"role": "supervisor", "is_active": "on"}
    )
    assert response.status_code == 400  # a supervisor needs programs
    bad = client.post(reverse("membership_edit", args=[sup.pk]), {"role": "owner"})
    assert bad.status_code == 400
    own.refresh_from_db()
    sup.refresh_from_db()
    assert own.role == "admin" and sup.supervised_programs.count() == 2
