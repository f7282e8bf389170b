"""The one access layer: every view loads tenant data through these helpers.

Rules:
- Scope comes from the signed-in user's active memberships, never from the URL.
- An object outside the user's scope raises Http404, exactly like a missing one, so
  nobody can probe for another organisation's or family's data.
- An object the user may see but not change raises PermissionDenied on a write.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from communities.models import (
    FamilyTeam,
    Membership,
    Organization,
    Program,
    Role,
    User,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which role and organisation. Loaded once per request."""

    user: User
    membership: Membership | None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def organization(self) -> Organization | None:
        return self.membership.organization if self.membership else None

    @property
    def is_family(self) -> bool:
        return self.role == Role.FAMILY

    @property
    def is_staff_role(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)


_ROLE_ORDER = {Role.ADMIN: 0, Role.SUPERVISOR: 1, Role.FACILITATOR: 2, Role.FAMILY: 3}


def membership_for(user: User) -> Membership | None:
    """The user's active membership (one query). A person has one role per organisation;
    with several organisations the most capable role wins, then the oldest."""
    if not user.is_authenticated:
        return None
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("organization")
    )
    if not memberships:
        return None
    return min(memberships, key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.created_at))


def actor_for(request: HttpRequest) -> Actor:
    """The request's Actor, cached on the request."""
    actor = getattr(request, "_miiwrap_actor", None)
    if actor is None:
        actor = Actor(user=request.user, membership=membership_for(request.user))
        request._miiwrap_actor = actor
    return actor


def require_role(actor: Actor, *roles: str) -> None:
    """Raise PermissionDenied unless the actor holds one of `roles`."""
    if actor.role not in roles:
        raise PermissionDenied


def _team_scope(user: User) -> Q:
    """Which teams a user may see, across all their active memberships."""
    return (
        Q(
            program__organization__memberships__user=user,
            program__organization__memberships__is_active=True,
            program__organization__memberships__role=Role.ADMIN,
        )
        | Q(
            program__supervisor_memberships__user=user,
            program__supervisor_memberships__is_active=True,
            program__supervisor_memberships__role=Role.SUPERVISOR,
        )
        | Q(
            facilitators=user,
            program__organization__memberships__user=user,
            program__organization__memberships__is_active=True,
            program__organization__memberships__role=Role.FACILITATOR,
        )
        | Q(
            memberships__user=user,
            program__organization__memberships__user=user,
            program__organization__memberships__is_active=True,
            program__organization__memberships__role=Role.FAMILY,
        )
    )


def teams_visible_to(user: User) -> QuerySet[FamilyTeam]:
    if not user.is_authenticated:
        return FamilyTeam.objects.none()
    ids = FamilyTeam.objects.filter(_team_scope(user)).values("pk")
    return FamilyTeam.objects.filter(pk__in=ids).select_related("program__organization")


def can_write_team(user: User, team: FamilyTeam) -> bool:
    """Co-editing family content (goals, meetings) is for the team's facilitators and its
    family members. Admins and supervisors read, coach and audit; they don't edit."""
    return (
        team.facilitators.filter(pk=user.pk).exists() or team.memberships.filter(user=user).exists()
    )


def team_for_user(user: User, team_id: int, *, write: bool = False) -> FamilyTeam:
    try:
        team = teams_visible_to(user).get(pk=team_id)
    except (FamilyTeam.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None
    if write and not can_write_team(user, team):
        raise PermissionDenied
    return team


def programs_visible_to(actor: Actor) -> QuerySet[Program]:
    if actor.role == Role.ADMIN:
        return Program.objects.filter(organization=actor.organization)
    if actor.role == Role.SUPERVISOR:
        return actor.membership.supervised_programs.all()
    return Program.objects.none()


def organization_for_admin(actor: Actor) -> Organization:
    """The organisation an admin sets up; anybody else is refused."""
    require_role(actor, Role.ADMIN)
    return actor.organization


def team_for_facilitator(user: User, team_id: int) -> FamilyTeam:
    """A team the user facilitates (for inviting family, recording meetings)."""
    team = team_for_user(user, team_id)
    if not team.facilitators.filter(pk=user.pk).exists():
        raise PermissionDenied
    return team


def goal_for_user(user: User, goal_id: int, *, write: bool = False):
    """A goal of a team the user may see (404 otherwise); `write` also requires the user
    to co-edit that team (its facilitators and family members)."""
    from engagement.models import Goal

    try:
        goal = Goal.objects.select_related("team__program__organization").get(
            pk=goal_id, team__in=teams_visible_to(user).values("pk")
        )
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such goal.") from None
    if write and not can_write_team(user, goal.team):
        raise PermissionDenied
    return goal


def step_for_goal(goal, step_id: int):
    try:
        return goal.steps.get(pk=step_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("No such step.") from None


def revision_for_goal(goal, revision_id: int):
    try:
        return goal.revisions.get(pk=revision_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("No such revision.") from None


def require_family_member(user: User, team: FamilyTeam) -> None:
    """Only the family speaks for the family (progress check-ins)."""
    if not team.memberships.filter(user=user).exists():
        raise PermissionDenied
