"""The main family journey: co-edit a goal on a phone in Spanish; the facilitator sees
who changed what; a conflicting edit is merged without losing anybody's words."""

import pytest

from communities.models import User
from engagement.models import Goal, GoalRevision
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_it_lets_a_family_and_facilitator_co_edit_a_goal(demo, new_page):
    rosa = User.objects.get(email="family@riverbend.example")
    goal = Goal.objects.filter(team__memberships__user=rosa).order_by("created_at").first()

    # The family, on a 360 px phone, in Spanish.
    family = new_page(width=360, height=740, locale="es-ES")
    log_in(family, "family@riverbend.example")
    family.get_by_role("link", name=goal.statement).click()
    family.get_by_role("link", name="Editar", exact=True).click()
    statement = family.locator("textarea[name=statement]")
    statement.fill("Queremos mañanas tranquilas para que Jayden llegue a tiempo.")
    family.get_by_role("button", name="Guardar", exact=True).click()
    family.wait_for_selector("text=Queremos mañanas tranquilas")
    assert "En palabras de la familia" in family.inner_text("#goal-text")
    assert family.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(family, "goal-family-phone-es")

    # The facilitator sees the change attributed to the family.
    facilitator = new_page()
    log_in(facilitator, "facilitator@riverbend.example")
    facilitator.goto(f"/goals/{goal.pk}/")
    text = facilitator.inner_text("#goal-text")
    assert "Queremos mañanas tranquilas" in text
    assert "Last changed by Rosa Rivera (Family member)" in text
    facilitator.goto(f"/goals/{goal.pk}/history/")
    assert "Rosa Rivera" in facilitator.inner_text("main")
    assert facilitator.locator("ins").first.is_visible()
    screenshot(facilitator, "goal-history")

    # Both open the editor; the family saves first; the facilitator's save conflicts.
    facilitator.goto(f"/goals/{goal.pk}/")
    facilitator.get_by_role("link", name="Edit", exact=True).click()
    facilitator.locator("textarea[name=why_it_matters]").fill(
        "Calm mornings make the whole day work, at home and at school."
    )
    family.get_by_role("link", name="Editar", exact=True).click()
    family.locator("textarea[name=statement]").fill(
        "Queremos mañanas tranquilas y sin gritos para que Jayden llegue a tiempo."
    )
    family.get_by_role("button", name="Guardar", exact=True).click()
    family.wait_for_selector("text=sin gritos")

    facilitator.get_by_role("button", name="Save", exact=True).click()
    facilitator.wait_for_selector("text=Someone saved this goal while you were editing")
    conflict = facilitator.inner_text("#goal-text")
    assert "Calm mornings make the whole day work" in conflict  # nothing typed is lost
    assert "sin gritos" in conflict  # the family's new words are shown beside it
    screenshot(facilitator, "goal-conflict-merge")
    facilitator.get_by_role("button", name="Save merged version").click()
    facilitator.wait_for_selector("text=Last changed by Maya Ortiz")

    goal.refresh_from_db()
    assert "sin gritos" in goal.statement  # the family's edit survived
    assert goal.why_it_matters.startswith("Calm mornings make the whole day work")
    assert GoalRevision.objects.filter(goal=goal).count() == goal.version


def test_it_lets_the_family_rate_the_last_meeting_in_three_taps(demo, new_page):
    from engagement.models import MeetingCheckIn

    family = new_page(width=360, height=740, locale="es-ES")
    log_in(family, "family@riverbend.example")
    family.locator("a.button", has_text="reunión").first.click()
    for question in ("agency", "relevance", "partnership"):
        family.locator(f"label.pill:has(input[name={question}][value='4'])").click()
    screenshot(family, "checkin-phone-es")
    family.get_by_role("button", name="Enviar").click()
    family.wait_for_selector("text=¡Gracias!")
    checkin = MeetingCheckIn.objects.filter(family_member__email="family@riverbend.example").latest(
        "submitted_at"
    )
    assert (checkin.agency, checkin.relevance, checkin.partnership) == (4, 4, 4)
