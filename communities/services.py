"""Writes for people and teams: invitations and their acceptance."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.audit import audit_entry_create
from communities.models import (
    Delivery,
    FamilyMember,
    FamilyTeam,
    Invitation,
    Membership,
    Organization,
    Program,
    Role,
    User,
)


class InvitationError(Exception):
    """An invitation link that can't be used; the message is for the person holding it."""


def invitation_create(
    *,
    organization: Organization,
    by: User,
    email: str,
    role: str,
    name: str = "",
    team: FamilyTeam | None = None,
    relationship: str = "",
    programs: Iterable[Program] = (),
) -> Invitation:
    """Create an invitation and email its link once the transaction commits.

    Precondition: the caller checked `by` may invite this role (access layer).
    """
    from communities.tasks import invitation_send

    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=organization,
            email=email.strip().lower(),
            name=name.strip(),
            role=role,
            team=team,
            relationship=relationship,
            invited_by=by,
            key=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.programs.set(programs)
        if team is not None:
            audit_entry_create(
                actor=by,
                action="create",
                subject=f"invitation for {invitation.email} to join the team",
                team=team,
            )
        invitation_send.delay_on_commit(invitation.pk)
    return invitation


def invitation_check(invitation: Invitation) -> None:
    """Raise InvitationError with a clear message if the link can't be used any more."""
    if invitation.accepted_at is not None:
        raise InvitationError(
            _(
                "This invitation link has already been used. "
                "If it was you, just log in with your email address."
            )
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            _(
                "This invitation link expired on %(date)s. "
                "Please ask the person who invited you to send a new one."
            )
            % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")}
        )


def invitation_accept(
    *, invitation_id: int, name: str, password: str = "", language: str = ""
) -> tuple[User, bool]:
    """Accept an invitation: create or reuse the user, add the membership, mark it used.

    Returns (user, created). Raises InvitationError if it was used or expired meanwhile:
    the row is locked, so two clicks at once can't both succeed.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        invitation_check(invitation)
        user = User.objects.filter(email__iexact=invitation.email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                invitation.email,
                password or None,
                name=name.strip() or invitation.name,
                language=language or settings.LANGUAGE_CODE,
            )
        # The person opened a link sent to this address: that verifies it.
        EmailAddress.objects.update_or_create(
            user=user,
            email=invitation.email,
            defaults={"verified": True, "primary": True},
        )
        membership, _created = Membership.objects.get_or_create(
            user=user,
            organization=invitation.organization,
            defaults={"role": invitation.role},
        )
        if not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        if invitation.role == Role.SUPERVISOR:
            membership.supervised_programs.add(*invitation.programs.all())
        if invitation.team_id is not None:
            FamilyMember.objects.get_or_create(
                team=invitation.team,
                user=user,
                defaults={
                    "relationship": invitation.relationship or FamilyMember.Relationship.CAREGIVER
                },
            )
            audit_entry_create(
                actor=user,
                action="change",
                subject=f"{user.email} joined the team by invitation",
                team=invitation.team,
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user, created


def user_preferences_update(
    *, user: User, name: str, language: str, time_zone: str, email_digest: bool
) -> User:
    user.name = name.strip()
    user.language = language
    user.time_zone = time_zone
    user.email_digest = email_digest
    user.save(update_fields=["name", "language", "time_zone", "email_digest"])
    return user


def user_language_set(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def delivery_claim(*, key: str, recipient: User) -> bool:
    """Claim the right to send one message. True once per key, ever: a retried task or a
    second worker gets False and sends nothing (at most once per recipient and period)."""
    try:
        with transaction.atomic():
            Delivery.objects.create(key=key[:200], recipient=recipient)
    except IntegrityError:
        return False
    return True
