"""Access to goals and their parts, built on the communities access layer: a goal is
visible exactly when its team is, by the role held in the team's organisation."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from communities.access import Person, TeamAccess, team_access_check, with_viewer_links
from engagement.models import Goal, GoalRevision, GoalStep
from engagement.services import goal_deletable


@dataclass(frozen=True)
class GoalAccess:
    goal: Goal
    team_access: TeamAccess

    @property
    def can_write(self) -> bool:
        return self.team_access.can_write

    @property
    def can_delete(self) -> bool:
        """Staff who co-edit the team, and only a goal the family never wrote."""
        return self.team_access.is_facilitator and goal_deletable(self.goal)

    @property
    def role(self) -> str | None:
        return self.team_access.role

    def reloaded(self, goal: Goal) -> GoalAccess:
        """The same access for the goal as a service returned it after a write."""
        return replace(self, goal=goal)


def goal_for_person(person: Person, goal_id: int, *, write: bool = False) -> GoalAccess:
    """A goal of a team the person may see (404 otherwise); `write` also requires that
    they co-edit that team (403 otherwise)."""
    goals = with_viewer_links(
        Goal.objects.select_related("team__program__organization"), person.user, "team_id"
    )
    try:
        goal = goals.get(pk=goal_id)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such goal.") from None
    team_access = team_access_check(
        person, goal.team, facilitates=goal.viewer_facilitates, is_family=goal.viewer_is_family
    )
    if write and not team_access.can_write:
        raise PermissionDenied
    return GoalAccess(goal=goal, team_access=team_access)


def goal_for_deleting(person: Person, goal_id: int) -> GoalAccess:
    access = goal_for_person(person, goal_id, write=True)
    if not access.can_delete:
        raise PermissionDenied
    return access


def goal_for_progress(person: Person, goal_id: int) -> GoalAccess:
    """Only the family speaks for the family (progress check-ins)."""
    access = goal_for_person(person, goal_id, write=True)
    if not access.team_access.is_family_member:
        raise PermissionDenied
    return access


def step_for_goal(goal: Goal, step_id: int) -> GoalStep:
    try:
        return goal.steps.get(pk=step_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("No such step.") from None


def revision_for_goal(goal: Goal, revision_id: int) -> GoalRevision:
    try:
        return goal.revisions.get(pk=revision_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("No such revision.") from None
