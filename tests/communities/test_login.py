import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD


def test_it_logs_a_family_member_in_by_emailed_code(world, client):
    response = client.post(reverse("account_request_login_code"), {"email": world.family.email})
    assert response.status_code == 302
    code = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("family_home")


def test_it_does_not_reveal_whether_an_email_has_an_account(world, client):
    known = client.post(reverse("account_request_login_code"), {"email": world.family.email})
    client.logout()
    unknown = client.post(reverse("account_request_login_code"), {"email": "nobody@x.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_it_logs_staff_in_with_a_password(world, client):
    response = client.post(
        reverse("account_login"), {"login": world.facilitator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_answers_429_when_logins_come_too_fast(world, client):
    statuses = [
        client.post(
            reverse("account_login"), {"login": f"guess{i}@x.test", "password": "wrong"}
        ).status_code
        for i in range(25)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429
    response = client.post(reverse("account_login"), {"login": "a@x.test", "password": "x"})
    assert "Please slow down" in response.content.decode()


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_it_sends_admins_and_supervisors_without_an_authenticator_to_set_one_up(
    world, client_for, role
):
    user = getattr(world, role)
    user.authenticator_set.all().delete()
    client = client_for(user)
    for url in [reverse("home"), reverse("dashboard"), reverse("team_list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # The way out stays open.
    assert client.get(reverse("mfa_index")).status_code == 200


def test_it_does_not_require_mfa_of_facilitators_and_families(world, client_for):
    assert client_for(world.facilitator).get(reverse("home")).status_code == 200
    assert client_for(world.family).get(reverse("family_home")).status_code == 200


def test_it_lets_admins_with_an_authenticator_in(world, client_for):
    assert client_for(world.admin).get(reverse("home")).status_code == 200


def test_it_honours_the_demo_waiver_only_while_the_demo_setting_is_on(world, client_for, settings):
    world.admin.authenticator_set.all().delete()
    world.admin.mfa_waived_for_demo = True
    world.admin.save()
    settings.MIIWRAP_DEMO_MFA_WAIVER = True
    assert client_for(world.admin).get(reverse("home")).status_code == 200
    settings.MIIWRAP_DEMO_MFA_WAIVER = False
    assert client_for(world.admin).get(reverse("home")).status_code == 302


def test_it_has_no_open_signup(db, client):
    response = client.post(
        reverse("account_signup"), {"email": "walk.in@x.test", "password1": "s3cret-Pass!"}
    )
    assert "closed" in response.content.decode().lower()
    from communities.models import User

    assert not User.objects.filter(email="walk.in@x.test").exists()
