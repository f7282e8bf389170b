"""The outbox in a real browser: an admin finds a failed email and sends it again; a
family member chooses what comes by email, on a phone, in Spanish."""

import pytest

from communities.models import Message, MessagePreference, User
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_it_lets_an_admin_find_and_retry_a_failed_email(demo, new_page):
    page = new_page()
    log_in(page, "admin@riverbend.example")
    page.get_by_role("link", name="Messages").click()
    main = page.inner_text("main")
    assert "old.address@riverbend.example" in main and "mailbox unavailable" in main
    assert "Northside" not in main
    screenshot(page, "messages-admin")
    page.get_by_role("button", name="Send again to old.address@riverbend.example").click()
    assert "will be sent again" in page.inner_text("main")
    failed = Message.objects.get(to_email="old.address@riverbend.example")
    assert failed.state in ("pending", "sending", "sent")


def test_it_lets_a_family_member_choose_emails_on_a_phone_in_spanish(demo, new_page):
    page = new_page(width=360, height=740, locale="es-ES")
    log_in(page, "family@riverbend.example")
    page.goto("/preferences/")
    page.get_by_label("Correo sobre: comentario nuevo").select_option("weekly")
    page.get_by_label("Horas de silencio desde").fill("21:00")
    page.get_by_label("Horas de silencio hasta").fill("07:00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "settings-emails-phone-es")
    page.get_by_role("button", name="Guardar").click()
    assert "Sus ajustes se guardaron." in page.inner_text("main")
    rosa = User.objects.get(email="family@riverbend.example")
    assert MessagePreference.objects.get(user=rosa, kind="comment").cadence == "weekly"
    assert rosa.quiet_hours_start.hour == 21
