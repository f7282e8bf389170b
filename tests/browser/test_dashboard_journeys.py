"""The supervisor's dashboard in a real browser: filter it, open a trend, and reach the
team that needs attention in two clicks from the dashboard (sort, then the team)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

SAM = "supervisor@riverbend.example"


def test_the_supervisor_filters_opens_a_trend_and_drills_into_a_team(demo, new_page):
    page = new_page()
    log_in(page, SAM)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#results table.dashboard tbody tr").first).to_be_visible()
    screenshot(page, "dashboard-supervisor")

    page.get_by_label("Program").select_option(label="Intensive Wraparound")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**program=*")  # the filter is in the address (htmx pushes it)
    expect(page.locator("#results table.dashboard tbody")).not_to_contain_text(
        "Youth & Family Partnership"
    )
    names = page.locator("#results table.dashboard tbody tr th").all_inner_texts()
    assert names and all("Intensive Wraparound" in n for n in names)

    page.get_by_text("Agency: the last 12 weeks").click()
    expect(page.get_by_role("table", name="Agency by week")).to_be_visible()

    # Two clicks: the system question's link sorts by the family's presence at meetings
    # (lowest first), then open the team it starts in.
    expect(page.locator(".system-questions")).to_contain_text(
        "Are meetings held when and where the family can come?"
    )
    page.get_by_role("link", name="Lowest Family at meetings first").click()
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    expect(page.locator("#results table.dashboard tbody tr").first).to_contain_text("▼")
    first_team = page.locator("#results table.dashboard tbody tr th a").first
    name = first_team.inner_text()
    first_team.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("main")).to_contain_text("Timeline")
    screenshot(page, "dashboard-team")
