"""Roles per organisation and the facilitator's view of the family, in a real browser
(demo data, screenshots for the README)."""

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_it_lets_a_person_with_two_organisations_switch_to_their_family_portal(demo, new_page):
    page = new_page(width=360, height=740)
    log_in(page, "coach@riverbend.example")
    header = page.locator("header.site")
    assert "Riverbend Family Services" in header.inner_text()
    assert "Programs you supervise" in page.inner_text("main")
    assert "Brooks family" not in page.inner_text("main")
    page.select_option("#org-switch", label="Northside Youth Partners (Family member)")
    page.get_by_role("button", name="Switch organisation").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/family/")
    main = page.inner_text("main")
    assert "Brooks family" in main and "Okafor" not in main
    assert "Northside Youth Partners" in header.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "switch-organisation-phone")


def test_it_shows_the_facilitator_what_the_family_said(demo, new_page):
    page = new_page()
    log_in(page, "facilitator@riverbend.example")
    assert "What families said lately" in page.inner_text("main")
    page.get_by_role("link", name="Rivera family").first.click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "What the family said after meetings" in main
    assert "we decided" in main and "has not answered the check-in yet" in main
    assert "Recent changes by the family" in main
    screenshot(page, "team-family-said")
    page.goto("/notifications/")
    assert "rated the meeting" in page.inner_text("main")


def test_it_lets_an_admin_invite_resend_withdraw_and_change_a_role(demo, new_page):
    page = new_page()
    log_in(page, "admin@riverbend.example")
    page.goto("/setup/")
    page.fill("input[name=email]", "facilitator@riverbend.example")
    page.select_option("select[name=role]", "facilitator")
    page.get_by_role("button", name="Send invitation").click()
    assert "is already a member of Riverbend Family Services" in page.inner_text("main")
    page.fill("input[name=email]", "new.coach@riverbend.example")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state("networkidle")
    assert "Invitation sent to new.coach@riverbend.example" in page.inner_text("main")
    page.get_by_role("button", name="Resend to new.coach@riverbend.example").click()
    assert "A new link was sent" in page.inner_text("main")
    page.get_by_role("link", name="Change role or access of Priya Shah").click()
    page.select_option("select[name=role]", "supervisor")
    page.get_by_label("Youth & Family Partnership").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "Saved: Priya Shah." in page.inner_text("main")
    screenshot(page, "setup-invitations-roles")
    page.get_by_role(
        "button", name="Withdraw the invitation for new.coach@riverbend.example"
    ).click()
    assert "was withdrawn" in page.inner_text("main")
