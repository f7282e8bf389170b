"""Drift in a real browser: the admin previews a threshold change before saving it, and
the supervisor opens a signal and follows it to what tripped it."""

import pytest
from playwright.sync_api import expect

from engagement.models import DriftRule
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

DANA = "admin@riverbend.example"
SAM = "supervisor@riverbend.example"


def test_the_admin_previews_a_threshold_then_saves_it(demo, new_page):
    page = new_page()
    log_in(page, DANA)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Drift signals").click()
    page.get_by_role("link", name="The rules and their thresholds").click()
    rule = page.locator("#rule-meeting_gap")
    rule.get_by_label("days:", exact=True).fill("10")
    rule.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview-meeting_gap")
    expect(preview).to_contain_text("would trip (open now: 1)")
    expect(preview).to_contain_text("Nothing is saved yet")
    assert not DriftRule.objects.exists()
    screenshot(page, "drift-rules")

    rule.get_by_label("days:", exact=True).fill("0")
    rule.get_by_role("button", name="Preview").click()
    expect(preview).to_contain_text("from 1 to 365 days")

    rule.get_by_label("days:", exact=True).fill("21")
    rule.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    assert DriftRule.objects.get().days == 21


def test_the_supervisor_opens_a_signal_and_follows_it_to_what_tripped_it(demo, new_page):
    page = new_page()
    log_in(page, SAM)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Drift signals").click()
    page.get_by_label("Rule").select_option(label="Low partnership")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**rule=low_partnership*")
    signals = page.locator("#results .drift-signal a")
    expect(signals.first).to_contain_text("Low partnership")
    team = signals.first.inner_text().split("·")[-1].strip()
    signals.first.click()
    expect(page.get_by_role("heading", name="Why you see this")).to_be_visible()
    expect(page.locator("main")).to_contain_text("is below 3 over the last 3 meetings")
    expect(page.locator("main")).to_contain_text("Families choose what the meeting works on")
    screenshot(page, "drift-signal")

    page.locator(".evidence a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(team)
    assert "#meeting-" in page.url
    expect(page.locator(page.url[page.url.index("#") :])).to_be_visible()
