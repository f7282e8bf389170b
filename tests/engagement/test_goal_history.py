from django.urls import reverse

from engagement.diffs import word_diff
from engagement.models import EngagementEvent, GoalRevision
from engagement.services import goal_update


def test_it_diffs_by_word():
    assert word_diff("We want calm mornings.", "We want calm and happy mornings.") == [
        ("same", "We want calm"),
        ("added", "and happy"),
        ("same", "mornings."),
    ]
    assert word_diff("Call the school", "Call the clinic") == [
        ("same", "Call the"),
        ("removed", "school"),
        ("added", "clinic"),
    ]


def test_it_keeps_the_spaces_between_removed_and_added_words(world, client_for):
    """Reported: "Las mañanas" → "Mornings set" read as "LasMornings mañanasset"."""
    goal_update(
        goal_id=world.goal.pk, by=world.family, role="family",
        data={"statement": "Las mañanas tranquilas."}, base_version=1,
    )  # fmt: skip
    goal_update(
        goal_id=world.goal.pk, by=world.family, role="family",
        data={"statement": "Mornings set calm."}, base_version=2,
    )  # fmt: skip
    page = client_for(world.family).get(reverse("goal_history", args=[world.goal.pk]))
    body = page.content.decode()
    assert "<del>Las mañanas tranquilas.</del> <ins>Mornings set calm.</ins>" in body
    assert "</del><ins>" not in body


def test_it_shows_who_changed_what_with_word_diffs(world, client_for):
    goal_update(
        goal_id=world.goal.pk, by=world.family, role="family",
        data={"statement": "We want calm and happy mornings."}, base_version=1,
    )  # fmt: skip
    page = client_for(world.facilitator).get(reverse("goal_history", args=[world.goal.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Rosa Family" in body
    assert "We want calm <ins>and happy</ins> mornings." in body
    assert "Version 2" in body and "Version 1" in body


def test_it_restores_an_old_revision_as_a_new_one(world, client_for):
    goal = world.goal
    original = goal.statement
    goal_update(
        goal_id=goal.pk, by=world.facilitator, role="facilitator",
        data={"statement": "Improve punctuality."}, base_version=1,
    )  # fmt: skip
    first = GoalRevision.objects.get(goal=goal, version=1)
    response = client_for(world.family).post(
        reverse("goal_restore", args=[goal.pk, first.pk]), {"base_version": 2}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.statement == original
    assert goal.version == 3
    assert goal.wording == "family"
    newest = GoalRevision.objects.get(goal=goal, version=3)
    assert newest.restored_from == first
    assert newest.author == world.family
    assert GoalRevision.objects.filter(goal=goal).count() == 3  # nothing rewritten
    assert EngagementEvent.objects.filter(kind="goal_restored", team=world.team).exists()


def test_it_refuses_a_restore_from_a_stale_page(world, client_for):
    goal = world.goal
    goal_update(
        goal_id=goal.pk, by=world.facilitator, role="facilitator",
        data={"statement": "Improve punctuality."}, base_version=1,
    )  # fmt: skip
    first = GoalRevision.objects.get(goal=goal, version=1)
    response = client_for(world.family).post(
        reverse("goal_restore", args=[goal.pk, first.pk]), {"base_version": 1}, follow=True
    )
    assert "Someone changed this goal a moment ago" in response.content.decode()
    goal.refresh_from_db()
    assert goal.version == 2


def test_it_refuses_a_revision_of_another_goal(world, client_for):
    foreign = GoalRevision.objects.get(goal=world.other_goal)
    response = client_for(world.family).post(
        reverse("goal_restore", args=[world.goal.pk, foreign.pk]), {"base_version": 1}
    )
    assert response.status_code == 404
