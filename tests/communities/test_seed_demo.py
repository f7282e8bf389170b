import zoneinfo

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from communities.models import (
    CircleSession,
    FamilyTeam,
    Membership,
    Organization,
    SessionResponse,
    User,
)
from engagement.models import EngagementEvent


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


def test_it_creates_two_circles_with_a_history_of_sessions_and_attendance(db):
    call_command("seed_demo", force=True)
    community = Organization.objects.get(slug="riverbend").communities.get()
    assert community.host.email == "supervisor@riverbend.example"
    assert community.circles.count() == 2
    lab = community.circles.get(title="MI skills lab")
    family_voice = community.circles.get(title="Family voice circle")
    assert lab.focus == "reflections" and lab.time_zone == "America/Chicago"
    maya = User.objects.get(email="facilitator@riverbend.example")
    supervisor = User.objects.get(email="supervisor@riverbend.example")
    assert {maya, supervisor} <= set(lab.members.all())
    # Four from the start; three newcomers joined with the demo feed (miiwrap.demo_feed).
    assert lab.members.count() == family_voice.members.count() == 7

    now = timezone.now()
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    for circle, weekday, hour in ((lab, 1, 10), (family_voice, 3, 15)):
        sessions = list(circle.sessions.all())
        local = [s.starts_at.astimezone(chicago) for s in sessions]
        assert {(t.weekday(), t.hour, t.minute) for t in local} == {(weekday, hour, 0)}
        past = [s for s in sessions if s.ends_at < now]
        assert len(past) >= (12 if circle == lab else 2)
        assert any(s.starts_at > now for s in sessions)
        held = [s for s in past if s.status == CircleSession.Status.SCHEDULED]
        # Every held session has its attendance, and every past one has "ended".
        assert all(s.ended_signal_at for s in past)
        for session in held:
            assert session.responses.exclude(attendance="").count() >= 4
    assert all(8 <= s.starts_at.astimezone(chicago).day <= 14 for s in family_voice.sessions.all())
    assert lab.sessions.filter(status="cancelled", ends_at__lt=now).count() == 1
    kinds = set(SessionResponse.objects.values_list("attendance", flat=True))
    assert {"present", "absent", "excused"} <= kinds
    # Jordan missed the last two labs.
    jordan = User.objects.get(email="jordan.lee@riverbend.example")
    last_two = lab.sessions.filter(ends_at__lt=now, status="scheduled").order_by("-starts_at")[:2]
    assert [s.responses.get(user=jordan).attendance for s in last_two] == ["absent", "absent"]
    # RSVPs for the next session; attendance as engagement events of the organisation.
    following = lab.sessions.filter(starts_at__gt=now).first()
    assert following.responses.get(user=maya).rsvp == "going"
    events = EngagementEvent.objects.filter(organization=community.organization, team=None)
    assert (
        events.filter(kind="circle_attended").count()
        == SessionResponse.objects.filter(attendance="present").count()
    )
    assert events.filter(kind="circle_missed", actor=jordan).count() >= 2
