"""Account events are audit entries without a team or an organisation: failed logins,
lockouts, login codes sent, and two-factor changes."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core import mail
from django.urls import reverse

from communities.models import AuditEntry
from tests.factories import PASSWORD


def account_entries(event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(detail__event=event).order_by("occurred_at", "id"))


def password_login(client, email: str, password: str, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def current_totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_it_audits_a_failed_password_login_as_an_event_of_the_account(world, client):
    response = password_login(client, world.facilitator.email, "wrong password")
    assert response.status_code == 200
    [entry] = account_entries("login_failed")
    assert entry.actor == world.facilitator
    assert entry.organization is None and entry.team is None
    assert entry.subject == "failed login"
    assert entry.detail == {"event": "login_failed", "method": "password"}
    assert entry.ip_address == "127.0.0.1"


def test_it_audits_a_failed_login_on_an_unknown_address_by_its_email(db, client):
    password_login(client, "Nobody@X.test", "whatever")
    [entry] = account_entries("login_failed")
    assert entry.actor is None
    assert entry.detail["email"] == "nobody@x.test"  # as allauth normalised it


def test_it_does_not_audit_a_successful_login_as_failed(world, client):
    assert password_login(client, world.facilitator.email, PASSWORD).status_code == 302
    assert account_entries("login_failed") == []


@pytest.mark.parametrize("trusted, expected", [(False, "10.1.1.1"), (True, "203.0.113.7")])
def test_it_records_the_forwarded_address_only_behind_a_proxy(
    world, client, settings, trusted, expected
):
    settings.TRUST_X_FORWARDED_FOR = trusted
    password_login(
        client,
        world.facilitator.email,
        "wrong password",
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7",
    )
    [entry] = account_entries("login_failed")
    assert entry.ip_address == expected


def test_it_audits_the_lockout_after_too_many_wrong_passwords(world, client):
    for _ in range(5):
        password_login(client, world.facilitator.email, "wrong password")
    assert account_entries("lockout") == []
    response = password_login(client, world.facilitator.email, PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    [entry] = account_entries("lockout")
    assert entry.actor == world.facilitator
    assert entry.organization is None
    assert entry.subject == "login locked out"
    assert entry.detail == {"event": "lockout", "reason": "account_login"}
    assert len(account_entries("login_failed")) == 5


def test_it_audits_login_codes_sent_and_the_lockout_of_further_requests(world, client):
    for _ in range(3):
        client.logout()  # a fresh session each time, as from separate visits
        response = client.post(reverse("account_request_login_code"), {"email": world.family.email})
        assert response.status_code == 302
    sent = account_entries("login_code_sent")
    assert [entry.actor for entry in sent] == [world.family] * 3
    assert all(entry.organization is None for entry in sent)
    # 3/m per address: the fourth request is refused and audited.
    client.logout()
    response = client.post(reverse("account_request_login_code"), {"email": world.family.email})
    assert response.status_code == 200
    [entry] = account_entries("lockout")
    assert entry.actor == world.family
    assert entry.detail == {"event": "lockout", "reason": "account_request_login_code"}
    assert len(account_entries("login_code_sent")) == 3


def test_it_audits_wrong_login_codes_and_the_code_ending(world, client):
    client.post(reverse("account_request_login_code"), {"email": world.family.email})
    code = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client.post(reverse("account_confirm_login_code"), {"code": wrong})
    failed = account_entries("login_failed")
    assert [(e.actor, e.detail["method"]) for e in failed] == [(world.family, "code")] * 3
    [entry] = account_entries("lockout")
    assert entry.actor == world.family
    assert entry.detail["reason"] == "login_code_attempts"


def test_it_audits_a_wrong_second_factor_as_a_failed_login(world, client):
    world.admin.authenticator_set.all().delete()
    TOTP.activate(world.admin, generate_totp_secret())
    response = password_login(client, world.admin.email, PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    [entry] = account_entries("login_failed")
    assert entry.actor == world.admin
    assert entry.detail == {"event": "login_failed", "method": "mfa:totp"}


def test_it_audits_two_factor_changes(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.facilitator)
    # allauth asks for the password again before two-factor changes.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert response.status_code == 302
    added = account_entries("authenticator_added")
    assert {entry.subject for entry in added} == {
        "authenticator added: totp",
        "authenticator added: recovery_codes",
    }
    assert all(e.actor == world.facilitator and e.organization is None for e in added)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
    [reset] = account_entries("authenticator_reset")
    assert reset.subject == "recovery codes regenerated"
    assert reset.actor == world.facilitator

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_deactivate_totp"))
    removed = account_entries("authenticator_removed")
    assert {entry.subject for entry in removed} == {
        "authenticator removed: totp",
        "authenticator removed: recovery_codes",
    }
    assert not Authenticator.objects.filter(user=world.facilitator).exists()


def test_it_records_an_address_refused_for_posting_logins_too_fast(db, client):
    from communities.models import AuditEntry

    for i in range(21):
        response = client.post(
            "/accounts/login/", {"login": f"guess{i}@x.test", "password": "wrong password"}
        )
    assert response.status_code == 429
    entry = AuditEntry.objects.filter(detail__event="lockout").latest("id")
    assert entry.detail["reason"] == "rate_limited"
    assert entry.detail["email"] == "guess20@x.test"


def test_it_allows_inline_styles_in_the_django_admin_only(world, client_for):
    client = client_for(world.operator)
    admin = client.get("/django-admin/communities/user/add/")
    assert admin.status_code == 200
    admin_policy = admin["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in admin_policy
    assert "'unsafe-inline'" not in admin_policy.split("script-src", 1)[1].split(";", 1)[0]
    page = client_for(world.family).get("/family/")
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
