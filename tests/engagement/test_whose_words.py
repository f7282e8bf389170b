"""Whose words, per field; a goal the family ever wrote is never deleted."""

import pytest
from django.urls import reverse

from engagement.models import Goal, GoalRevision
from engagement.services import goal_deletable, goal_restore, goal_update
from tests import factories


def _edit(goal: Goal, **changes) -> dict:
    data = {name: getattr(goal, name) for name in
            ("statement", "why_it_matters", "strengths", "status", "set_aside_reason")}  # fmt: skip
    return {**data, "base_version": goal.version, **changes}


def test_it_keeps_the_family_wording_when_staff_edit_only_the_strengths(world, client_for):
    """Reported: a staff edit to strengths alone flipped the goal to 'Worded by staff'."""
    goal = world.goal
    client = client_for(world.facilitator)
    client.post(reverse("goal_edit", args=[goal.pk]), _edit(goal, strengths="Grandma helps."))
    goal.refresh_from_db()
    assert goal.strengths_wording == "staff"
    assert goal.statement_wording == "family" and goal.why_it_matters_wording == "family"
    page = client.get(reverse("goal_detail", args=[goal.pk])).content.decode()
    assert "In the family's words" in page
    assert "Worded by staff" not in page
    assert GoalRevision.objects.get(goal=goal, version=2).snapshot["wording"] == {
        "statement": "family", "why_it_matters": "family", "strengths": "staff",
    }  # fmt: skip


def test_it_marks_the_goal_staff_worded_when_staff_rewrite_the_statement(world, client_for):
    goal = world.goal
    client_for(world.facilitator).post(
        reverse("goal_edit", args=[goal.pk]), _edit(goal, statement="Improve punctuality.")
    )
    goal.refresh_from_db()
    assert goal.wording == "staff" and goal.strengths_wording == "family"


def test_it_never_deletes_a_goal_the_family_wrote_even_after_staff_rewrote_it(world, client_for):
    """Reported: after the flip, the facilitator could delete the goal and its history."""
    goal = world.goal
    goal_update(goal_id=goal.pk, by=world.facilitator, role="facilitator",
                data={"statement": "Staff words now", "why_it_matters": "Staff",
                      "strengths": "Staff"}, base_version=1)  # fmt: skip
    goal.refresh_from_db()
    assert goal.wording == "staff" and not goal_deletable(goal)
    client = client_for(world.facilitator)
    page = client.get(reverse("goal_detail", args=[goal.pk])).content.decode()
    assert reverse("goal_delete", args=[goal.pk]) not in page
    assert "set it aside" in page
    assert client.post(reverse("goal_delete", args=[goal.pk])).status_code == 403
    assert Goal.objects.filter(pk=goal.pk).exists()
    assert GoalRevision.objects.filter(goal=goal).count() == 2


def test_it_counts_a_family_edit_of_a_staff_goal_as_family_writing(world, client_for):
    goal = factories.make_goal(world.team, by=world.facilitator, role="facilitator")
    assert goal_deletable(goal)
    page = client_for(world.facilitator).get(reverse("goal_detail", args=[goal.pk]))
    assert reverse("goal_delete", args=[goal.pk]) in page.content.decode()
    client_for(world.family).post(
        reverse("goal_edit", args=[goal.pk]), _edit(goal, strengths="We cook together.")
    )
    goal.refresh_from_db()
    assert goal.family_has_written and goal.wording == "staff"
    assert (
        client_for(world.facilitator).post(reverse("goal_delete", args=[goal.pk])).status_code
        == 403
    )


def test_it_lets_nobody_delete_a_family_goal_not_even_the_family(world, client_for):
    goal = world.goal
    for user in (world.family, world.supervisor, world.admin):
        assert client_for(user).post(reverse("goal_delete", args=[goal.pk])).status_code == 403
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_it_restores_whose_words_with_the_restored_text(world):
    goal = world.goal
    goal_update(goal_id=goal.pk, by=world.facilitator, role="facilitator",
                data={"statement": "Staff words"}, base_version=1)  # fmt: skip
    first = GoalRevision.objects.get(goal=goal, version=1)
    goal_restore(goal_id=goal.pk, revision_id=first.pk, by=world.facilitator,
                 role="facilitator", base_version=2)  # fmt: skip
    goal.refresh_from_db()
    assert goal.statement == "We want calm mornings."
    assert goal.wording == "family"  # the family's words came back, still theirs


@pytest.mark.parametrize("role", ["family", "facilitator"])
def test_it_shows_whose_words_each_field_is(world, client_for, role):
    page = client_for(world.persona(role)).get(reverse("goal_detail", args=[world.goal.pk]))
    body = page.content.decode()
    assert "<h1" in body and world.goal.statement in body
    assert "Strengths: the family's words" in body
