"""What a real SMTP server receives: the headers (a Message-ID from the row's key, the
same when sent again; one-click unsubscribe for kinds people choose) and both parts in
the reader's language."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import resolve
from django.utils import timezone

from communities import outbox
from communities.models import Message
from communities.services import invitation_create
from engagement import services


def _spanish_checkin_email(world) -> Message:
    world.family.language = "es"
    world.family.save(update_fields=["language"])
    services.team_meeting_record(
        team=world.team, by=world.facilitator, held_on=date(2026, 11, 20),
        duration_minutes=60, family_present=True, agenda_set_by="family",
        attendees=[world.family],
    )  # fmt: skip
    return Message.objects.get(channel="email", recipient=world.family)


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_spanish_reader_both_parts_and_the_unsubscribe_headers(world, smtp):
    row = _spanish_checkin_email(world)
    assert outbox.outbox_sweep() == 1

    (received,) = smtp.messages
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:40]
    assert re.fullmatch(rf"<{digest}@[\w.-]+>", received["Message-ID"])
    assert received["To"] == world.family.email
    assert "Riverbend Test Services" in received["From"]
    assert received["Subject"] == "¿Cómo estuvo la reunión de su equipo?"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(https?://\S+)>", received["List-Unsubscribe"].strip()).group(1)
    match = resolve(urlsplit(link).path)
    assert match.url_name == "unsubscribe"
    assert outbox.unsubscribe_read(match.kwargs["token"]) == (world.family, "checkin_request")

    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Hola, Rosa" in part
        assert "20 de noviembre de 2026" in part
        assert "El enlace es solo para usted y sirve una sola vez, durante 7 días." in part
        assert "/checkins/" in part
        assert "Thank you" not in part
    assert 'lang="es"' in html and link in text

    # Sent again (a crash after the server accepted it, before the row was marked): the
    # same Message-ID, so a mail client shows one message.
    Message.objects.filter(pk=row.pk).update(
        state="sending", lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.outbox_sweep() == 1
    assert smtp.message_ids == {received["Message-ID"]: 2}


@pytest.mark.django_db(transaction=True)
def test_it_sends_an_invitation_without_an_unsubscribe_header(world, smtp):
    invitation_create(organization=world.org, by=world.admin, email="new.facilitator@rb.test",
                      role="facilitator")  # fmt: skip
    assert "invitation" not in outbox.CHOOSABLE_KINDS
    assert outbox.outbox_sweep() == 1
    (received,) = smtp.messages
    assert received["Message-ID"] == outbox.message_id_for(Message.objects.get(channel="email"))
    assert received["List-Unsubscribe"] is None and received["List-Unsubscribe-Post"] is None
    assert received.get_body(("plain",)) and received.get_body(("html",))
