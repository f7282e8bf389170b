"""Account events in the audit trail: failed logins, lockouts, login codes sent, and
changes to a person's two-factor authentication.

These belong to a person rather than to one organisation, so their entries have neither
team nor organisation. The actor is the account concerned when there is one; an attempt
on an address without an account keeps the address in `detail["email"]`. The client's
address comes from the request as for every entry (communities.audit).

Django and allauth announce most of these with signals, connected in `connect()` (called
from CommunitiesConfig.ready). allauth sends no signal for a rate limit that refuses a
login or a login code, nor for a login code sent: its adapter reports those
(communities.adapters).
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from communities.audit import audit_entry_create
from communities.models import AuditEntry, User


def _account_entry(
    *, action: str, subject: str, event: str, user: User | None, email: str = "", **detail: Any
) -> AuditEntry:
    if user is None and email:
        user = User.objects.filter(email__iexact=email).first()
    if user is None:
        detail["email"] = email
    return audit_entry_create(
        actor=user, action=action, subject=subject, detail={"event": event, **detail}
    )


def login_failed_record(*, email: str = "", user: User | None = None, method: str) -> AuditEntry:
    return _account_entry(
        action=AuditEntry.Action.CREATE,
        subject="failed login",
        event="login_failed",
        user=user,
        email=email,
        method=method,
    )


def lockout_record(*, email: str = "", user: User | None = None, reason: str) -> AuditEntry:
    """A rate limit or an attempt limit refused a login or a login code."""
    return _account_entry(
        action=AuditEntry.Action.CHANGE,
        subject="login locked out",
        event="lockout",
        user=user,
        email=email,
        reason=reason,
    )


def login_code_sent_record(*, email: str) -> AuditEntry:
    return _account_entry(
        action=AuditEntry.Action.CREATE,
        subject="login code sent",
        event="login_code_sent",
        user=None,
        email=email,
    )


def _on_login_failed(sender, credentials: dict[str, Any], request=None, **kwargs) -> None:
    # Django masks the password in `credentials`; the email stays.
    email = str(credentials.get("email") or credentials.get("username") or "")
    login_failed_record(email=email.strip(), method="password")


def _on_login_code_rejected(
    sender, request: HttpRequest, user: User, last_attempt: bool, **kwargs
) -> None:
    login_failed_record(user=user, method="code")
    if last_attempt:
        lockout_record(user=user, reason="login_code_attempts")


def _on_mfa_failed(sender, request: HttpRequest, user: User, authenticator, **kwargs) -> None:
    login_failed_record(user=user, method=f"mfa:{authenticator.type}")


def _on_authenticator_added(sender, request, user: User, authenticator, **kwargs) -> None:
    _account_entry(
        action=AuditEntry.Action.CREATE,
        subject=f"authenticator added: {authenticator.type}",
        event="authenticator_added",
        user=user,
        type=authenticator.type,
    )


def _on_authenticator_removed(sender, request, user: User, authenticator, **kwargs) -> None:
    _account_entry(
        action=AuditEntry.Action.DELETE,
        subject=f"authenticator removed: {authenticator.type}",
        event="authenticator_removed",
        user=user,
        type=authenticator.type,
    )


def _on_authenticator_reset(sender, request, user: User, authenticator, **kwargs) -> None:
    reset = (
        "recovery codes regenerated"
        if authenticator.type == Authenticator.Type.RECOVERY_CODES
        else f"authenticator reset: {authenticator.type}"
    )
    _account_entry(
        action=AuditEntry.Action.CHANGE,
        subject=reset,
        event="authenticator_reset",
        user=user,
        type=authenticator.type,
    )


def connect() -> None:
    auth_signals.user_login_failed.connect(_on_login_failed, dispatch_uid="audit-login-failed")
    account_signals.login_code_rejected.connect(
        _on_login_code_rejected, dispatch_uid="audit-login-code-rejected"
    )
    mfa_signals.authentication_failed.connect(_on_mfa_failed, dispatch_uid="audit-mfa-failed")
    mfa_signals.authenticator_added.connect(
        _on_authenticator_added, dispatch_uid="audit-authenticator-added"
    )
    mfa_signals.authenticator_removed.connect(
        _on_authenticator_removed, dispatch_uid="audit-authenticator-removed"
    )
    mfa_signals.authenticator_reset.connect(
        _on_authenticator_reset, dispatch_uid="audit-authenticator-reset"
    )
