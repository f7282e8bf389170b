"""Learning circles in a real browser: the admin schedules a monthly circle, the
facilitator finds it in the month view and answers in one tap."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import LearningCircle, SessionResponse, User
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_it_lets_the_admin_schedule_and_the_facilitator_rsvp(demo, new_page):
    admin = new_page()
    log_in(admin, "admin@riverbend.example")
    admin.get_by_role("link", name="Circles").click()
    admin.get_by_role("link", name="Learning communities").click()
    admin.get_by_role("link", name="Riverbend MiiWrap Practice Community").click()
    admin.get_by_role("link", name="Schedule a circle").click()
    first = timezone.localdate() + timedelta(days=10)
    admin.fill("input[name=title]", "Affirmations circle")
    admin.select_option("select[name=focus]", "affirmations")
    admin.fill("input[name=starts_on]", first.isoformat())
    admin.fill("input[name=start_time]", "09:30")
    admin.get_by_label("every month, on the same weekday (e.g. the 2nd Tuesday)").check()
    admin.fill("input[name=count]", "6")
    admin.get_by_label("Maya Ortiz").first.check()
    admin.wait_for_selector("#preview ol li")  # the live preview (htmx)
    assert admin.locator("#preview ol li").count() == 6
    admin.wait_for_timeout(400)  # the preview waits 300 ms after the last change
    admin.wait_for_load_state("networkidle")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Schedule", exact=True).click()
    errors = admin.locator(".errorlist, p.error").all_inner_texts()
    assert "Circle scheduled" in admin.inner_text("main"), errors
    screenshot(admin, "circle-detail")
    circle = LearningCircle.objects.get(title="Affirmations circle")
    assert circle.rrule.startswith("FREQ=MONTHLY") and circle.sessions.exists()

    maya = new_page(width=360, height=740)
    log_in(maya, "facilitator@riverbend.example")
    maya.goto(f"/circles/?view=month&month={first:%Y-%m}")
    assert maya.evaluate("document.documentElement.scrollWidth") <= 360
    maya.get_by_role("link", name="09:30 Affirmations circle").click()
    maya.get_by_role("button", name="Going", exact=True).click()
    maya.wait_for_selector("text=You're going. See you there!")
    screenshot(maya, "circle-session-phone")
    session = circle.sessions.order_by("starts_at").first()
    assert (
        SessionResponse.objects.get(
            session=session, user=User.objects.get(email="facilitator@riverbend.example")
        ).rsvp
        == "going"
    )
