"""Reads for people and teams. Each returns everything a page needs in a fixed number
of queries, whatever the number of teams."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from communities.access import Actor, programs_visible_to, teams_visible_to
from communities.models import (
    AuditEntry,
    FamilyTeam,
    Invitation,
    Membership,
    Organization,
    User,
)


def team_summaries(teams: QuerySet[FamilyTeam]) -> QuerySet[FamilyTeam]:
    """Teams with counts and last meeting date for lists (one query, plus one for the
    facilitators of all of them)."""
    return (
        teams.select_related("program")
        .annotate(
            active_goal_count=Count("goals", filter=Q(goals__status="active"), distinct=True),
            family_count=Count("memberships", distinct=True),
            last_meeting_on=Max("meetings__held_on"),
        )
        .prefetch_related(Prefetch("facilitators", queryset=User.objects.order_by("name")))
        .order_by("closed_on", "name")
    )


def teams_for_actor(actor: Actor) -> QuerySet[FamilyTeam]:
    """The teams a person works with: facilitators see their own, supervisors their
    programs', admins all of the organisation's."""
    teams = teams_visible_to(actor.user)
    if actor.role == "facilitator":
        teams = teams.filter(facilitators=actor.user)
    return team_summaries(teams)


def organization_setup(organization: Organization) -> dict:
    """What an admin sees on the setup page."""
    programs = organization.programs.annotate(
        team_count=Count("teams", filter=Q(teams__closed_on__isnull=True), distinct=True)
    )
    memberships = (
        Membership.objects.filter(organization=organization)
        .exclude(role="family")
        .select_related("user")
        .prefetch_related("supervised_programs")
        .order_by("role", "user__name")
    )
    invitations = (
        Invitation.objects.filter(organization=organization, accepted_at__isnull=True)
        .select_related("team", "invited_by")
        .order_by("-created_at")[:50]
    )
    return {
        "organization": organization,
        "programs": list(programs),
        "staff": list(memberships),
        "pending_invitations": list(invitations),
        "family_count": Membership.objects.filter(organization=organization, role="family").count(),
        "communities": list(organization.communities.annotate(member_count=Count("members"))),
    }


def supervisor_programs(actor: Actor):
    return programs_visible_to(actor).annotate(
        team_count=Count("teams", filter=Q(teams__closed_on__isnull=True), distinct=True)
    )


def team_audit_trail(team: FamilyTeam, *, limit: int = 200) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(team=team)
        .select_related("actor")
        .order_by("-occurred_at")[:limit]
    )
