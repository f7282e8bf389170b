"""Reads of family data are recorded once, in the view layer; writes by their service."""

from django.urls import reverse

from communities.models import AuditEntry


def _views(team) -> int:
    return AuditEntry.objects.filter(team=team, action="view").count()


def test_it_records_one_view_per_page_read(world, client_for):
    client = client_for(world.facilitator)
    before = _views(world.team)
    client.get(reverse("goal_detail", args=[world.goal.pk]))
    client.get(reverse("goal_history", args=[world.goal.pk]))
    client.get(reverse("team_detail", args=[world.team.pk]))
    assert _views(world.team) == before + 3


def test_it_adds_no_view_entry_for_an_htmx_post(world, client_for):
    """Reported: the fragment answering an htmx POST added an extra 'viewed' entry."""
    client = client_for(world.family)
    before = _views(world.team)
    creates = AuditEntry.objects.filter(action="create").count()
    response = client.post(
        reverse("comment_add", args=[world.goal.pk]), {"body": "Hola"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Hola" in response.content.decode()
    assert _views(world.team) == before
    assert AuditEntry.objects.filter(action="create").count() == creates + 1


def test_it_adds_no_view_entry_for_an_htmx_goal_save(world, client_for):
    client = client_for(world.family)
    before = _views(world.team)
    response = client.post(reverse("goal_edit", args=[world.goal.pk]), {
        "statement": "Mañanas tranquilas", "why_it_matters": "", "strengths": "",
        "status": "active", "set_aside_reason": "", "base_version": 1,
    }, HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200
    assert "Saved." in response.content.decode()  # the family sees their edit was saved
    assert 'role="status"' in response.content.decode()
    assert _views(world.team) == before
