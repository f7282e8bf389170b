import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from communities.models import FamilyTeam, Membership, Organization, User


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("communities", "engagement")
        for model in apps.get_app_config(app).get_models()
        if model._meta.label != "communities.AuditEntry"
    }


def test_it_refuses_to_run_with_debug_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Organization.objects.exists()


def test_it_is_idempotent(db):
    call_command("seed_demo", force=True)
    first = _counts()
    call_command("seed_demo", force=True)
    assert _counts() == first


def test_it_creates_the_demo_world(db):
    call_command("seed_demo", force=True)
    riverbend = Organization.objects.get(name="Riverbend Family Services")
    assert riverbend.programs.count() == 2
    assert riverbend.communities.count() == 1
    assert FamilyTeam.objects.filter(program__organization=riverbend).count() == 12
    assert FamilyTeam.objects.filter(
        program__organization__name="Northside Youth Partners"
    ).exists()
    roles = {
        "admin@riverbend.example": "admin",
        "supervisor@riverbend.example": "supervisor",
        "facilitator@riverbend.example": "facilitator",
        "family@riverbend.example": "family",
        "outsider@northside.example": "facilitator",
    }
    for email, role in roles.items():
        user = User.objects.get(email=email)
        assert user.check_password("miiwrap-demo")
        assert user.mfa_waived_for_demo
        assert Membership.objects.get(user=user).role == role
    supervisor = Membership.objects.get(user__email="supervisor@riverbend.example")
    assert supervisor.supervised_programs.count() == 2
    maya = User.objects.get(email="facilitator@riverbend.example")
    assert maya.facilitated_teams.count() >= 3
    family_team = User.objects.get(email="family@riverbend.example").family_teams.get()
    assert maya in family_team.facilitators.all()
    # Only the six demo accounts can log in with a password.
    assert sum(u.has_usable_password() for u in User.objects.all()) == 6
    # The coach holds one role in each organisation.
    coach = {m.organization.slug: m.role for m in Membership.objects.filter(
        user__email="coach@riverbend.example").select_related("organization")}  # fmt: skip
    assert coach == {"riverbend": "supervisor", "northside": "family"}
    # The facilitator is told what the family said and did.
    kinds = set(maya.notifications.values_list("kind", flat=True))
    assert {"checkin_answered", "family_goal_edited"} <= kinds
    assert family_team.goals.exists() and family_team.meetings.count() > 5
