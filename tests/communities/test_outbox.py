"""The outbox's rules: written with the change that causes it, at most once, honouring
preferences and quiet hours, retried with backoff, and every kind of message on it."""

from datetime import UTC, datetime, time

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from communities import outbox
from communities.models import Message, MessagePreference
from engagement import services


def _record_meeting(world):
    return services.team_meeting_record(
        team=world.team, by=world.facilitator, held_on=timezone.localdate(),
        duration_minutes=60, family_present=True, agenda_set_by="family",
        attendees=[world.family],
    )  # fmt: skip


def test_it_writes_messages_in_the_transaction_of_their_cause(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        _record_meeting(world)
        assert Message.objects.filter(recipient=world.family).count() == 2  # app + email
        raise RuntimeError("the meeting is not saved")
    assert not Message.objects.exists()


def test_it_writes_each_message_at_most_once(world):
    for _ in range(3):
        outbox.notify(recipients=[world.family], kind="checkin_request", subject_key="checkin:1",
                      team=world.team, params={"date": "2026-11-20", "team": "Rivera"})  # fmt: skip
    assert Message.objects.filter(channel="app").count() == 1
    assert Message.objects.filter(channel="email").count() == 1


def test_it_sends_the_check_in_email_in_the_readers_language(world):
    world.family.language = "es"
    world.family.save()
    _record_meeting(world)
    assert outbox.outbox_sweep() == 1
    email = mail.outbox[0]
    assert email.to == [world.family.email]
    assert email.subject == "¿Cómo estuvo la reunión de su equipo?"
    html = email.alternatives[0][0]
    assert 'lang="es"' in html and "/checkins/" in html
    assert email.extra_headers["Message-ID"] == outbox.message_id_for(
        Message.objects.get(channel="email")
    )
    assert "List-Unsubscribe" in email.extra_headers
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Riverbend Test Services" in email.from_email


def test_it_honours_a_preference_to_get_no_email(world):
    MessagePreference.objects.create(user=world.family, kind="checkin_request", email=False)
    _record_meeting(world)
    assert Message.objects.filter(recipient=world.family, channel="app").exists()
    assert not Message.objects.filter(channel="email").exists()


def test_it_cancels_the_check_in_email_when_answered_in_the_app(world):
    meeting = _record_meeting(world)
    checkin = meeting.checkins.get()
    services.meeting_checkin_submit(
        checkin_id=checkin.pk, by=world.family, ratings=services.Ratings(4, 4, 4)
    )
    assert Message.objects.get(recipient=world.family, channel="email").state == "cancelled"
    assert outbox.outbox_sweep() == 0 and not mail.outbox


@pytest.mark.parametrize(
    ("start", "end", "now_local", "expected_local"),
    [
        (time(21), time(7), datetime(2026, 3, 2, 22, 30), datetime(2026, 3, 3, 7, 0)),
        (time(21), time(7), datetime(2026, 3, 3, 6, 0), datetime(2026, 3, 3, 7, 0)),
        (time(21), time(7), datetime(2026, 3, 3, 12, 0), datetime(2026, 3, 3, 12, 0)),
        (time(12), time(14), datetime(2026, 3, 3, 13, 0), datetime(2026, 3, 3, 14, 0)),
        (time(12), time(14), datetime(2026, 3, 3, 14, 0), datetime(2026, 3, 3, 14, 0)),
    ],
)
def test_it_waits_for_the_end_of_quiet_hours_in_the_readers_zone(
    world, start, end, now_local, expected_local
):
    import zoneinfo

    zone = zoneinfo.ZoneInfo("America/Chicago")
    user = world.family
    user.quiet_hours_start, user.quiet_hours_end, user.time_zone = start, end, "America/Chicago"
    now = now_local.replace(tzinfo=zone).astimezone(UTC)
    assert outbox.after_quiet_hours(user, now) == expected_local.replace(tzinfo=zone)


def test_it_holds_an_instant_email_during_quiet_hours(world):
    world.family.quiet_hours_start, world.family.quiet_hours_end = time(0), time(23, 59)
    world.family.time_zone = "UTC"
    world.family.save()
    _record_meeting(world)
    email = Message.objects.get(channel="email")
    assert email.next_attempt_at > timezone.now()
    assert outbox.outbox_sweep() == 0 and not mail.outbox


def test_it_gathers_digests_by_each_persons_cadence(world, client_for):
    other = world.other_facilitator
    world.team.facilitators.add(other)
    MessagePreference.objects.create(user=other, kind="comment", cadence="weekly")
    client_for(world.family).post(reverse("comment_add", args=[world.goal.pk]), {"body": "Hi"})
    assert outbox.digests_compose(cadence="daily") == 1  # the facilitator, daily by default
    assert outbox.digests_compose(cadence="weekly") == 1  # the other facilitator
    assert outbox.digests_compose(cadence="weekly") == 0
    assert outbox.outbox_sweep() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.facilitator.email, other.email])
    assert all("commented on" in m.body for m in mail.outbox)


def test_it_sends_an_instant_email_when_chosen_and_no_digest_repeats_it(world, client_for):
    MessagePreference.objects.create(user=world.facilitator, kind="comment", cadence="instant")
    client_for(world.family).post(reverse("comment_add", args=[world.goal.pk]), {"body": "Hi"})
    assert outbox.outbox_sweep() == 1
    assert outbox.digests_compose(cadence="daily") == 0


class RefusingBackend:
    """Stands in for an SMTP server that refuses: what leaves the machine is mocked."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


@override_settings(
    EMAIL_BACKEND="tests.communities.test_outbox.RefusingBackend",
    OUTBOX_RETRY_BASE_SECONDS=30,
    OUTBOX_MAX_ATTEMPTS=3,
)
def test_it_retries_with_backoff_then_marks_failed_for_the_admins(world, client_for):
    _record_meeting(world)
    email = Message.objects.get(channel="email")
    waits = []
    for _ in range(3):
        Message.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        outbox.outbox_sweep()
        email.refresh_from_db()
        if email.state == "pending":
            waits.append((email.next_attempt_at - before).total_seconds())
    assert email.state == "failed" and email.attempts == 3
    assert "refused" in email.last_error
    assert 29 < waits[0] < 32 and 59 < waits[1] < 62  # 30 s, then 60 s
    page = client_for(world.admin).get(reverse("message_list")).content.decode()
    assert "refused" in page and world.family.email in page
    response = client_for(world.admin).post(reverse("message_retry", args=[email.pk]))
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.state == "pending" and email.attempts == 0


def test_it_shows_admins_only_their_organisations_messages(world, client_for):
    outbox.email_queue(kind="invitation", subject_key="invitation:x", to_email="n@ns.test",
                       organization=world.outsider_org, params={"invitation": 0})  # fmt: skip
    Message.objects.update(state="failed", last_error="Northside only")
    page = client_for(world.admin).get(reverse("message_list")).content.decode()
    assert "Northside only" not in page and "n@ns.test" not in page


def test_it_cancels_an_invitation_email_withdrawn_before_it_went(world, client_for):
    with transaction.atomic():
        from communities.services import invitation_create, invitation_revoke

        invitation = invitation_create(organization=world.org, by=world.admin,
                                       email="late@rb.test", role="facilitator")  # fmt: skip
        invitation_revoke(invitation=invitation, by=world.admin)
    assert outbox.outbox_sweep() == 0 and not mail.outbox
    assert Message.objects.get(to_email="late@rb.test").state == "cancelled"


def test_it_sends_login_codes_at_once_and_keeps_no_code(world, client):
    response = client.post(reverse("account_request_login_code"), {"email": world.family.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1  # at once, not after the sweeper
    message = Message.objects.get(kind="account")
    assert message.state == "sent" and message.to_email == world.family.email
    code = next(w for w in mail.outbox[0].body.split() if w.isdigit() and len(w) == 6)
    assert code not in str(message.params)  # a sent code is not kept


# --- preferences and unsubscribe -----------------------------------------------------


def _preferences(**changes) -> dict:
    data = {"name": "Rosa", "language": "en", "time_zone": "America/Chicago",
            **{f"email_{kind}": outbox.CADENCE_CHOICES[kind][0]
               for kind in outbox.CHOOSABLE_KINDS}}  # fmt: skip
    data.update(changes)
    return data


def test_it_saves_message_preferences_and_quiet_hours(world, client_for):
    client = client_for(world.family)
    page = client.get(reverse("preferences")).content.decode()
    assert "Email me about: new comment" in page
    response = client.post(reverse("preferences"), _preferences(
        email_comment="weekly", email_checkin_request="off",
        quiet_hours_start="21:00", quiet_hours_end="07:00",
    ))  # fmt: skip
    assert response.status_code == 302
    prefs = {p.kind: (p.email, p.cadence) for p in world.family.message_preferences.all()}
    assert prefs["comment"] == (True, "weekly")
    assert prefs["checkin_request"][0] is False
    world.family.refresh_from_db()
    assert world.family.quiet_hours_start == time(21) and world.family.quiet_hours_end == time(7)
    page = client.get(reverse("preferences")).content.decode()
    assert '<option value="weekly" selected>' in page


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"quiet_hours_start": "21:00"}, "or neither"),
        ({"quiet_hours_start": "08:00", "quiet_hours_end": "08:00"}, "another time"),
        ({"email_digest": "weekly"}, "Select a valid choice"),
        ({"email_comment": "hourly"}, "Select a valid choice"),
    ],
)
def test_it_refuses_bad_preferences_and_changes_nothing(world, client_for, changes, error):
    response = client_for(world.family).post(
        reverse("preferences"), _preferences(name="Typed name", **changes)
    )
    body = response.content.decode()
    assert response.status_code == 400 and error in body
    assert 'value="Typed name"' in body  # what was typed is still there
    assert not MessagePreference.objects.exists()
    world.family.refresh_from_db()
    assert world.family.name == "Rosa Family"


def test_it_unsubscribes_in_one_click_without_logging_in(world):
    from django.test import Client

    token = outbox.unsubscribe_token(world.family, "checkin_request")
    client = Client(enforce_csrf_checks=True)  # a mail client posts without our token
    page = client.get(reverse("unsubscribe", args=[token]))
    assert page.status_code == 200 and "meeting check-in" in page.content.decode()
    assert not MessagePreference.objects.exists()  # looking changes nothing
    response = client.post(reverse("unsubscribe", args=[token]), "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    pref = MessagePreference.objects.get()
    assert (pref.user, pref.kind, pref.email) == (world.family, "checkin_request", False)
    _record_meeting(world)
    assert not Message.objects.filter(channel="email").exists()


@pytest.mark.parametrize("case", ["tampered", "expired", "not a kind one chooses"])
def test_it_refuses_a_bad_unsubscribe_link_and_changes_nothing(world, client, case):
    from unittest import mock

    from django.core import signing

    if case == "tampered":
        token = outbox.unsubscribe_token(world.family, "comment")[:-2] + "xx"
    elif case == "expired":
        with mock.patch("django.core.signing.time.time", return_value=0):
            token = outbox.unsubscribe_token(world.family, "comment")
    else:
        token = signing.dumps({"u": world.family.pk, "k": "invitation"},
                              salt="miiwrap.unsubscribe", compress=True)  # fmt: skip
    for method in (client.get, client.post):
        response = method(reverse("unsubscribe", args=[token]))
        assert response.status_code == 400
        assert "not valid or has expired" in response.content.decode()
    assert not MessagePreference.objects.exists()


def test_it_lets_nobody_change_another_persons_preferences(world, client_for):
    client_for(world.facilitator).post(reverse("preferences"), _preferences(name="Hacker"))
    assert not MessagePreference.objects.filter(user=world.family).exists()
    world.family.refresh_from_db()
    assert world.family.name == "Rosa Family"


def test_it_lists_a_failed_email_that_has_no_account_behind_it(world, client_for):
    """An invitation's email goes to an address, not to a user (a 500 once)."""
    outbox.email_queue(kind="invitation", subject_key="invitation:y", to_email="gone@rb.test",
                       organization=world.org, params={"invitation": 0})  # fmt: skip
    Message.objects.update(state="failed", last_error="550 mailbox unavailable")
    page = client_for(world.admin).get(reverse("message_list"))
    assert page.status_code == 200
    assert "gone@rb.test" in page.content.decode()
