"""Observed practice in a real browser: the coach codes a short transcript with the
keyboard (suggestions kept with Enter, others changed with a letter), rates the globals,
and the facilitator finds the new point on her trend; the live tally keeps its taps
across a reload."""

import pytest
from playwright.sync_api import expect

from communities.models import User
from reflections.models import PracticeObservation
from tests.browser.conftest import SCREENSHOTS, log_in, screenshot

pytestmark = pytest.mark.browser

SAM = "supervisor@riverbend.example"
MAYA = "facilitator@riverbend.example"

TRANSCRIPT = """Facilitator: What would make mornings easier for you both?
Family: If he just got up when the alarm goes.
Facilitator: It sounds like you are tired of being the alarm clock.
Family: I am. Every single day.
Facilitator: Do you want to try something new this week?
Facilitator: You have kept showing up for him, even on the hard days.
"""


def _trend_rows(page) -> int:
    return page.locator("table.trend-table tbody tr").count()


def test_the_coach_codes_a_transcript_by_keyboard_and_maya_sees_it_on_her_trend(demo, new_page):
    maya_page = new_page(width=390, height=844)
    log_in(maya_page, MAYA)
    maya_page.goto("/practice/")
    before = _trend_rows(maya_page)

    page = new_page()
    log_in(page, SAM)
    page.get_by_role("link", name="Coaching").click()
    page.get_by_role("link", name="Code an observed conversation").first.click()
    page.get_by_label("Facilitator observed").select_option(label="Maya Ortiz")
    page.get_by_label("transcript", exact=True).check()
    page.get_by_label("transcript: code each utterance").check()
    page.get_by_role("button", name="Start coding").click()
    page.get_by_label("Transcript:", exact=True).fill(TRANSCRIPT)
    page.get_by_role("button", name="Split into lines and suggest codes").click()
    expect(page.locator("#coding-progress")).to_have_text("4 of 4 lines left to code.")
    screenshot(page, "practice-coding")

    # The keyboard only: Enter keeps a suggestion, a letter chooses a code; each saves
    # at once and the next line's menu takes the focus.
    page.locator("select[data-code-select]").first.focus()
    for key in ["Enter", "x", "Enter", "a"]:  # open, complex (not simple), closed, affirm
        page.keyboard.press(key)
    expect(page.locator("#coding-progress")).to_have_text("0 of 4 lines left to code.")
    page.get_by_role("button", name="Finish coding").click()

    for name, value in [("Cultivating change talk", "4"), ("Softening sustain talk", "3"),
                        ("Partnership", "4"), ("Empathy", "5")]:  # fmt: skip
        page.get_by_role("group", name=name).get_by_role("radio", name=value).check()
    page.get_by_label("One skill to practise next").fill("A complex reflection before a question")
    page.get_by_role("button", name="Finish and see the scores").click()
    expect(page.locator("main")).to_contain_text("Observation saved")
    text = page.inner_text("main")
    assert "Suggested codes accepted: 2 of 3 (67 %)" in text
    assert "0.50" in text and "100 %" in text  # R:Q 1 reflection : 2 questions; %CR 1 of 1
    screenshot(page, "practice-observation")

    observation = PracticeObservation.objects.filter(
        facilitator=User.objects.get(email=MAYA), method="transcript"
    ).latest("created_at")
    assert (observation.question_open, observation.question_closed) == (1, 1)
    assert (observation.complex_reflection, observation.affirm) == (1, 1)
    assert observation.completed_at is not None

    maya_page.reload()
    assert _trend_rows(maya_page) == before + 1
    # The charts as they first meet the eye on a phone (the whole page is very long).
    maya_page.get_by_role("heading", name="Trend").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    maya_page.screenshot(path=str(SCREENSHOTS / "practice-trend.png"))


def test_the_live_tally_keeps_every_tap_across_a_reload(demo, new_page):
    page = new_page(width=820, height=1180)  # a tablet
    log_in(page, SAM)
    page.goto("/practice/observations/new/")
    page.get_by_label("Facilitator observed").select_option(label="Maya Ortiz")
    page.get_by_label("live (in the room or on a call)").check()
    page.get_by_label("live tally: tap a button for each behaviour").check()
    page.get_by_role("button", name="Start coding").click()
    page.get_by_role("button", name="Start the timer").click()
    expect(page.locator("[data-timer]")).to_contain_text("/ 20:00")
    open_count = page.locator(".tally-question_open .tally-count")
    for key in ["o", "o", "s", "x", "o"]:
        page.keyboard.press(key)
    expect(open_count).to_have_text("3")
    page.locator("button.tally-question_open").click()  # a tap with the finger
    expect(open_count).to_have_text("4")
    page.keyboard.press("z")  # undo the last tap
    expect(open_count).to_have_text("3")
    expect(page.locator(".tally-complex_reflection .tally-count")).to_have_text("1")
    page.reload()
    expect(open_count).to_have_text("3")
    expect(page.locator(".tally-simple_reflection .tally-count")).to_have_text("1")
    expect(page.locator("[data-timer]")).to_contain_text("/ 20:00")
    screenshot(page, "practice-tally")
