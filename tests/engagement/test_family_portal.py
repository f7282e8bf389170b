from django.urls import reverse

from communities.models import AuditEntry
from engagement.models import GoalComment, GoalStep
from tests import factories


def _enrich(world, goals: int) -> None:
    """More goals, steps and comments: query counts must not grow with them."""
    for n in range(goals):
        goal = factories.make_goal(world.team, by=world.family, statement=f"Goal {n}")
        GoalStep.objects.create(goal=goal, what=f"Step {n}")
        GoalComment.objects.create(goal=goal, author=world.facilitator, author_role="facilitator",
                                   body=f"Comment {n}")  # fmt: skip
        factories.make_meeting(world.team, by=world.facilitator)


def test_it_shows_the_family_their_team(world, client_for):
    GoalComment.objects.create(
        goal=world.goal, author=world.facilitator, author_role="facilitator", body="Nice work!"
    )
    page = client_for(world.family).get(reverse("family_home")).content.decode()
    assert "Rivera" in page
    assert world.goal.statement in page
    assert "Fay Facilitator" in page
    assert "Nice work!" in page
    assert "Other family goal" not in page and "Nguyen" not in page


def test_it_speaks_spanish_when_the_browser_does(world, client_for):
    world.family.language = "es"
    world.family.save()
    client = client_for(world.family)
    page = client.get(reverse("family_home"), headers={"Accept-Language": "es"}).content.decode()
    assert '<html lang="es">' in page
    assert "Nuestras metas" in page
    assert "En palabras de la familia" in page
    goal = client.get(reverse("goal_detail", args=[world.goal.pk])).content.decode()
    assert "Editar" in goal and "Historial" in goal


def test_it_remembers_the_language_on_the_account(world, client_for):
    client = client_for(world.family)
    client.post(reverse("set_language"), {"language": "es", "next": "/family/"})
    world.family.refresh_from_db()
    assert world.family.language == "es"
    # Another device without the cookie still gets Spanish.
    client.cookies.clear()
    client.force_login(world.family)
    assert "Nuestras metas" in client.get(reverse("family_home")).content.decode()


def test_it_audits_reads_and_writes_of_family_data(world, client_for):
    client = client_for(world.facilitator)
    client.get(reverse("goal_detail", args=[world.goal.pk]))
    client.post(
        reverse("comment_add", args=[world.goal.pk]), {"body": "Hi"}, REMOTE_ADDR="10.1.2.3"
    )
    entries = AuditEntry.objects.filter(team=world.team, actor=world.facilitator)
    assert entries.filter(action="view", subject=f"goal {world.goal.pk}").exists()
    write = entries.get(action="create")
    assert write.ip_address == "10.1.2.3"
    # Supervisors read the trail; entries can't be changed.
    trail = client_for(world.supervisor).get(reverse("team_audit", args=[world.team.pk]))
    assert "comment on goal" in trail.content.decode()
    try:
        write.save()
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("audit entries must be append-only")


def test_it_pins_the_family_portal_query_count(world, client_for, django_assert_num_queries):
    client = client_for(world.family)
    client.get(reverse("family_home"))  # warm the session
    _enrich(world, 2)
    with django_assert_num_queries(10) as small:
        client.get(reverse("family_home"))
    _enrich(world, 8)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("family_home"))


def test_it_pins_the_goal_page_query_count(world, client_for, django_assert_num_queries):
    client = client_for(world.family)
    client.get(reverse("goal_detail", args=[world.goal.pk]))
    with django_assert_num_queries(9) as first:
        client.get(reverse("goal_detail", args=[world.goal.pk]))
    for n in range(6):
        GoalStep.objects.create(goal=world.goal, what=f"Step {n}")
        GoalComment.objects.create(goal=world.goal, author=world.family, author_role="family",
                                   body=f"c{n}")  # fmt: skip
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("goal_detail", args=[world.goal.pk]))


def test_it_pins_the_history_and_team_page_query_counts(
    world, client_for, django_assert_num_queries
):
    from engagement.services import goal_update

    client = client_for(world.facilitator)
    with django_assert_num_queries(6) as history:
        client.get(reverse("goal_history", args=[world.goal.pk]))
    for n in range(5):
        goal_update(goal_id=world.goal.pk, by=world.family, role="family",
                    data={"statement": f"v{n}"}, base_version=n + 1)  # fmt: skip
    with django_assert_num_queries(len(history.captured_queries)):
        client.get(reverse("goal_history", args=[world.goal.pk]))
    _enrich(world, 2)
    with django_assert_num_queries(18) as team:  # with its open drift signals
        client.get(reverse("team_detail", args=[world.team.pk]))
    _enrich(world, 6)
    with django_assert_num_queries(len(team.captured_queries)):
        client.get(reverse("team_detail", args=[world.team.pk]))


def test_it_pins_the_team_list_and_dashboard_query_counts(
    world, client_for, django_assert_num_queries
):
    client = client_for(world.supervisor)
    with django_assert_num_queries(6) as teams:
        client.get(reverse("team_list"))
    for n in range(5):
        factories.make_team(world.program, facilitator=world.facilitator, name=f"Team {n}")
    with django_assert_num_queries(len(teams.captured_queries)):
        client.get(reverse("team_list"))
    # The dashboard's own count at two sizes is pinned in tests/engagement/test_dashboards.py.
    with django_assert_num_queries(10):  # 8, and the open drift signals by rule (2)
        client.get(reverse("dashboard"))


def test_it_refuses_to_change_or_delete_audit_entries_in_the_database(world, client_for):
    import pytest
    from django.db import DatabaseError, transaction

    client_for(world.family).get(reverse("family_home"))
    entry = AuditEntry.objects.filter(team=world.team).first()
    for statement in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(subject="rewritten"),
        lambda: AuditEntry.objects.filter(pk=entry.pk)._raw_delete(AuditEntry.objects.db),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    entry.refresh_from_db()
    assert entry.subject != "rewritten"
