"""IDOR sweep: every goal URL and htmx partial, GET and POST, with another family's or
another organisation's ids answers 404 — exactly like an id that does not exist."""

import re

import pytest
from django.urls import reverse

from engagement.models import Goal, GoalComment, GoalStep, ProgressCheckIn

HTMX = {"HX-Request": "true"}


def _urls(goal, step, revision) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("goal_detail", args=[goal.pk]), {}),
        ("get", reverse("goal_edit", args=[goal.pk]), {}),
        ("post", reverse("goal_edit", args=[goal.pk]), {"statement": "pwned", "base_version": 1,
                                                         "status": "active"}),
        ("get", reverse("goal_history", args=[goal.pk]), {}),
        ("post", reverse("goal_restore", args=[goal.pk, revision.pk]), {"base_version": 1}),
        ("post", reverse("goal_delete", args=[goal.pk]), {}),
        ("post", reverse("step_add", args=[goal.pk]), {"what": "pwned"}),
        ("post", reverse("step_toggle", args=[goal.pk, step.pk]), {"done": "on"}),
        ("post", reverse("progress_add", args=[goal.pk]), {"score": 9}),
        ("post", reverse("comment_add", args=[goal.pk]), {"body": "pwned"}),
    ]  # fmt: skip


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("intruder", "target"),
    [("outsider", "goal"), ("family", "other_goal"), ("facilitator", "other_goal"),
     ("family", "outsider_goal"), ("supervisor", "outsider_goal")],
)  # fmt: skip
def test_it_answers_404_for_goals_out_of_scope(world, client_for, intruder, target, htmx):
    goal = getattr(world, target)
    step = GoalStep.objects.create(goal=goal, what="Call the school")
    revision = goal.revisions.get()
    client = client_for(getattr(world, intruder))
    for method, url, data in _urls(goal, step, revision):
        response = getattr(client, method)(url, data, headers=HTMX if htmx else {})
        assert response.status_code == 404, f"{intruder} {method} {url}"
    goal.refresh_from_db()
    assert goal.statement != "pwned" and goal.version == 1
    assert not GoalComment.objects.exists()
    assert not ProgressCheckIn.objects.exists()
    assert GoalStep.objects.filter(goal=goal).count() == 1
    assert not GoalStep.objects.get(pk=step.pk).done


def test_it_answers_404_for_a_step_of_another_goal(world, client_for):
    foreign_step = GoalStep.objects.create(goal=world.other_goal, what="Theirs")
    response = client_for(world.family).post(
        reverse("step_toggle", args=[world.goal.pk, foreign_step.pk]), {"done": "on"}
    )
    assert response.status_code == 404
    assert not GoalStep.objects.get(pk=foreign_step.pk).done


def test_it_answers_404_for_missing_goals_like_foreign_ones(world, client_for):
    missing = Goal.objects.order_by("-pk").first().pk + 100
    client = client_for(world.family)
    assert client.get(reverse("goal_detail", args=[missing])).status_code == 404
    foreign = client.get(reverse("goal_detail", args=[world.outsider_goal.pk]))
    assert foreign.status_code == 404

    def without_nonce(response) -> str:
        # Per-response secrets (CSP nonce, masked CSRF token) aside, the pages are equal.
        body = re.sub(r'nonce="[^"]*"', "", response.content.decode())
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
        body = re.sub(r'"X-CSRFToken": "[^"]*"', "", body)
        return re.sub(r"/goals/\d+/", "/goals/N/", body)  # the language switch's "next"

    assert without_nonce(foreign) == without_nonce(
        client.get(reverse("goal_detail", args=[missing]))
    )


def test_it_lets_only_the_family_record_progress(world, client_for):
    url = reverse("progress_add", args=[world.goal.pk])
    assert client_for(world.facilitator).post(url, {"score": 7}).status_code == 403
    assert client_for(world.supervisor).post(url, {"score": 7}).status_code == 403
    response = client_for(world.family).post(url, {"score": 7, "word": "better"})
    assert response.status_code == 302
    checkin = ProgressCheckIn.objects.get()
    assert (checkin.by, checkin.score, checkin.word) == (world.family, 7, "better")


def test_it_rejects_a_progress_score_out_of_range(world, client_for):
    response = client_for(world.family).post(
        reverse("progress_add", args=[world.goal.pk]), {"score": 11, "word": "x"}
    )
    assert response.status_code == 400
    assert not ProgressCheckIn.objects.exists()


def test_it_marks_steps_done_and_records_the_event(world, client_for):
    step = GoalStep.objects.create(goal=world.goal, what="Make a checklist")
    response = client_for(world.family).post(
        reverse("step_toggle", args=[world.goal.pk, step.pk]), {"done": "on"}, headers=HTMX
    )
    assert response.status_code == 200
    assert b'id="steps"' in response.content and b"<html" not in response.content
    step.refresh_from_db()
    assert step.done and step.done_at
    assert world.team.events.filter(kind="step_done", actor=world.family).exists()
    client_for(world.family).post(reverse("step_toggle", args=[world.goal.pk, step.pk]), {})
    step.refresh_from_db()
    assert not step.done
