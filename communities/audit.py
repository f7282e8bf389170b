"""The audit trail: who viewed or changed which family's data, from which address.

The address comes from the current request (set by `AuditContextMiddleware`), so
services can record entries without every caller threading the request through.
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from communities.models import AuditEntry, FamilyTeam, Organization, User

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "miiwrap_client_ip", default=None
)


def client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
