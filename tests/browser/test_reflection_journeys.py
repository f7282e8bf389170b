"""Reflections in a real browser: the facilitator records a meeting and reflects on it
in at most ten interactions, seeing the "try next" of her last reflection; the same
journey with the keyboard alone."""

import pytest

from communities.models import User
from reflections.models import FollowThrough, Reflection
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

MAYA = "facilitator@riverbend.example"
LAST_TRY_NEXT = "Open the next meeting by asking Rosa what she wants to work on."


class Counted:
    """The page's clicks, fills and checks, counted (navigation to the start is not)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def __getattr__(self, name):
        return getattr(self.page, name)

    def act(self, locator, action: str, *args):
        self.count += 1
        return getattr(locator, action)(*args)


def test_it_records_a_meeting_and_its_reflection_in_ten_interactions(demo, new_page):
    page = new_page()
    log_in(page, MAYA)
    counted = Counted(page)
    counted.act(page.get_by_role("link", name="Rivera family").first, "click")
    counted.act(page.get_by_role("link", name="Record a meeting"), "click")
    counted.act(page.get_by_label("The family was there"), "check")
    counted.act(page.get_by_role("button", name="Record meeting"), "click")
    page.wait_for_selector("text=What the family said")
    assert LAST_TRY_NEXT in page.inner_text("main")  # the follow-through, first
    screenshot(page, "reflection-new")
    counted.act(page.get_by_label("tried it"), "check")
    counted.act(page.get_by_label("What worked"), "fill",
                "Rosa opened with what she wanted to work on; I reflected it back.")  # fmt: skip
    counted.act(page.get_by_label("What we will try next"), "fill",
                "Invite Jayden's coach to the next meeting.")  # fmt: skip
    counted.act(page.get_by_role("button", name="Save reflection"), "click")
    page.wait_for_selector("text=Reflection saved")
    assert counted.count <= 10, counted.count
    screenshot(page, "reflection-detail")

    maya = User.objects.get(email=MAYA)
    reflection = Reflection.objects.filter(author=maya).order_by("-created_at").first()
    assert reflection.try_next == "Invite Jayden's coach to the next meeting."
    assert reflection.meeting is not None and reflection.meeting.family_present
    assert FollowThrough.objects.get(told_in=reflection).outcome == "tried"


def _tab_to(page, css: str, text: str = "", *, limit: int = 150) -> None:
    """Press Tab until the focused element matches `css` (and holds `text`)."""
    check = """([css, text]) => { const e = document.activeElement;
        return !!e && e.matches(css) && (e.textContent || "").includes(text); }"""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check, [css, text]):
            return
    raise AssertionError(f"Tab never reached {css} {text}")


def test_it_does_the_same_with_the_keyboard_alone(demo, new_page):
    page = new_page()
    log_in(page, MAYA)
    page.goto("/")
    _tab_to(page, "a[href^='/teams/']", "Rivera family")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "a[href$='/meetings/new/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "input[name=family_present]")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit].primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert LAST_TRY_NEXT in page.inner_text("main")
    _tab_to(page, "input[name=outcome]")
    page.keyboard.press("Space")  # "tried it"
    page.keyboard.press("ArrowDown")  # "not yet"
    _tab_to(page, "textarea[name=worked]")
    page.keyboard.type("The family set the agenda from the first minute.")
    _tab_to(page, "textarea[name=try_next]")
    page.keyboard.type("Ask Rosa again what she wants to work on.")
    _tab_to(page, "button[type=submit].primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Reflection saved" in page.inner_text("main")
    maya = User.objects.get(email=MAYA)
    reflection = Reflection.objects.filter(author=maya).order_by("-created_at").first()
    assert reflection.worked == "The family set the agenda from the first minute."
    assert FollowThrough.objects.get(told_in=reflection).outcome == "not_yet"


def test_it_brings_a_prompt_that_the_facilitator_answers_and_her_supervisor_reads(demo, new_page):
    from reflections.models import PromptDelivery

    delivery = PromptDelivery.objects.get(recipient__email=MAYA, occurrence__startswith="weekly:")
    page = new_page()
    log_in(page, MAYA)
    page.get_by_role("link", name="Reflections", exact=True).first.click()
    page.get_by_role("link", name="My reflection prompts").click()
    page.get_by_role("link", name=delivery.wording.text_en).click()
    page.get_by_label("Your answer").fill(
        "Not yet: I asked four questions in a row before the first reflection."
    )
    page.get_by_label("What I will try next (optional)").fill(
        "Answer each question of mine with two reflections."
    )
    screenshot(page, "prompt-answer")
    page.get_by_role("button", name="Save my answer").click()
    page.wait_for_selector("text=Answer saved as a reflection")
    assert delivery.wording.text_en in page.inner_text("main")  # the words asked
    page.get_by_role("link", name="My learning").first.click()
    screenshot(page, "learning-log")

    sam = new_page()
    log_in(sam, "supervisor@riverbend.example")
    sam.get_by_role("link", name="Community", exact=True).first.click()
    sam.wait_for_selector("text=Celebrations")
    screenshot(sam, "community-feed")
    entry = sam.locator("li.feed-entry", has_text="I asked four questions in a row")
    entry.get_by_role("link", name="Read and respond").click()
    assert "Answer each question of mine with two reflections." in sam.inner_text("main")
    sam.get_by_label("Your response").fill("Good catch. Try it at Thursday's meeting?")
    sam.get_by_role("button", name="Respond").click()
    sam.wait_for_selector("text=Your response is posted.")
