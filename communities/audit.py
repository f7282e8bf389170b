"""The audit trail: who viewed or changed which family's data, from which address.

The address comes from the current request (set by `AuditContextMiddleware`), so
services can record entries without every caller threading the request through.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from communities.models import AuditEntry, FamilyTeam, Organization, User

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "miiwrap_client_ip", default=None
)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind our one proxy (settings.TRUST_X_FORWARDED_FOR) that is
    the last X-Forwarded-For entry, the one our proxy appended: earlier entries are
    whatever the client sent. Same choice as allauth's rate limits."""
    address = request.META.get("REMOTE_ADDR") or None
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        with contextlib.suppress(ValueError):  # missing or not an address: keep the peer's
            address = str(ipaddress.ip_address(forwarded))
    return address


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def audit_entry_create(
    *,
    actor: User | None,
    action: str,
    subject: str,
    team: FamilyTeam | None = None,
    organization: Organization | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `team` implies its organisation; an entry with neither is an
    account event (a failed login, an MFA change) about `actor` or `detail["email"]`."""
    if organization is None and team is not None:
        organization = team.program.organization
    return AuditEntry.objects.create(
        organization=organization,
        team=team,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        subject=subject[:200],
        detail=detail or {},
        ip_address=_client_ip.get(),
    )


def family_data_viewed(request: HttpRequest, *, team: FamilyTeam, subject: str) -> None:
    """The one place that records a read of a family's data, called by views after the
    access check. Only reads count: a POST records its write in the service, so its
    answer (a fragment, a redirect) adds no "viewed" entry."""
    family_data_viewed_in(request, teams=[team], subject=subject)


def family_data_viewed_in(request: HttpRequest, *, teams: list[FamilyTeam], subject: str) -> None:
    """`family_data_viewed` for a page showing several families' data (one insert)."""
    if request.method not in ("GET", "HEAD") or not teams:
        return
    AuditEntry.objects.bulk_create(
        AuditEntry(
            organization_id=team.program.organization_id,
            team=team,
            actor=request.user,
            action=AuditEntry.Action.VIEW,
            subject=subject[:200],
            ip_address=_client_ip.get(),
        )
        for team in teams
    )


def family_words_viewed(
    request: HttpRequest, *, organization: Organization, team: FamilyTeam | None, subject: str
) -> None:
    """`family_data_viewed` for family words that may name no team (a transcript of an
    observed conversation): the entry names the organisation, and the team if known."""
    if request.method not in ("GET", "HEAD"):
        return
    AuditEntry.objects.create(
        organization=organization,
        team=team,
        actor=request.user,
        action=AuditEntry.Action.VIEW,
        subject=subject[:200],
        ip_address=_client_ip.get(),
    )
