from django.urls import reverse

from communities.models import AuditEntry
from engagement.models import EngagementEvent, Goal, GoalRevision
from tests import factories


def _edit_data(goal: Goal, **changes) -> dict:
    data = {
        "statement": goal.statement,
        "why_it_matters": goal.why_it_matters,
        "strengths": goal.strengths,
        "status": goal.status,
        "set_aside_reason": goal.set_aside_reason,
        "base_version": goal.version,
    }
    data.update(changes)
    return data


def test_it_saves_a_family_edit_with_a_revision_event_and_audit(world, client_for):
    goal = world.goal
    response = client_for(world.family).post(
        reverse("goal_edit", args=[goal.pk]), _edit_data(goal, statement="Calm, happy mornings.")
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.statement == "Calm, happy mornings."
    assert goal.version == 2
    assert goal.wording == "family"
    revision = GoalRevision.objects.get(goal=goal, version=2)
    assert revision.author == world.family
    assert revision.author_role == "family"
    assert revision.changed_fields == ["statement"]
    assert EngagementEvent.objects.filter(
        team=world.team, kind="goal_edited", actor=world.family, actor_role="family"
    ).exists()
    assert AuditEntry.objects.filter(team=world.team, action="change", actor=world.family).exists()


def test_it_marks_staff_wording_when_the_facilitator_rewords(world, client_for):
    goal = world.goal
    client_for(world.facilitator).post(
        reverse("goal_edit", args=[goal.pk]), _edit_data(goal, statement="Improve punctuality.")
    )
    goal.refresh_from_db()
    assert goal.wording == "staff"
    page = client_for(world.family).get(reverse("goal_detail", args=[goal.pk])).content.decode()
    assert "Worded by staff" in page
    assert "Last changed by Fay Facilitator (Facilitator)" in page


def test_it_shows_a_conflict_and_changes_nothing_when_the_version_is_stale(world, client_for):
    goal = world.goal
    # Both open the goal at v1; the facilitator saves v2 first.
    client_for(world.facilitator).post(
        reverse("goal_edit", args=[goal.pk]),
        _edit_data(goal, strengths="Grandma helps on Tuesdays."),
    )
    goal.refresh_from_db()
    before = (goal.statement, goal.why_it_matters, goal.strengths, goal.version)
    stale = {
        "statement": "Mornings where nobody yells.",
        "why_it_matters": "School starts on time.",
        "strengths": "We love music.",
        "status": "active",
        "set_aside_reason": "",
        "base_version": 1,
    }
    response = client_for(world.family).post(reverse("goal_edit", args=[goal.pk]), stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone saved this goal while you were editing" in page
    assert "Mornings where nobody yells." in page  # what they typed is kept…
    assert "Grandma helps on Tuesdays." in page  # …beside what is saved now
    assert 'name="base_version" value="2"' in page
    goal.refresh_from_db()
    assert (goal.statement, goal.why_it_matters, goal.strengths, goal.version) == before
    assert GoalRevision.objects.filter(goal=goal).count() == 2


def test_it_prefills_the_merge_with_both_sides_changes(world, client_for):
    goal = world.goal
    client_for(world.facilitator).post(
        reverse("goal_edit", args=[goal.pk]),
        _edit_data(goal, strengths="Grandma helps on Tuesdays."),
    )
    stale = _edit_data(goal, statement="Mornings where nobody yells.", base_version=1)
    response = client_for(world.family).post(reverse("goal_edit", args=[goal.pk]), stale)
    form = response.context["form"]
    assert form.initial["statement"] == "Mornings where nobody yells."
    assert form.initial["strengths"] == "Grandma helps on Tuesdays."
    # Submitting the merge applies both.
    merged = dict(form.initial)
    response = client_for(world.family).post(reverse("goal_edit", args=[goal.pk]), merged)
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.statement == "Mornings where nobody yells."
    assert goal.strengths == "Grandma helps on Tuesdays."
    assert goal.version == 3


def test_it_answers_htmx_with_fragments(world, client_for):
    client = client_for(world.family)
    url = reverse("goal_edit", args=[world.goal.pk])
    form = client.get(url, headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert b"<html" not in form.content
    assert b'name="base_version"' in form.content
    saved = client.post(
        url, _edit_data(world.goal, statement="New words"), headers={"HX-Request": "true"}
    )
    assert saved.status_code == 200
    assert b"<html" not in saved.content
    assert b'id="goal-text"' in saved.content
    assert b"New words" in saved.content
    stale = client.post(
        url, _edit_data(world.goal, statement="Stale words"), headers={"HX-Request": "true"}
    )
    assert stale.status_code == 409
    assert b"<html" not in stale.content
    assert b"Stale words" in stale.content


def test_it_ignores_tampered_fields_a_role_may_not_change(world, client_for):
    goal = world.goal
    data = _edit_data(goal, statement="Tampered save")
    data.update(
        team=world.outsider_team.pk,
        created_by=world.facilitator.pk,
        wording="staff",
        version=99,
        author=world.facilitator.pk,
    )
    client_for(world.family).post(reverse("goal_edit", args=[goal.pk]), data)
    goal.refresh_from_db()
    assert goal.team == world.team
    assert goal.created_by == world.family
    assert goal.wording == "family"
    assert goal.version == 2
    assert GoalRevision.objects.get(goal=goal, version=2).author == world.family


def test_it_refuses_edits_from_supervisors_and_admins(world, client_for):
    for user in (world.supervisor, world.admin):
        response = client_for(user).post(
            reverse("goal_edit", args=[world.goal.pk]), _edit_data(world.goal, statement="X")
        )
        assert response.status_code == 403
    world.goal.refresh_from_db()
    assert world.goal.version == 1


def test_it_rejects_over_long_text_and_keeps_what_was_typed(world, client_for):
    long_statement = "Calm mornings " * 30  # 420 characters, limit 300
    response = client_for(world.family).post(
        reverse("goal_edit", args=[world.goal.pk]),
        _edit_data(world.goal, statement=long_statement),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 300 characters" in page
    assert long_statement.strip() in page
    world.goal.refresh_from_db()
    assert world.goal.version == 1


def test_it_requires_a_reason_to_set_a_goal_aside(world, client_for):
    response = client_for(world.facilitator).post(
        reverse("goal_edit", args=[world.goal.pk]), _edit_data(world.goal, status="set_aside")
    )
    assert response.status_code == 400
    assert "Please say why the goal is set aside" in response.content.decode()
    response = client_for(world.facilitator).post(
        reverse("goal_edit", args=[world.goal.pk]),
        _edit_data(world.goal, status="set_aside", set_aside_reason="Family chose another focus."),
    )
    assert response.status_code == 302
    page = client_for(world.family).get(reverse("family_home")).content.decode()
    assert "Family chose another focus." in page


def test_it_escapes_script_in_text(world, client_for):
    script = '<script>alert("x")</script>'
    client_for(world.family).post(
        reverse("goal_edit", args=[world.goal.pk]), _edit_data(world.goal, statement=script)
    )
    page = client_for(world.facilitator).get(reverse("goal_detail", args=[world.goal.pk]))
    body = page.content.decode()
    assert script not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_it_writes_nothing_for_an_unchanged_save(world, client_for):
    client_for(world.family).post(
        reverse("goal_edit", args=[world.goal.pk]), _edit_data(world.goal)
    )
    world.goal.refresh_from_db()
    assert world.goal.version == 1
    assert GoalRevision.objects.filter(goal=world.goal).count() == 1


def test_it_lets_families_and_facilitators_create_goals(world, client_for):
    for user, wording in ((world.family, "family"), (world.facilitator, "staff")):
        response = client_for(user).post(
            reverse("goal_new", args=[world.team.pk]),
            {"statement": f"A goal by {user.name}", "why_it_matters": "", "strengths": ""},
        )
        assert response.status_code == 302
        goal = Goal.objects.get(statement=f"A goal by {user.name}")
        assert goal.team == world.team and goal.wording == wording and goal.version == 1
        assert EngagementEvent.objects.filter(kind="goal_created", actor=user).exists()


def test_it_keeps_staff_from_deleting_a_family_worded_goal(world, client_for):
    response = client_for(world.facilitator).post(reverse("goal_delete", args=[world.goal.pk]))
    assert response.status_code == 403
    assert Goal.objects.filter(pk=world.goal.pk).exists()
    staff_goal = factories.make_goal(
        world.team, by=world.facilitator, role="facilitator", statement="Attend school daily"
    )
    client_for(world.facilitator).post(reverse("goal_delete", args=[staff_goal.pk]))
    assert not Goal.objects.filter(pk=staff_goal.pk).exists()
    assert AuditEntry.objects.filter(action="delete", team=world.team).exists()


def test_it_refuses_the_wrong_method(world, client_for):
    client = client_for(world.family)
    assert client.get(reverse("comment_add", args=[world.goal.pk])).status_code == 405
    assert client.put(reverse("goal_edit", args=[world.goal.pk])).status_code == 405


def test_it_ignores_tampered_fields_from_a_facilitator_too(world, client_for):
    goal = world.goal
    data = _edit_data(goal, strengths="Grandma helps.")
    data.update(team=world.other_team.pk, wording="family", created_by=world.other_family.pk)
    client_for(world.facilitator).post(reverse("goal_edit", args=[goal.pk]), data)
    goal.refresh_from_db()
    assert goal.team == world.team
    assert goal.created_by == world.family
    # The facilitator wrote only the strengths: those are staff wording now, whatever was
    # posted, and the statement (so the goal) stays in the family's words.
    assert goal.strengths_wording == "staff"
    assert goal.wording == "family"
    assert GoalRevision.objects.get(goal=goal, version=2).author_role == "facilitator"


def test_it_shows_times_in_the_readers_time_zone(world, client_for):
    from datetime import UTC, datetime

    from engagement.models import GoalComment

    GoalComment.objects.create(
        goal=world.goal, author=world.family, author_role="family", body="Hello",
        created_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
    )  # fmt: skip
    world.facilitator.time_zone = "Asia/Tokyo"
    world.facilitator.save()
    page = client_for(world.facilitator).get(
        reverse("goal_detail", args=[goal_id := world.goal.pk])
    )
    assert "03/03/2026 8:30 a.m." in page.content.decode(), goal_id


def test_it_writes_times_without_a_doubled_full_stop(world, client_for):
    """Reported: "saved a new version at 2:14 a.m.. Nothing you typed…"."""
    goal = world.goal
    client_for(world.facilitator).post(
        reverse("goal_edit", args=[goal.pk]), _edit_data(goal, strengths="First save.")
    )
    stale = _edit_data(goal, strengths="Second, from a stale page.")  # still version 1
    response = client_for(world.family).post(reverse("goal_edit", args=[goal.pk]), stale)
    body = response.content.decode()
    assert response.status_code == 409
    assert "m.." not in body and ", Fay Facilitator (Facilitator) saved a new version." in body
