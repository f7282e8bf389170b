from __future__ import annotations

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language

from communities import account_audit, outbox
from communities.models import MessageKind


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join through an invitation (communities.views.invitation_accept).

    Also the hook for the account events allauth sends no signal for (see
    communities.account_audit): a rate limit refusing a login or a login code, and a
    login code sent."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def validation_error(self, code: str, *args) -> ValidationError:
        # allauth builds this error wherever a rate limit refuses a password login (failed
        # logins per address or per account) or a login-code request, with the request
        # in `context`; the email is the one typed into that form.
        if code == "too_many_login_attempts" and allauth_context.request is not None:
            request = allauth_context.request
            email = request.POST.get("login") or request.POST.get("email") or ""
            match = request.resolver_match
            account_audit.lockout_record(
                email=email.strip(), reason=match.url_name if match else request.path
            )
        return super().validation_error(code, *args)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mail (login codes, verification, password reset) goes through the
        outbox like every message: recorded and retried, but sent at once, since a
        login code cannot wait for the sweeper."""
        rendered = self.render_mail(template_prefix, email, context)
        html = next((body for body, kind in rendered.alternatives if kind == "text/html"), "")
        user = context.get("user")
        with transaction.atomic():
            ids = outbox.email_queue(
                kind=MessageKind.ACCOUNT,
                subject_key=template_prefix.rsplit("/", 1)[-1][:64],
                to_email=email,
                recipient=user if getattr(user, "pk", None) else None,
                params={"subject": rendered.subject, "text": rendered.body, "html": html},
                language=get_language() or "",
                period=secrets.token_hex(8),  # every code or link is a message of its own
            )
        for pk in ids:
            outbox.message_deliver(pk)
        # Sent on request (or resend) to an existing account only: with enumeration
        # prevention, an unknown address gets another mail and no login code.
        if template_prefix == "account/email/login_code":
            account_audit.login_code_sent_record(email=email)
