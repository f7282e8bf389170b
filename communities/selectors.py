"""Reads for people, organisations and invitations. Each returns everything a page
needs in a fixed number of queries. Selectors only read: nothing here writes."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from communities.models import (
    AuditEntry,
    FamilyTeam,
    Invitation,
    Membership,
    Organization,
    Role,
)


def pending_invitations(organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked, newest first (expired ones included, so
    they can be resent)."""
    return (
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("team", "invited_by")
        .order_by("-created_at")
    )


def organization_setup(organization: Organization) -> dict:
    """What an admin sees on the setup page."""
    programs = organization.programs.annotate(
        team_count=Count("teams", filter=Q(teams__closed_on__isnull=True), distinct=True)
    )
    memberships = (
        Membership.objects.filter(organization=organization)
        .exclude(role=Role.FAMILY)
        .select_related("user")
        .prefetch_related("supervised_programs")
        .order_by("-is_active", "role", "user__name")
    )
    return {
        "organization": organization,
        "programs": list(programs),
        "staff": list(memberships),
        "pending_invitations": list(pending_invitations(organization)[:50]),
        "now": timezone.now(),
        "family_count": Membership.objects.filter(
            organization=organization, role=Role.FAMILY
        ).count(),
        "communities": list(organization.communities.annotate(member_count=Count("members"))),
    }


def team_invitations(team: FamilyTeam) -> list[Invitation]:
    """A team's pending family invitations (the invite page lists them)."""
    return list(pending_invitations(team.program.organization).filter(team=team)[:50])


def team_audit_trail(team: FamilyTeam, *, limit: int = 200) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(team=team)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )
