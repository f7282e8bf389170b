"""Reads for people, organisations and invitations. Each returns everything a page
needs in a fixed number of queries. Selectors only read: nothing here writes."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from communities.models import (
    AuditEntry,
    FamilyTeam,
    Invitation,
    Membership,
    Message,
    MessagePreference,
    Organization,
    Role,
    User,
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


def message_preferences(user: User) -> dict[str, tuple[bool, str]]:
    """kind → (email on, cadence) for every kind a person chooses, defaults filled in."""
    from communities.outbox import CHOOSABLE_KINDS, DEFAULT_CADENCE

    chosen = {p.kind: (p.email, p.cadence) for p in MessagePreference.objects.filter(user=user)}
    return {kind: chosen.get(kind, (True, DEFAULT_CADENCE[kind])) for kind in CHOOSABLE_KINDS}


def message_overview(organization: Organization, *, days: int = 14) -> dict:
    """An organisation's emails over the last `days` days, by day, kind and state; the
    failed ones with their error; what waits to be sent. Three queries."""
    since = timezone.now() - timedelta(days=days)
    emails = Message.objects.filter(
        organization=organization, channel=Message.Channel.EMAIL, created_at__gte=since
    )
    rows = list(
        emails.annotate(day=TruncDate("created_at"))
        .values("day", "kind")
        .annotate(
            sent=Count("id", filter=Q(state=Message.State.SENT)),
            waiting=Count("id", filter=Q(state__in=[Message.State.PENDING, Message.State.SENDING])),
            failed=Count("id", filter=Q(state=Message.State.FAILED)),
            cancelled=Count("id", filter=Q(state=Message.State.CANCELLED)),
        )
        .order_by("-day", "kind")
    )
    labels = dict(Message.Kind.choices)
    for row in rows:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    failed = list(
        Message.objects.filter(
            organization=organization, channel=Message.Channel.EMAIL, state=Message.State.FAILED
        )
        .select_related("recipient")
        .order_by("-created_at")[:50]
    )
    waiting = list(
        Message.objects.filter(
            organization=organization,
            channel=Message.Channel.EMAIL,
            state__in=[Message.State.PENDING, Message.State.SENDING],
        )
        .select_related("recipient")
        .order_by("next_attempt_at")[:50]
    )
    return {"organization": organization, "rows": rows, "failed": failed, "waiting": waiting}
