"""Plain factory functions for tests: small, explicit, no magic."""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from communities.models import (
    FamilyMember,
    FamilyTeam,
    Membership,
    Organization,
    Program,
    Role,
    TeamMeeting,
    User,
)
from engagement.models import Goal, GoalRevision, Wording
from engagement.services import goal_snapshot

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(
    email: str | None = None, *, name: str = "", password: str = PASSWORD, **extra
) -> User:
    email = email or f"person{next(_seq)}@example.org"
    user = User.objects.create_user(email, password, name=name or email.split("@")[0], **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_org(name: str | None = None) -> Organization:
    n = next(_seq)
    return Organization.objects.create(name=name or f"Org {n}", slug=f"org-{n}")


def make_program(org: Organization, name: str | None = None) -> Program:
    return Program.objects.create(organization=org, name=name or f"Program {next(_seq)}")


def make_member(user: User, org: Organization, role: str, *programs: Program) -> Membership:
    membership = Membership.objects.create(user=user, organization=org, role=role)
    if programs:
        membership.supervised_programs.add(*programs)
    return membership


def give_totp(user: User) -> Authenticator:
    """An authenticator row, so the MFA requirement is met (login itself is forced)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "unused-in-tests"}
    )


def make_team(program: Program, *, facilitator: User | None = None, family: User | None = None,
              name: str | None = None) -> FamilyTeam:  # fmt: skip
    team = FamilyTeam.objects.create(program=program, name=name or f"Team {next(_seq)}")
    if facilitator:
        team.facilitators.add(facilitator)
    if family:
        FamilyMember.objects.create(team=team, user=family)
    return team


def make_goal(team: FamilyTeam, *, by: User, role: str = Role.FAMILY,
              statement: str = "We want calm mornings.") -> Goal:  # fmt: skip
    now = timezone.now()
    wording = Wording.FAMILY if role == Role.FAMILY else Wording.STAFF
    goal = Goal.objects.create(
        team=team,
        statement=statement,
        why_it_matters="School starts on time.",
        strengths="We love music.",
        statement_wording=wording,
        why_it_matters_wording=wording,
        strengths_wording=wording,
        family_has_written=role == Role.FAMILY,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    GoalRevision.objects.create(
        goal=goal,
        version=1,
        author=by,
        author_role=role,
        changed_fields=["statement", "why_it_matters", "strengths", "status"],
        snapshot=goal_snapshot(goal),
    )
    return goal


def make_meeting(team: FamilyTeam, *, by: User, family_present: bool = True) -> TeamMeeting:
    return TeamMeeting.objects.create(
        team=team, held_on=timezone.localdate(), family_present=family_present, recorded_by=by
    )
