"""A role belongs to one organisation: the person holding roles in two organisations is
checked, on every object, by the role held in that object's organisation."""

from django.urls import reverse

from communities.models import AuditEntry, Membership, Role, User
from engagement.models import GoalComment
from tests import factories


def test_it_lists_only_the_current_organisations_teams(world, client_for):
    """Reported: the Northside team showed in the Riverbend supervisor's team list."""
    page = client_for(world.dual).get(reverse("team_list"))
    body = page.content.decode()
    assert page.status_code == 200
    assert world.team.name in body
    assert world.outsider_team.name not in body


def test_it_refuses_the_other_organisations_audit_trail_to_its_family_member(world, client_for):
    """Reported: a supervisor elsewhere read Northside's audit trail as 'supervisor'."""
    client = client_for(world.dual)
    assert client.get(reverse("team_audit", args=[world.team.pk])).status_code == 200
    response = client.get(reverse("team_audit", args=[world.outsider_team.pk]))
    assert response.status_code == 403
    assert "audit" not in response.content.decode().lower().split("<main", 1)[-1][:200]


def test_it_records_a_comment_with_the_role_held_in_the_goals_organisation(world, client_for):
    """Reported: commenting on a Northside goal as 'supervisor' made it staff-worded."""
    goal = factories.make_goal(world.outsider_team, by=world.dual, statement="Nuestra meta")
    client = client_for(world.dual)
    response = client.post(reverse("comment_add", args=[goal.pk]), {"body": "Gracias"})
    assert response.status_code == 302
    comment = GoalComment.objects.get(goal=goal)
    assert comment.author_role == Role.FAMILY
    goal.refresh_from_db()
    assert goal.wording == "family"


def test_it_lets_a_person_switch_organisation_and_reach_their_family_portal(world, client_for):
    """Reported: the person could not reach their own family portal."""
    client = client_for(world.dual)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    header = home.content.decode().split("<main", 1)[0]
    assert "<strong>Riverbend Test Services</strong>" in header  # where they work now
    assert reverse("organization_switch") in header
    assert f'value="{world.outsider_org.pk}"' in header
    assert client.get(reverse("family_home")).status_code == 403
    response = client.post(reverse("organization_switch"), {"organization": world.outsider_org.pk})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("family_home")
    portal = client.get(reverse("family_home"))
    assert portal.status_code == 200
    body = portal.content.decode()
    assert world.outsider_team.name in body
    assert "Northside Test Partners" in body
    assert client.get(reverse("team_list")).status_code == 403  # family at Northside
    assert client.get(reverse("dashboard")).status_code == 403


def test_it_refuses_to_switch_to_an_organisation_the_person_is_not_in(world, client_for):
    client = client_for(world.facilitator)
    response = client.post(reverse("organization_switch"), {"organization": world.outsider_org.pk})
    assert response.status_code == 404
    assert client.get(reverse("team_list")).status_code == 200  # still at Riverbend
    bad = client.post(reverse("organization_switch"), {"organization": "x"})
    assert bad.status_code == 302  # a clear message, nothing changed


def test_it_shows_every_team_of_a_family_member_in_the_portal(
    world, client_for, django_assert_num_queries
):
    second = factories.make_team(world.other_program, family=world.family, name="Rivera (Ana)")
    factories.make_goal(second, by=world.family, statement="Ana plays soccer again")
    client = client_for(world.family)
    client.get(reverse("family_home"))
    with django_assert_num_queries(10) as two:
        page = client.get(reverse("family_home"))
    body = page.content.decode()
    assert world.team.name in body and "Rivera (Ana)" in body
    assert "Ana plays soccer again" in body and world.goal.statement in body
    for n in range(3):
        team = factories.make_team(world.program, family=world.family, name=f"Extra {n}")
        factories.make_goal(team, by=world.family, statement=f"Goal {n}")
    with django_assert_num_queries(len(two.captured_queries)):
        page = client.get(reverse("family_home"))
    assert "Extra 2" in page.content.decode()
    # Each team's read is recorded, once per view.
    assert AuditEntry.objects.filter(team=second, action="view").count() == 3  # three views


def test_it_puts_a_deactivated_membership_out_on_its_next_request(world, client_for):
    client = client_for(world.facilitator)
    assert client.get(reverse("team_detail", args=[world.team.pk])).status_code == 200
    Membership.objects.filter(user=world.facilitator).update(is_active=False)
    assert client.get(reverse("team_detail", args=[world.team.pk])).status_code == 404
    assert client.get(reverse("team_list")).status_code == 403
    assert "not part of an organisation" in client.get(reverse("home")).content.decode()


def test_it_requires_mfa_of_a_supervisor_elsewhere_even_while_working_as_family(world, client_for):
    dual = world.dual
    dual.authenticator_set.all().delete()
    client = client_for(dual)
    client.post(reverse("organization_switch"), {"organization": world.outsider_org.pk})
    response = client.get(reverse("family_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_it_requires_mfa_of_platform_operators_before_the_django_admin_answers(world, client_for):
    """Reported: a superuser without an authenticator read every tenant's audit trail."""
    operator = User.objects.create_superuser("root@platform.test", "x-long-password-1")
    client = client_for(operator)
    response = client.get("/django-admin/communities/auditentry/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    factories.give_totp(operator)
    assert client.get("/django-admin/communities/auditentry/").status_code == 200
